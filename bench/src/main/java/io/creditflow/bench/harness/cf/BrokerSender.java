package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.bench.harness.SlowReader;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.ErrorCode;
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
 * shows whether the slow one's policy keeps it from holding back the rest. Fast consumers drain on the
 * event loop; the slow ones are read by a {@link SlowReader}. Consumed
 * bytes are payload bytes (the broker's 8-byte sequence header is not counted).
 */
public final class BrokerSender implements Sender {
    private final ReadySignal ready = new ReadySignal();
    private Client producerClient;
    private Client consumerClient;
    private Stream producer;
    private Stream[] consumers;
    private volatile boolean slowEvicted;
    private volatile String slowCloseReason = "";
    private SlowReader slowReader;
    private RunContext ctx;

    @Override
    public void open(RunContext c, String host, int port) throws Exception {
        this.ctx = c;
        RunSpec spec = c.spec();
        consumerClient = Client.builder().build();
        int n = spec.consumers();
        consumers = new Stream[n + 1];
        for (int k = 1; k <= n; k++) {
            int i = k;
            StreamListener listener = spec.isSlow(i) ? StreamListener.PULL : new PullListener() {
                @Override
                public void onReadable(Stream s) {
                    drain(i, s);
                }
            };
            consumers[i] = consumerClient.connect(host, port).openStream(StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME).metadata(BrokerProtocol.TOPIC, BrokerReceiver.TOPIC)
                    .metadata(BrokerProtocol.SUBSCRIPTION, "sub-" + i)
                    .metadata(BrokerProtocol.POLICY, spec.isSlow(i) ? spec.policy() : "block")
                    .listener(listener).build());
        }
        producerClient = Client.builder().build();
        producer = producerClient.connect(host, port).openStream(StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE).metadata(BrokerProtocol.TOPIC, BrokerReceiver.TOPIC)
                .listener(new StreamListener() {
                    @Override
                    public void onReady(Stream s) {
                        ready.signal();
                    }
                }).build());
        int[] slow = IntStream.rangeClosed(1, n).filter(spec::isSlow).toArray();
        slowReader = new SlowReader(slow, spec.slowRate(), this::consumeSlow).start();
    }

    private void drain(int i, Stream s) {
        for (;;) {
            try (Message m = s.poll(0, TimeUnit.NANOSECONDS)) {
                if (m == null) {
                    return;
                }
                ctx.meter().consumed(i, m.size() - BrokerProtocol.HEADER_BYTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StreamClosedException e) {
                return;
            }
        }
    }

    private void consumeSlow(int i) {
        try (Message m = consumers[i].poll(0, TimeUnit.NANOSECONDS)) {
            if (m != null) {
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
