package io.creditflow.bench.harness;

/**
 * What a {@link Receiver} or {@link Sender} gets for one run: the spec, the counters, and whether a
 * stream is "held" (its messages are left unconsumed until the paced slow reader takes them, or for
 * good once the receiver is stalled).
 */
public final class RunContext {
    private final RunSpec spec;
    private final Meter meter;
    private volatile boolean stalled;

    public RunContext(RunSpec spec, Meter meter) {
        this.spec = spec;
        this.meter = meter;
    }

    public RunSpec spec() {
        return spec;
    }

    public Meter meter() {
        return meter;
    }

    /** True if stream {@code i} is not consumed on arrival. */
    public boolean held(int i) {
        return stalled || spec.isSlow(i);
    }

    /** The stall scenario's mark: from now on nothing is consumed. */
    public void stall() {
        stalled = true;
    }

    public boolean isStalled() {
        return stalled;
    }

    /** Counts one consumed message (and its latency when the run measures it). */
    public void consumed(int stream, byte[] payload) {
        meter.consumed(stream, payload.length);
        if (spec.latency()) {
            meter.latency(Payloads.intendedNanos(payload));
        }
    }

    public void consumed(int stream, int size, long intendedNanos) {
        meter.consumed(stream, size);
        if (spec.latency()) {
            meter.latency(intendedNanos);
        }
    }
}
