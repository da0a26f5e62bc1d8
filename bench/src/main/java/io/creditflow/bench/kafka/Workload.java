package io.creditflow.bench.kafka;

import java.util.concurrent.TimeUnit;

/**
 * One system's clients in the comparison: a producer at full speed that counts acknowledged messages, a
 * fast consumer and a slow one (paced at {@code slowRate} until {@link #speedUp}) on separate
 * subscriptions (consumer groups), each message carrying the producer's sequence in its first 8 bytes.
 * The subclass talks to its broker; this class owns the threads, the pacing and the tallies.
 */
abstract class Workload implements AutoCloseable {
    static final String TOPIC = "bench";

    final int size;
    final double slowRate;
    final SequenceTally fast = new SequenceTally();
    final SequenceTally slow = new SequenceTally();
    volatile boolean producing = true;
    volatile boolean stop;
    private volatile boolean slowFullSpeed;
    private volatile long target = Long.MAX_VALUE;
    private volatile long fastCaughtUpNanos;
    private volatile long slowCaughtUpNanos;
    private volatile Throwable failure;
    private final Pace slowPace;
    private final Pace producerPace;
    final double producerRate;
    private Thread producer;
    private Thread fastThread;
    private Thread slowThread;

    Workload(int size, double slowRate, double producerRate) {
        if (size < 8) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 8, for the sequence)");
        }
        this.size = size;
        this.slowRate = slowRate;
        this.producerRate = producerRate;
        this.slowPace = new Pace(slowRate);
        this.producerPace = new Pace(producerRate);
    }

    /** Connects the producer and subscribes both consumers (from the start of the topic). */
    abstract void open() throws Exception;

    /** Messages acknowledged so far: every sequence below this one is durable as the system promises. */
    abstract long acknowledged();

    /** Messages handed to the producer client so far. */
    abstract long sent();

    /** Producer failures reported by the client (sends that will never be acknowledged). */
    long failed() {
        return 0;
    }

    /** Sends at full speed while {@link #producing}; then waits, bounded, until everything sent is acknowledged. */
    abstract void produce() throws Exception;

    /** Reads until {@link #stop}, calling {@link #delivered} per message and {@link #pace} before each one. */
    abstract void consume(boolean slowOne) throws Exception;

    /** Closes the clients. */
    @Override
    public abstract void close();

    /** The system's figures of its own, for the result line. */
    java.util.Map<String, Object> figures() {
        return new java.util.LinkedHashMap<>();
    }

    final void start() {
        fastThread = thread("fast-consumer", () -> consume(false));
        slowThread = thread("slow-consumer", () -> consume(true));
        producer = thread("producer", this::produce);
        fastThread.start();
        slowThread.start();
        producer.start();
    }

    /** Stops the producer; returns once it is done (everything it sent acknowledged, or its bound passed). */
    final void stopProducing(long timeoutMillis) throws InterruptedException {
        producing = false;
        producer.join(timeoutMillis);
    }

    /** Lets the slow consumer read at full speed from now on. */
    final void speedUp() {
        slowFullSpeed = true;
    }

    /** Every acknowledged message up to now is what both consumers must get. */
    final void setTarget(long count) {
        long now = System.nanoTime();
        target = count;
        if (fast.distinct() >= count && fastCaughtUpNanos == 0) {
            fastCaughtUpNanos = now;
        }
        if (slow.distinct() >= count && slowCaughtUpNanos == 0) {
            slowCaughtUpNanos = now;
        }
    }

    final long fastCaughtUpNanos() {
        return fastCaughtUpNanos;
    }

    final long slowCaughtUpNanos() {
        return slowCaughtUpNanos;
    }

    /** Stops the consumers and waits for them. */
    final void stopConsumers(long timeoutMillis) throws InterruptedException {
        stop = true;
        fastThread.join(timeoutMillis);
        slowThread.join(timeoutMillis);
    }

    /** The first exception a client thread died of, or null. */
    final Throwable failure() {
        return failure;
    }

    /** Call from a consumer for each message, with the producer sequence it carries. */
    final void delivered(boolean slowOne, long sequence) {
        SequenceTally t = slowOne ? slow : fast;
        t.record(sequence);
        if (t.distinct() >= target) {
            if (slowOne && slowCaughtUpNanos == 0) {
                slowCaughtUpNanos = System.nanoTime();
            } else if (!slowOne && fastCaughtUpNanos == 0) {
                fastCaughtUpNanos = System.nanoTime();
            }
        }
    }

    /** The slow consumer's pacing, before it takes a message, until {@link #speedUp}. */
    final void pace(boolean slowOne) throws InterruptedException {
        if (slowOne) {
            slowPace.await(() -> slowFullSpeed || stop);
        }
    }

    /** The producer's pacing before each send: none at full speed ({@code producerRate} 0). */
    final void paceProducer() throws InterruptedException {
        producerPace.await(() -> !producing);
    }

    /**
     * Paces a loop to a rate: one slot every {@code 1 / rate} s. Time spent elsewhere is not saved up (at most
     * 10 ms of it), so a loop that waited for a message does not burst afterwards. A rate of 0: no pacing.
     */
    static final class Pace {
        private static final long SLACK_NANOS = 10_000_000L;
        private final long interval;
        private long next;

        Pace(double rate) {
            this.interval = rate > 0 ? (long) (1e9 / rate) : 0;
        }

        void await(java.util.function.BooleanSupplier released) throws InterruptedException {
            if (interval == 0) {
                return;
            }
            for (; ; ) {
                long now = System.nanoTime();
                if (released.getAsBoolean()) {
                    return;
                }
                if (next == 0 || now - next > SLACK_NANOS) {
                    next = now;
                }
                long wait = next - now;
                if (wait <= 0) {
                    next += interval;
                    return;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(wait, SLACK_NANOS));
            }
        }
    }

    private Thread thread(String name, Body body) {
        Thread t = new Thread(
                () -> {
                    try {
                        body.run();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Throwable e) {
                        if (failure == null) {
                            failure = e;
                        }
                        e.printStackTrace();
                    }
                },
                name);
        t.setDaemon(true);
        return t;
    }

    private interface Body {
        void run() throws Exception;
    }
}
