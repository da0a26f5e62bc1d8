package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Meter;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.client.Client;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * S11-catch-up's client side: no producer (the receiver wrote the backlog into the topic log before the broker
 * started), one consumer on a new subscription {@code from=earliest}, drained on the event loop (meter index 0),
 * with the client's default stream window. The catch-up time runs from just before the consumer connects to the
 * arrival of the backlog's last record; the rate is the backlog's payload bytes over that time.
 */
public final class CatchUpSender implements Sender {
    static final String SUBSCRIPTION = "catch-up";

    private Client client;
    private volatile long openNanos;
    private volatile long firstNanos;
    private volatile long doneNanos;
    private long expected;
    private Meter meter;

    @Override
    public void open(RunContext c, String host, int port) throws Exception {
        RunSpec spec = c.spec();
        meter = c.meter();
        expected = spec.backlogRecords();
        client = Client.builder().build();
        openNanos = System.nanoTime();
        BrokerSender.openConsumer(client, host, port, SUBSCRIPTION, spec.policy(), "earliest", new PullListener() {
            @Override
            public void onReadable(Stream s) {
                if (BrokerSender.drain(s, meter, 0) > 0) {
                    long now = System.nanoTime();
                    if (firstNanos == 0) {
                        firstNanos = now;
                    }
                    if (doneNanos == 0 && meter.consumedMessages(0) >= expected) {
                        doneNanos = now;
                    }
                }
            }
        });
    }

    @Override
    public int streams() {
        return 0;
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        return false;
    }

    @Override
    public void awaitReady(long timeoutNanos) {
        // nothing to send
    }

    @Override
    public Map<String, Object> figures() {
        return catchUpFigures(
                expected,
                meter.consumedMessages(0),
                meter.consumedBytes(0),
                openNanos,
                firstNanos,
                doneNanos,
                System.nanoTime());
    }

    /**
     * The catch-up figures: done or not, its time and rate (over the time to the last record when done, else the
     * partial rate so far), and the time to the first record.
     */
    static Map<String, Object> catchUpFigures(
            long expected, long records, long bytes, long openNanos, long firstNanos, long doneNanos, long nowNanos) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean done = doneNanos != 0;
        double seconds = ((done ? doneNanos : nowNanos) - openNanos) / 1e9;
        m.put("catch_up_expected_records", expected);
        m.put("catch_up_records", records);
        m.put("catch_up_payload_bytes", bytes);
        m.put("catch_up_done", done);
        m.put("catch_up_s", done ? seconds : null);
        m.put("catch_up_first_record_s", firstNanos == 0 ? null : (firstNanos - openNanos) / 1e9);
        m.put("catch_up_mib_per_s", seconds > 0 ? bytes / seconds / (1024.0 * 1024) : null);
        m.put("catch_up_records_per_s", seconds > 0 ? records / seconds : null);
        return m;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
