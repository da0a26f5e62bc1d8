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
    /** The demo broker: one producer, consumers with one slow, per subscription policy (S8). */
    BROKER;

    /** True if the run sends traffic (and so has a warmup and a START). */
    public boolean hasTraffic() {
        return this != SCALE;
    }
}
