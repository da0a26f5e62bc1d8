package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Meter;
import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.bench.harness.SlowReader;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * S8's client side: one producer stream (driven by the shared send loop, meter index 0) and the
 * consumers (meter indices 1..n), each on its own connection and its own subscription (fan-out). The
 * slow consumers' subscriptions have the run's policy; the fast ones' are BLOCK (lossless), so the run
 * shows whether the slow one's policy keeps it from holding back the rest. On a durable topic (S8-log)
 * every subscription is {@code log}, the only policy there. Fast consumers drain on the
 * event loop; the slow ones are read by a {@link SlowReader}, which also counts the records missing
 * between the sequence numbers the slow consumer saw (its gaps: what its policy dropped). Consumed
 * bytes are payload bytes (the broker's 8-byte sequence header is not counted).
 */
public final class BrokerSender implements Sender {
    static final String SUBSCRIPTION_PREFIX = "sub-";
    private final ReadySignal ready = new ReadySignal();
    private Client producerClient;
    private Client consumerClient;
    private Stream producer;
    private Stream[] consumers;
    private volatile boolean slowEvicted;
    private volatile String slowCloseReason = "";
    private SlowReader slowReader;
    private RunContext ctx;
    private long[] lastSequence; // per consumer, read by the slow reader's one thread
    private volatile long slowGapRecords;

    @Override
    public void open(RunContext c, String host, int port) throws Exception {
        this.ctx = c;
        RunSpec spec = c.spec();
        consumerClient = Client.builder().build();
        int n = spec.consumers();
        consumers = new Stream[n + 1];
        lastSequence = new long[n + 1];
        java.util.Arrays.fill(lastSequence, -1);
        String fastPolicy = spec.durable() ? spec.policy() : "block";
        for (int k = 1; k <= n; k++) {
            int i = k;
            StreamListener listener = spec.isSlow(i)
                    ? StreamListener.PULL
                    : new PullListener() {
                        @Override
                        public void onReadable(Stream s) {
                            drain(s, c.meter(), i);
                        }
                    };
            consumers[i] = openConsumer(
                    consumerClient,
                    host,
                    port,
                    SUBSCRIPTION_PREFIX + i,
                    spec.isSlow(i) ? spec.policy() : fastPolicy,
                    null,
                    listener);
        }
        producerClient = Client.builder().build();
        producer = producerClient
                .connect(host, port)
                .openStream(StreamOptions.builder()
                        .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                        .metadata(BrokerProtocol.TOPIC, BrokerReceiver.TOPIC)
                        .listener(new StreamListener() {
                            @Override
                            public void onReady(Stream s) {
                                ready.signal();
                            }
                        })
                        .build());
        int[] slow = IntStream.rangeClosed(1, n).filter(spec::isSlow).toArray();
        slowReader = new SlowReader(slow, spec.slowRate(), this::consumeSlow).start();
    }

    /**
     * Opens a consumer stream of the bench topic on a connection of its own.
     *
     * @param from where a new subscription starts ({@code earliest}...), or null for the broker's default
     */
    static Stream openConsumer(
            Client client,
            String host,
            int port,
            String subscription,
            String policy,
            String from,
            StreamListener listener)
            throws java.io.IOException, InterruptedException {
        StreamOptions.Builder b = StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, BrokerReceiver.TOPIC)
                .metadata(BrokerProtocol.SUBSCRIPTION, subscription)
                .metadata(BrokerProtocol.POLICY, policy)
                .listener(listener);
        if (from != null) {
            b.metadata(BrokerProtocol.FROM, from);
        }
        return client.connect(host, port).openStream(b.build());
    }

    /** Consumes what is waiting on a pull-mode consumer stream, counting payload bytes as meter stream {@code i}. */
    static int drain(Stream s, Meter meter, int i) {
        int n = 0;
        for (; ; ) {
            try (Message m = s.poll(0, TimeUnit.NANOSECONDS)) {
                if (m == null) {
                    return n;
                }
                meter.consumed(i, m.size() - BrokerProtocol.HEADER_BYTES);
                n++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return n;
            } catch (StreamClosedException e) {
                return n;
            }
        }
    }

    private void consumeSlow(int i) {
        try (Message m = consumers[i].poll(0, TimeUnit.NANOSECONDS)) {
            if (m != null) {
                long sequence = BrokerProtocol.sequence(m.payload());
                if (lastSequence[i] >= 0 && sequence > lastSequence[i] + 1) {
                    slowGapRecords += sequence - lastSequence[i] - 1;
                }
                lastSequence[i] = sequence;
                ctx.meter().consumed(i, m.size() - BrokerProtocol.HEADER_BYTES);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (StreamClosedException e) {
            slowEvicted = e.status().code() == ErrorCode.SLOW_CONSUMER;
            slowCloseReason = e.status().reason();
            throw e;
        }
    }

    @Override
    public int streams() {
        return 1;
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        OfferResult r = producer.offer(payload);
        if (r == OfferResult.CLOSED) {
            throw new IllegalStateException("producer stream closed");
        }
        return r == OfferResult.ACCEPTED;
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        if (!producer.isReady()) {
            ready.await(timeoutNanos);
        }
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("slow_evicted", slowEvicted);
        m.put("slow_close_reason", slowCloseReason);
        m.put("slow_gap_records", slowGapRecords);
        return m;
    }

    @Override
    public void close() {
        if (slowReader != null) {
            slowReader.close();
        }
        if (producerClient != null) {
            producerClient.close();
        }
        if (consumerClient != null) {
            consumerClient.close();
        }
    }
}
