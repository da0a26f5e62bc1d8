package io.creditflow.bench.harness;

import java.nio.ByteBuffer;

/**
 * What a {@link Receiver} or {@link Sender} gets for one run: the spec, the counters, and whether a
 * stream is "held" (its messages are left unconsumed until the paced slow reader takes them, or for
 * good once the receiver is stalled).
 */
public final class RunContext {
    private final RunSpec spec;
    private final Meter meter;
    private final DeliveryCheck check;
    private volatile boolean stalled;

    public RunContext(RunSpec spec, Meter meter) {
        this.spec = spec;
        this.meter = meter;
        this.check = Analysis.verifiesDelivery(spec)
                ? new DeliveryCheck(meter.streams(), spec.payloadBytes(), DeliveryCheck.DEFAULT_MAX_RANGES)
                : new DeliveryCheck(0, spec.payloadBytes(), 1);
    }

    /** The receiver's delivery check of this run's streams (of none where the run is not checked). */
    public DeliveryCheck check() {
        return check;
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

    /** Checks and counts one consumed message (and its latency when the run measures it). */
    public void consumed(int stream, byte[] payload) {
        long seq = Payloads.sequence(payload);
        int from = Payloads.stream(payload);
        if (stream < check.streams()) {
            check.accept(
                    stream, from, seq, payload.length, from == stream && Payloads.fillIntact(payload, stream, seq));
        }
        meter.consumed(stream, payload.length);
        if (spec.latency()) {
            meter.latency(Payloads.intendedNanos(payload));
        }
    }

    /** The same for a payload seen through a buffer from its position to its limit (left untouched). */
    public void consumed(int stream, ByteBuffer payload) {
        long seq = Payloads.sequence(payload);
        int from = Payloads.stream(payload);
        int size = payload.remaining();
        if (stream < check.streams()) {
            check.accept(stream, from, seq, size, from == stream && Payloads.fillIntact(payload, stream, seq));
        }
        meter.consumed(stream, size);
        if (spec.latency()) {
            meter.latency(Payloads.intendedNanos(payload));
        }
    }

    /** The same for a receiver that read the header and checked the fill itself. */
    public void consumed(
            int stream, int headerStream, long sequence, int size, boolean fillIntact, long intendedNanos) {
        if (stream < check.streams()) {
            check.accept(stream, headerStream, sequence, size, fillIntact);
        }
        meter.consumed(stream, size);
        if (spec.latency()) {
            meter.latency(intendedNanos);
        }
    }
}
