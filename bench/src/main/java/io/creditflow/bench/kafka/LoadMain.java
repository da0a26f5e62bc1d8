package io.creditflow.bench.kafka;

import io.creditflow.bench.harness.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The clients of one run, in their own JVM: arguments {@code SYSTEM HOST PORT WARMUP_MS WINDOW_MS SLOW_RATE
 * SIZE CATCH_UP_TIMEOUT_MS PRODUCER_RATE [KAFKA_PRODUCER_KEY=VALUE ...]}. Opens the {@link Workload}, runs unmeasured for
 * the warm-up, then the measured window (reported as {@code @WINDOW_START} and {@code @WINDOW_END}, so the
 * orchestrator can read the broker's CPU at both ends), then stops the producer, waits for its last
 * acknowledgements, and lets the slow consumer read at full speed until it has every acknowledged message, and prints {@code @RESULT} with one JSON object.
 */
public final class LoadMain {
    private LoadMain() {}

    public static void main(String[] args) throws Exception {
        String system = args[0];
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        long warmupMs = Long.parseLong(args[3]);
        long windowMs = Long.parseLong(args[4]);
        double slowRate = Double.parseDouble(args[5]);
        int size = Integer.parseInt(args[6]);
        long catchUpTimeoutMs = Long.parseLong(args[7]);
        double producerRate = Double.parseDouble(args[8]);
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 9; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            overrides.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        try (Workload w = switch (system) {
            case "creditflow" -> new CfWorkload(host, port, size, slowRate, producerRate);
            case "kafka" -> new KafkaWorkload(host + ":" + port, size, slowRate, producerRate, overrides);
            default -> throw new IllegalArgumentException("system: " + system);
        }) {
            System.out.println("@RESULT " + Json.write(run(w, warmupMs, windowMs, catchUpTimeoutMs)));
            System.out.flush();
        }
        System.exit(0); // client libraries' non-daemon threads must not keep the JVM
    }

    static Map<String, Object> run(Workload w, long warmupMs, long windowMs, long catchUpTimeoutMs) throws Exception {
        w.open();
        System.out.println("@OPEN");
        w.start();
        Thread.sleep(warmupMs);
        long t0 = System.nanoTime();
        long acked0 = w.acknowledged();
        long fast0 = w.fast.distinct();
        long slow0 = w.slow.distinct();
        System.out.println("@WINDOW_START");
        System.out.flush();
        Thread.sleep(windowMs);
        long t1 = System.nanoTime();
        long acked1 = w.acknowledged();
        long sent1 = w.sent();
        long fast1 = w.fast.distinct();
        long slow1 = w.slow.distinct();
        System.out.println("@WINDOW_END");
        System.out.flush();
        double window = (t1 - t0) / 1e9;

        // The producer stops and its last messages are acknowledged (the slow consumer still at its pace); then the
        // slow consumer speeds up and must catch up with every acknowledged message.
        long stopAt = System.nanoTime();
        w.stopProducing(60_000);
        double producerDrain = (System.nanoTime() - stopAt) / 1e9;
        long acknowledged = w.acknowledged();
        long speedUp = System.nanoTime();
        w.speedUp();
        long backlog = acknowledged - w.slow.distinct();
        w.setTarget(acknowledged);
        long deadline = speedUp + TimeUnit.MILLISECONDS.toNanos(catchUpTimeoutMs);
        while ((w.slowCaughtUpNanos() == 0 || w.fastCaughtUpNanos() == 0)
                && System.nanoTime() < deadline
                && w.failure() == null) {
            Thread.sleep(5); // a bench's poll of two counters, not a synchronisation in a test
        }
        long slowDone = w.slowCaughtUpNanos();
        long fastDone = w.fastCaughtUpNanos();
        w.stopConsumers(10_000);

        Map<String, Object> r = new LinkedHashMap<>();
        r.put("window_s", window);
        r.put("producer_acked_msgs_per_s", (acked1 - acked0) / window);
        r.put("fast_msgs_per_s", (fast1 - fast0) / window);
        r.put("slow_msgs_per_s", (slow1 - slow0) / window);
        r.put("sent_at_window_end", sent1);
        r.put("acked_at_window_end", acked1);
        r.put("slow_lag_at_window_end", acked1 - slow1);
        r.put("acknowledged", acknowledged);
        r.put("sent", w.sent());
        r.put("producer_failed", w.failed());
        r.put("producer_drain_s", producerDrain);
        r.put("slow_backlog_at_speed_up", backlog);
        r.put("catch_up_s", slowDone == 0 ? -1.0 : (slowDone - speedUp) / 1e9);
        r.put("catch_up_msgs_per_s", slowDone == 0 ? -1.0 : backlog / ((slowDone - speedUp) / 1e9));
        r.put("fast_done_after_speed_up_s", fastDone == 0 ? -1.0 : (fastDone - speedUp) / 1e9);
        r.put("slow_lost", w.slow.missingBelow(acknowledged));
        r.put("fast_lost", w.fast.missingBelow(acknowledged));
        r.put("slow_duplicates", w.slow.duplicates());
        r.put("fast_duplicates", w.fast.duplicates());
        r.put("out_of_order", w.slow.outOfOrder() + w.fast.outOfOrder());
        r.put("client_failure", w.failure() == null ? null : w.failure().toString());
        r.putAll(w.figures());
        return r;
    }
}
