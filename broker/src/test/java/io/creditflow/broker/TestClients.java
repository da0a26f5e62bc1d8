package io.creditflow.broker;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Producers and consumers for the broker's end-to-end tests: each runs on its own thread, bounded in
 * count and time, and records what it saw so the test thread can assert on it.
 */
final class TestClients {
    /** Consumer receive window: small, so a slow consumer hides few messages in its client. */
    static final long CONSUMER_WINDOW_BYTES = 16 * 1024;

    static final long CONSUMER_WINDOW_MESSAGES = 64;

    private TestClients() {}

    /** A client whose streams receive with a small window (what a consumer holds is bounded and small). */
    static Client smallWindowClient() {
        return Client.builder()
                .streamWindowBytes(CONSUMER_WINDOW_BYTES)
                .streamWindowMessages(CONSUMER_WINDOW_MESSAGES)
                .build();
    }

    static StreamOptions consume(String topic, String subscription, String policy) {
        return StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, topic)
                .metadata(BrokerProtocol.SUBSCRIPTION, subscription)
                .metadata(BrokerProtocol.POLICY, policy)
                .build();
    }

    static StreamOptions.Builder produce(String topic) {
        return StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                .metadata(BrokerProtocol.TOPIC, topic);
    }

    /** A producer payload: the producer's own counter, then padding up to {@code size} bytes. */
    static byte[] payload(long counter, int size) {
        byte[] b = new byte[Math.max(Long.BYTES, size)];
        ByteBuffer.wrap(b).putLong(counter);
        return b;
    }

    /** The producer counter in a message received as a consumer. */
    static long counter(ByteBuffer message) {
        ByteBuffer p = BrokerProtocol.payload(message);
        return p.getLong(p.position());
    }

    /** The topic's stats, if the topic exists. */
    static Optional<TopicStats> topic(Broker broker, String name) {
        return broker.stats().stream().filter(t -> t.name().equals(name)).findFirst();
    }

    /** A subscription's stats, if it exists. */
    static Optional<TopicStats.SubscriptionStats> subscription(Broker broker, String topic, String name) {
        return topic(broker, topic)
                .flatMap(t -> t.subscriptions().stream()
                        .filter(s -> s.name().equals(name))
                        .findFirst());
    }

    /** Waits until the subscription exists with {@code members} consumers (stream opens are asynchronous). */
    static void awaitMembers(Broker broker, String topic, String subscription, int members)
            throws InterruptedException {
        Await.until(
                "subscription " + topic + "/" + subscription + " with " + members + " consumer(s)",
                Duration.ofSeconds(5),
                () -> subscription(broker, topic, subscription)
                        .map(s -> s.consumers() == members)
                        .orElse(false));
    }

    /**
     * Publishes numbered messages as fast as credit allows: each message is first offered (counting
     * QUEUE_FULL answers) and, if refused, sent with a blocking send. Stops after {@code max} messages,
     * at the deadline, when stopped, or when a send fails.
     */
    static final class Producer implements AutoCloseable {
        final Stream stream;
        final int size;
        final long max;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong queueFull = new AtomicLong();
        private final Thread thread;
        private final long deadlineNanos;
        private volatile boolean stopped;
        volatile Throwable failure;

        Producer(Stream stream, int size, long max, Duration runFor) {
            this.stream = stream;
            this.size = size;
            this.max = max;
            this.deadlineNanos = System.nanoTime() + runFor.toNanos();
            this.thread = new Thread(this::run, "test-producer-" + stream.id());
            thread.setDaemon(true);
        }

        Producer start() {
            thread.start();
            return this;
        }

        private void run() {
            try {
                for (long i = 0; i < max && !stopped && System.nanoTime() < deadlineNanos; i++) {
                    byte[] m = payload(i, size);
                    OfferResult r = stream.offer(m);
                    if (r == OfferResult.QUEUE_FULL) {
                        queueFull.incrementAndGet();
                        stream.send(m, 5, TimeUnit.SECONDS);
                    } else if (r != OfferResult.ACCEPTED) {
                        throw new AssertionError("offer answered " + r);
                    }
                    sent.incrementAndGet();
                }
            } catch (Throwable t) {
                failure = t;
            }
        }

        /** Stops after the message in progress and waits for the thread (bounded). */
        void stop() throws InterruptedException {
            stopped = true;
            join();
        }

        void join() throws InterruptedException {
            thread.join(10_000);
            if (thread.isAlive()) {
                throw new AssertionError("producer thread did not finish");
            }
        }

        boolean isDone() {
            return !thread.isAlive();
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

    /**
     * Polls a consumer stream on its own thread, optionally pacing itself to at most one message per
     * {@code interval} (a deliberately slow consumer), and checks what arrives: sequence numbers must
     * increase; with {@code consecutive}, the sequence and the producer counter must both grow by
     * exactly one (nothing lost, order kept). Ends when stopped, at the deadline, when the stream is
     * finished (half-closed by the broker and drained), or when it fails (reset).
     */
    static final class Consumer implements AutoCloseable {
        final String name;
        final Stream stream;
        final boolean consecutive;
        final AtomicLong received = new AtomicLong();
        /** Sequence numbers missing between received ones (gaps). */
        final AtomicLong missing = new AtomicLong();

        private final List<Long> sequences = new ArrayList<>();
        private final Thread thread;
        private final long deadlineNanos;
        private volatile long intervalNanos;
        private volatile boolean paused;
        private volatile boolean stopped;
        private long lastSequence = -1;
        private long lastCounter = -1;
        volatile String orderViolation;
        volatile boolean finished;
        volatile Throwable failure;

        Consumer(String name, Stream stream, boolean consecutive, Duration interval, Duration runFor) {
            this.name = name;
            this.stream = stream;
            this.consecutive = consecutive;
            this.intervalNanos = interval.toNanos();
            this.deadlineNanos = System.nanoTime() + runFor.toNanos();
            this.thread = new Thread(this::run, "test-consumer-" + name);
            thread.setDaemon(true);
        }

        Consumer start() {
            thread.start();
            return this;
        }

        /** Changes the pace (Duration.ZERO: as fast as messages come). */
        void pace(Duration interval) {
            this.intervalNanos = interval.toNanos();
        }

        /** Stops taking messages (the stream keeps its credit; nothing more is granted). */
        void pause(boolean pause) {
            this.paused = pause;
        }

        private void run() {
            try {
                for (long i = 0; !stopped && i < 10_000_000 && System.nanoTime() < deadlineNanos; i++) {
                    if (paused) {
                        Thread.sleep(5);
                        continue;
                    }
                    long taken;
                    try (Message m = stream.poll(50, TimeUnit.MILLISECONDS)) {
                        if (m == null) {
                            if (stream.isReceiveFinished()) {
                                finished = true;
                                return;
                            }
                            continue;
                        }
                        taken = System.nanoTime();
                        record(BrokerProtocol.sequence(m.payload()), counter(m.payload()));
                    }
                    long interval = intervalNanos;
                    if (interval > 0) {
                        long wait = taken + interval - System.nanoTime();
                        if (wait > 0) {
                            TimeUnit.NANOSECONDS.sleep(wait); // a deliberately slow consumer
                        }
                    }
                }
            } catch (StreamClosedException e) {
                failure = e;
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void record(long sequence, long counter) {
            if (orderViolation == null) {
                if (sequence <= lastSequence) {
                    orderViolation = name + ": sequence " + sequence + " after " + lastSequence;
                } else if (consecutive && lastSequence >= 0 && sequence != lastSequence + 1) {
                    orderViolation = name + ": sequence " + sequence + " after " + lastSequence + " (gap)";
                } else if (consecutive && lastCounter >= 0 && counter != lastCounter + 1) {
                    orderViolation = name + ": producer counter " + counter + " after " + lastCounter;
                }
            }
            if (sequence > lastSequence + 1) {
                missing.addAndGet(sequence - lastSequence - 1); // counted from sequence 0
            }
            lastSequence = Math.max(lastSequence, sequence);
            lastCounter = counter;
            synchronized (sequences) {
                sequences.add(sequence);
            }
            received.incrementAndGet();
        }

        List<Long> sequences() {
            synchronized (sequences) {
                return new ArrayList<>(sequences);
            }
        }

        boolean isDone() {
            return !thread.isAlive();
        }

        void join(Duration timeout) throws InterruptedException {
            thread.join(timeout.toMillis());
            if (thread.isAlive()) {
                throw new AssertionError("consumer " + name + " did not finish within " + timeout.toMillis() + " ms");
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
}
