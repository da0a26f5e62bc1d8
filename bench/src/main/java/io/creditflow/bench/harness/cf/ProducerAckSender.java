package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Meter;
import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.client.Client;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * S11's client side: one {@link BrokerProducer} ({@code acks=durable}, driven by the shared send loop, meter index 0)
 * and the run's fast consumers (meter indices 1..n, each on its own connection and subscription, drained on the
 * event loop).
 *
 * <p>Acknowledgement latency: before each send the message's stamp (its intended send time when the loop is paced,
 * the time it was made when it saturates; {@link Payloads#intendedNanos}) is kept under its producer sequence in a
 * ring of {@value #RING} entries. A thread waits in {@link BrokerProducer#awaitAcknowledged} for the next
 * sequence and, whenever the acknowledged sequence moves, records now minus the stamp of every message it newly
 * covers in the meter's latency histogram: send to acknowledgement, as an application waiting on the client API sees
 * it (the thread's wake-up included). A producer that ran {@value #RING} messages ahead of its acknowledgements would
 * overwrite stamps, so the sender then reports back-pressure instead.
 */
public final class ProducerAckSender implements Sender {
    static final int RING = 1 << 18;
    private static final long SEND_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLongArray stamps = new AtomicLongArray(RING);
    private Client producerClient;
    private Client consumerClient;
    private BrokerProducer producer;
    private Thread acknowledgements;
    private volatile boolean running;
    private volatile long acknowledgedMessages;
    private volatile String ackFailure;
    private long nextSequence; // the send loop's thread only

    @Override
    public void open(RunContext c, String host, int port) throws Exception {
        RunSpec spec = c.spec();
        Meter meter = c.meter();
        consumerClient = Client.builder().build();
        for (int k = 1; k <= spec.consumers(); k++) {
            int i = k;
            BrokerSender.openConsumer(
                    consumerClient,
                    host,
                    port,
                    BrokerSender.SUBSCRIPTION_PREFIX + i,
                    spec.policy(),
                    null,
                    new PullListener() {
                        @Override
                        public void onReadable(Stream s) {
                            BrokerSender.drain(s, meter, i);
                        }
                    });
        }
        producerClient = Client.builder().build();
        producer = BrokerProducer.open(producerClient.connect(host, port), BrokerReceiver.TOPIC, null, 0);
        nextSequence = producer.firstSequence();
        running = true;
        acknowledgements = new Thread(() -> awaitAcknowledgements(meter), "bench-acknowledgements");
        acknowledgements.setDaemon(true);
        acknowledgements.start();
    }

    private void awaitAcknowledgements(Meter meter) {
        long seen = producer.firstSequence() - 1;
        try {
            while (running) {
                if (!producer.awaitAcknowledged(seen + 1, 100, TimeUnit.MILLISECONDS)) {
                    CloseStatus closed = producer.closeStatus();
                    if (closed != null) {
                        if (running) {
                            ackFailure = String.valueOf(closed);
                        }
                        return;
                    }
                    continue;
                }
                long acked = producer.acknowledgedSequence();
                for (long q = seen + 1; q <= acked; q++) {
                    meter.latency(stamps.get((int) (q & (RING - 1))));
                }
                acknowledgedMessages += acked - seen;
                seen = acked;
            }
        } catch (InterruptedException e) {
            // stopped
        }
    }

    @Override
    public int streams() {
        return 1;
    }

    /** Sends through {@link BrokerProducer#send}, waiting up to 1 ms for room (the broker's credit). */
    @Override
    public boolean trySend(int stream, byte[] payload) {
        if (nextSequence - producer.acknowledgedSequence() >= RING) {
            return false;
        }
        stamps.set((int) (nextSequence & (RING - 1)), Payloads.intendedNanos(payload));
        long sequence;
        try {
            sequence = producer.send(ByteBuffer.wrap(payload), SEND_WAIT_NANOS, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (sequence != nextSequence) {
            throw new IllegalStateException("producer sequence " + sequence + ", expected " + nextSequence);
        }
        nextSequence++;
        return true;
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        if (nextSequence - producer.acknowledgedSequence() >= RING) {
            producer.awaitAcknowledged(nextSequence - RING, timeoutNanos, TimeUnit.NANOSECONDS);
        }
        // otherwise trySend has just waited for room
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("acknowledged_msgs_total", acknowledgedMessages);
        m.put("unacknowledged_at_stop", producer.nextSequence() - 1 - producer.acknowledgedSequence());
        m.put("ack_failure", ackFailure);
        return m;
    }

    @Override
    public void close() {
        running = false;
        if (acknowledgements != null) {
            acknowledgements.interrupt();
            try {
                acknowledgements.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producerClient != null) {
            producerClient.close();
        }
        if (consumerClient != null) {
            consumerClient.close();
        }
    }
}
