package io.creditflow.broker.kafka;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Gateways (brokers with a {@link KafkaGateway} backend) and consumers for the Kafka tests: each consumer runs on its
 * own thread, bounded in time, and records what it saw.
 */
final class Gateways {
    private Gateways() {}

    /** A gateway on free ports in front of {@code bootstrap}. */
    static Broker start(
            String bootstrap,
            UnaryOperator<KafkaGatewayConfig.Builder> kafka,
            UnaryOperator<BrokerConfig.Builder> broker)
            throws InterruptedException {
        KafkaGatewayConfig kc = kafka.apply(
                        KafkaGatewayConfig.builder(bootstrap).partitions(4).sessionTimeout(Duration.ofSeconds(6)))
                .build();
        return Broker.start(broker.apply(BrokerConfig.builder()
                        .port(0)
                        .httpPort(0)
                        .maxMessageBytes(64 * 1024)
                        .topicBackend(KafkaGateway.factory(kc)))
                .build());
    }

    static KafkaGatewayStats stats(Broker b) {
        return ((KafkaGateway) b.backend()).stats();
    }

    static StreamOptions consume(String topic, String subscription, String from) {
        return StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, topic)
                .metadata(BrokerProtocol.SUBSCRIPTION, subscription)
                .metadata(BrokerProtocol.FROM, from)
                .build();
    }

    /** A payload: the producer's number, its counter, padding to {@code size}. */
    static ByteBuffer payload(int producer, long counter, int size) {
        byte[] b = new byte[Math.max(16, size)];
        ByteBuffer.wrap(b).putLong(counter).putLong(producer);
        return ByteBuffer.wrap(b);
    }

    /** A small-window client, so a consumer hides few messages in its own receive buffer. */
    static Client consumerClient() {
        return Client.builder()
                .streamWindowBytes(16 * 1024)
                .streamWindowMessages(64)
                .build();
    }

    /**
     * Polls a consumer stream, optionally at most one message per {@code interval}; records per producer the
     * counters in arrival order. Ends when stopped, at its deadline, or on failure.
     */
    static final class Consumer implements AutoCloseable {
        final String name;
        final Stream stream;
        final AtomicLong received = new AtomicLong();
        private final Map<Long, List<Long>> byProducer = new HashMap<>();
        private final Thread thread;
        private final long deadlineNanos;
        private volatile long intervalNanos;
        private volatile boolean stopped;
        volatile Throwable failure;

        Consumer(String name, Stream stream, Duration interval, Duration runFor) {
            this.name = name;
            this.stream = stream;
            this.intervalNanos = interval.toNanos();
            this.deadlineNanos = System.nanoTime() + runFor.toNanos();
            this.thread = new Thread(this::run, "test-consumer-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        void pace(Duration interval) {
            intervalNanos = interval.toNanos();
        }

        private void run() {
            try {
                while (!stopped && System.nanoTime() < deadlineNanos) {
                    long taken;
                    try (Message m = stream.poll(50, TimeUnit.MILLISECONDS)) {
                        if (m == null) {
                            if (stream.isReceiveFinished()) {
                                return;
                            }
                            continue;
                        }
                        taken = System.nanoTime();
                        ByteBuffer p = BrokerProtocol.payload(m.payload());
                        long counter = p.getLong(p.position());
                        long producer = p.getLong(p.position() + 8);
                        synchronized (byProducer) {
                            byProducer
                                    .computeIfAbsent(producer, k -> new ArrayList<>())
                                    .add(counter);
                        }
                        received.incrementAndGet();
                    }
                    long interval = intervalNanos;
                    if (interval > 0) {
                        long wait = taken + interval - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // a deliberately slow consumer
                        }
                    }
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** The counters received from {@code producer}, in arrival order. */
        List<Long> counters(long producer) {
            synchronized (byProducer) {
                return new ArrayList<>(byProducer.getOrDefault(producer, List.of()));
            }
        }

        @Override
        public void close() {
            stopped = true;
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Polls {@code condition} every 5 ms until it holds; fails after {@code timeout}, saying {@code diagnosis}. */
    static void await(
            String what,
            Duration timeout,
            java.util.function.BooleanSupplier condition,
            java.util.function.Supplier<String> diagnosis)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "timed out after " + timeout.toMillis() + " ms waiting for " + what + ": " + diagnosis.get());
            }
            Thread.sleep(5);
        }
    }

    /** True if {@code counters} only ever increases (order per producer, so per partition, kept). */
    static boolean increasing(List<Long> counters) {
        for (int i = 1; i < counters.size(); i++) {
            if (counters.get(i) <= counters.get(i - 1)) {
                return false;
            }
        }
        return true;
    }
}
