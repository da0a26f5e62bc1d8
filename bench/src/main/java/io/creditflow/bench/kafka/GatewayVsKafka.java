package io.creditflow.bench.kafka;

import io.creditflow.bench.harness.Json;
import io.creditflow.bench.harness.MachineLoad;
import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.kafka.KafkaGateway;
import io.creditflow.broker.kafka.KafkaGatewayConfig;
import io.creditflow.broker.kafka.KafkaGatewayStats;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * S9: one producer to one consumer through the Kafka gateway against a plain Kafka producer and consumer, same
 * {@code acks=all}, idempotence and record size, on one real Kafka 4.4 broker (a child JVM). Prints, as one JSON
 * line, each side's consumed records per second over the window and their ratio (gateway / plain), and, with a
 * consumer that takes 100 records per second, the heap after GC this JVM grew by and the bytes each side held
 * ahead of its consumer (the plain consumer's fetched-but-unreturned records are not observable, so its figure is
 * the heap growth; the gateway's is its read-ahead peak, bounded by {@code readAheadBytes}).
 *
 * <p>Both sides run in this JVM (the gateway's broker too), one after the other; a warm-up precedes each window.
 * Kafka's jars must be on the classpath: {@code java -cp bench/target/benchmarks.jar:bench/target/kafka-lib/*
 * io.creditflow.bench.kafka.GatewayVsKafka [--window S] [--size B]}. Figures from a busy machine mean little:
 * the lead measures on a quiet one.
 */
public final class GatewayVsKafka {
    private GatewayVsKafka() {}

    static final String USAGE = """
            Usage: java -cp bench/target/benchmarks.jar:bench/target/kafka-lib/* \
                io.creditflow.bench.kafka.GatewayVsKafka [options]
              --reps N          repetitions, plain Kafka and the gateway alternating which goes first (default 3)
              --window S        measured seconds of each throughput and slow-consumer run (default 10)
              --size B          record payload bytes (default 1024)
              --json FILE       append every repetition as one JSON line
              --wait-quiet S    wait up to S seconds for a quiet machine before each repetition (default 600)
              --allow-busy      run on a busy machine anyway (the repetitions are labelled busy)
            """;

    public static void main(String[] args) throws Exception {
        int reps = 3;
        int windowS = 10;
        int size = 1024;
        long waitQuietS = 600;
        boolean allowBusy = false;
        Path json = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--help")) {
                System.out.print(USAGE);
                return;
            }
            if (a.equals("--allow-busy")) {
                allowBusy = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException(a + ": a value is missing\n" + USAGE);
            }
            String v = args[++i];
            switch (a) {
                case "--reps" -> reps = Integer.parseInt(v);
                case "--window" -> windowS = Integer.parseInt(v);
                case "--size" -> size = Integer.parseInt(v);
                case "--json" -> json = Path.of(v);
                case "--wait-quiet" -> waitQuietS = Long.parseLong(v);
                default -> throw new IllegalArgumentException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (reps < 1 || reps > 20 || windowS < 1 || size < 16 || waitQuietS < 0) {
            throw new IllegalArgumentException("--reps 1..20, --window >= 1 s, --size >= 16 bytes, --wait-quiet >= 0");
        }
        System.out.printf(
                Locale.ROOT,
                "S9: gateway vs plain Kafka, %d repetition(s), window %d s, %d-byte records%n",
                reps,
                windowS,
                size);
        Path dir = Files.createTempDirectory("creditflow-s9-");
        int port = freePort();
        String cp = System.getProperty("java.class.path");
        List<Map<String, Object>> rows = new ArrayList<>();
        try (BrokerChild kafka = BrokerChild.start(
                "kafka",
                cp,
                List.of("-Xms128m", "-Xmx384m"),
                KafkaBrokerMain.class.getName(),
                List.of(dir.toString(), Integer.toString(port), Integer.toString(freePort()), "default"),
                dir.resolve("kafka.log"))) {
            kafka.await("@READY", 60_000);
            String bootstrap = "127.0.0.1:" + port;
            for (int rep = 1; rep <= reps; rep++) {
                MachineLoad load = awaitQuiet(waitQuietS, allowBusy);
                if (load == null) {
                    System.out.println("machine busy: repetition " + rep + " not measured (--allow-busy runs anyway)");
                    continue;
                }
                Map<String, Object> row = repetition(bootstrap, rep, size, windowS, rep % 2 == 1);
                row.put("busy", load.busy() || LogVsKafka.otherJavaProcesses() > 0 || (boolean) row.get("busy"));
                row.put("machine_before", load.describe());
                rows.add(row);
                String line = Json.write(row);
                System.out.println(line);
                if (json != null) {
                    Files.writeString(json, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
        System.out.print(summary(rows));
        System.exit(0);
    }

    /** One repetition: both sides' throughput, then both sides with a slow consumer, on fresh topics. */
    static Map<String, Object> repetition(String bootstrap, int rep, int size, int windowS, boolean plainFirst)
            throws Exception {
        String plainTopic = "s9-plain-" + rep;
        String plainSlowTopic = "s9-plain-slow-" + rep;
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(
                            new NewTopic(plainTopic, Optional.of(1), Optional.empty()),
                            new NewTopic(plainSlowTopic, Optional.of(1), Optional.empty())))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("scenario", "S9");
        r.put("repetition", rep);
        r.put("first", plainFirst ? "plain" : "gateway");
        r.put("size", size);
        r.put("window_s", windowS);
        long othersBefore = LogVsKafka.otherJavaProcesses();
        double plain;
        long plainSlowHeap;
        double[] gw;
        if (plainFirst) {
            plain = plainThroughput(bootstrap, plainTopic, size, windowS);
            plainSlowHeap = plainSlowHeap(bootstrap, plainSlowTopic, size, windowS);
            gw = gatewayRuns(bootstrap, "s9-gw-" + rep, size, windowS);
        } else {
            gw = gatewayRuns(bootstrap, "s9-gw-" + rep, size, windowS);
            plain = plainThroughput(bootstrap, plainTopic, size, windowS);
            plainSlowHeap = plainSlowHeap(bootstrap, plainSlowTopic, size, windowS);
        }
        r.put("plain_msgs_per_s", Math.round(plain));
        r.put("gateway_msgs_per_s", Math.round(gw[0]));
        r.put("ratio", gw[0] / plain);
        r.put("plain_slow_heap_growth_bytes", plainSlowHeap);
        r.put("gateway_slow_heap_growth_bytes", Math.round(gw[1]));
        r.put("gateway_read_ahead_peak_bytes", Math.round(gw[2]));
        // Someone else's JVM during the repetition: its figures are not publishable.
        r.put("busy", othersBefore > 0 || LogVsKafka.otherJavaProcesses() > 0);
        return r;
    }

    static String summary(List<Map<String, Object>> rows) {
        StringBuilder b = new StringBuilder("\n| figure | median (min..max) |\n|---|---:|\n");
        String[][] figures = {
            {"plain_msgs_per_s", "plain Kafka consumer, records/s", "0"},
            {"gateway_msgs_per_s", "through the gateway, records/s", "0"},
            {"ratio", "gateway / plain (pair by pair)", "2"},
            {"plain_slow_heap_growth_bytes", "slow consumer (100/s): heap growth, plain, bytes", "0"},
            {"gateway_slow_heap_growth_bytes", "slow consumer (100/s): heap growth, gateway, bytes", "0"},
            {"gateway_read_ahead_peak_bytes", "slow consumer: the gateway's read-ahead peak, bytes", "0"}
        };
        for (String[] f : figures) {
            List<Double> v = new ArrayList<>();
            for (Map<String, Object> r : rows) {
                v.add(((Number) r.get(f[0])).doubleValue());
            }
            b.append("| ")
                    .append(f[1])
                    .append(" | ")
                    .append(Spread.of(v).format(Integer.parseInt(f[2])))
                    .append(" |\n");
        }
        long busy =
                rows.stream().filter(r -> Boolean.TRUE.equals(r.get("busy"))).count();
        b.append(String.format(
                Locale.ROOT,
                "%d repetition(s), %d on a busy machine%s%n",
                rows.size(),
                busy,
                busy > 0 ? " (NOT publishable figures)" : ""));
        return b.toString();
    }

    /** A quiet machine's sample, a busy one with {@code allowBusy}, or null if it stayed busy past the wait. */
    private static MachineLoad awaitQuiet(long waitS, boolean allowBusy) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitS);
        for (; ; ) {
            MachineLoad load = MachineLoad.sample(1000);
            long others = LogVsKafka.otherJavaProcesses();
            if ((!load.busy() && others == 0) || allowBusy) {
                return load;
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            System.out.printf(
                    Locale.ROOT,
                    "waiting for a quiet machine: %s; %d other java process(es)%n",
                    load.describe(),
                    others);
            Thread.sleep(30_000);
        }
    }

    private static Map<String, Object> producerProps(String bootstrap) {
        return Map.of("bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", true, "linger.ms", 2);
    }

    private static Map<String, Object> consumerProps(String bootstrap, String group) {
        return Map.of(
                "bootstrap.servers",
                bootstrap,
                "group.id",
                group,
                "auto.offset.reset",
                "earliest",
                "enable.auto.commit",
                true);
    }

    /** A plain producer sending as fast as its buffer lets it and a plain consumer; records/s consumed. */
    static double plainThroughput(String bootstrap, String topic, int size, int windowS) throws Exception {
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try (KafkaProducer<byte[], byte[]> kp = new KafkaProducer<>(
                            producerProps(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                        byte[] v = new byte[size];
                        while (run.get()) {
                            kp.send(new ProducerRecord<>(topic, v));
                        }
                    }
                },
                "s9-plain-producer");
        p.start();
        AtomicLong consumed = new AtomicLong();
        try (KafkaConsumer<byte[], byte[]> kc = new KafkaConsumer<>(
                consumerProps(bootstrap, topic), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            kc.subscribe(List.of(topic));
            double rate = measure(
                    windowS,
                    consumed,
                    () -> consumed.addAndGet(kc.poll(Duration.ofMillis(50)).count()));
            run.set(false);
            p.join(30_000);
            return rate;
        }
    }

    /** A plain consumer taking 100 records/s (one per poll) while a producer runs: heap after GC growth. */
    static long plainSlowHeap(String bootstrap, String topic, int size, int windowS) throws Exception {
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try (KafkaProducer<byte[], byte[]> kp = new KafkaProducer<>(
                            producerProps(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                        byte[] v = new byte[size];
                        while (run.get()) {
                            kp.send(new ProducerRecord<>(topic, v));
                            pause(1); // about 1,000/s, so the backlog is the consumer's to fetch
                        }
                    }
                },
                "s9-plain-slow-producer");
        p.start();
        Map<String, Object> props = new java.util.HashMap<>(consumerProps(bootstrap, topic));
        props.put("max.poll.records", 1);
        long before = heapAfterGc();
        long peak = before;
        try (KafkaConsumer<byte[], byte[]> kc =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            kc.subscribe(List.of(topic));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(windowS);
            for (int i = 0; System.nanoTime() < end && i < 1_000_000; i++) {
                ConsumerRecords<byte[], byte[]> r = kc.poll(Duration.ofMillis(10));
                pause(10);
                if (i % 200 == 0) {
                    peak = Math.max(peak, heapAfterGc());
                }
            }
        }
        run.set(false);
        p.join(30_000);
        return peak - before;
    }

    /** The gateway: throughput, then heap growth and read-ahead with a 100 msg/s consumer. */
    static double[] gatewayRuns(String bootstrap, String topic, int size, int windowS) throws Exception {
        BrokerConfig cfg = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBackend(KafkaGateway.factory(
                        KafkaGatewayConfig.builder(bootstrap).partitions(1).build()))
                .build();
        try (Broker broker = Broker.start(cfg);
                Client client = Client.builder().build()) {
            double rate = gatewayFlow(broker, client, topic, size, windowS, 0)[0];
            double[] slow = gatewayFlow(broker, client, topic + "-slow", size, windowS, 10);
            KafkaGatewayStats.SubscriptionStats s =
                    ((KafkaGateway) broker.backend()).stats().subscription(topic + "-slow", "s9");
            return new double[] {rate, slow[1], s == null ? -1 : s.readAheadPeakBytes()};
        }
    }

    /** One producer and one consumer through the gateway; {@code [records/s consumed, heap growth]}. */
    static double[] gatewayFlow(Broker broker, Client client, String topic, int size, int windowS, long pauseMs)
            throws Exception {
        Stream consumer = client.connect("127.0.0.1", broker.port())
                .openStream(StreamOptions.builder()
                        .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                        .metadata(BrokerProtocol.TOPIC, topic)
                        .metadata(BrokerProtocol.SUBSCRIPTION, "s9")
                        .metadata(BrokerProtocol.FROM, "earliest")
                        .build());
        BrokerProducer producer = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), topic, "s9", 0);
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try {
                        while (run.get()) {
                            producer.send(ByteBuffer.wrap(new byte[size]), 1, TimeUnit.SECONDS);
                            if (pauseMs > 0) {
                                pause(1);
                            }
                        }
                    } catch (Exception e) {
                        // stopped
                    }
                },
                "s9-gateway-producer");
        p.start();
        AtomicLong consumed = new AtomicLong();
        long before = heapAfterGc();
        long[] peak = {before};
        int[] n = {0};
        double rate = measure(windowS, consumed, () -> {
            try (Message m = consumer.poll(50, TimeUnit.MILLISECONDS)) {
                if (m != null) {
                    consumed.incrementAndGet();
                }
            }
            if (pauseMs > 0) {
                pause(pauseMs);
                if (++n[0] % 200 == 0) {
                    peak[0] = Math.max(peak[0], heapAfterGc());
                }
            }
        });
        run.set(false);
        p.join(30_000);
        producer.close();
        consumer.cancel("done");
        return new double[] {rate, peak[0] - before};
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} for a 3 s warm-up, then for the window; the rate of {@code counter} over the window. */
    static double measure(int windowS, AtomicLong counter, Step step) throws Exception {
        long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < warm) {
            step.run();
        }
        long from = counter.get();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(windowS);
        while (System.nanoTime() < end) {
            step.run();
        }
        return (counter.get() - from) / ((System.nanoTime() - start) / 1e9);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
