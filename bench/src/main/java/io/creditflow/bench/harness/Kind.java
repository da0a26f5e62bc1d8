package io.creditflow.bench.harness;

/** What a scenario measures; decides the run's shape (warmup, traffic, GC marks) and its figures. */
public enum Kind {
    /** Every stream read at once: rate, CPU, memory (S1, S2, S4). */
    THROUGHPUT,
    /** Some streams read slowly: the others' rate and what the slow ones leave unconsumed (S3). */
    SLOW_STREAM,
    /** The reader stops at the mark: memory growth on both sides over the stall (S5). */
    STALL,
    /** A fixed offered load with intended-time stamps: latency percentiles (S6). */
    LATENCY,
    /** Many idle streams or connections: heap per stream, setup time (S7). */
    SCALE,
    /** The demo broker: one producer, consumers with one slow, per subscription policy (S8, S8-log). */
    BROKER,
    /** The broker's producer side: rate and acknowledgement latency, in-memory topic vs topic log (S11). */
    PRODUCER,
    /** A consumer reading a backlog written to the topic log before it connected (S11-catch-up). */
    CATCH_UP;

    /** True if the run sends traffic (and so has a warmup and a START). */
    public boolean hasTraffic() {
        return this != SCALE;
    }

    /** True if the receiver is the broker and the sender JVM holds its producer and consumers. */
    public boolean broker() {
        return this == BROKER || this == PRODUCER || this == CATCH_UP;
    }
}
