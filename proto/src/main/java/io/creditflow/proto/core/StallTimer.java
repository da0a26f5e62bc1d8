package io.creditflow.proto.core;

/**
 * Accumulates the time spent stalled, per {@link StallReason}. Reasons are independent: a stream can
 * be stalled for no peer credit on its send side while its receive side waits for the application.
 *
 * <p>Not thread-safe; confine updates to one thread (the connection's event loop). Readers on other
 * threads get a racy but never torn snapshot: each figure was true at some recent instant.
 */
public final class StallTimer {
    private static final long NOT_STALLED = Long.MIN_VALUE;

    private final long[] totalNanos = new long[StallReason.all().length];
    private final long[] sinceNanos = new long[StallReason.all().length];

    public StallTimer() {
        java.util.Arrays.fill(sinceNanos, NOT_STALLED);
    }

    /** Sets whether {@code reason} applies from {@code nowNanos} on; repeated calls are cheap no-ops. */
    public void set(StallReason reason, boolean stalled, long nowNanos) {
        int i = reason.ordinal();
        long since = sinceNanos[i];
        if (stalled) {
            if (since == NOT_STALLED) {
                sinceNanos[i] = nowNanos;
            }
        } else if (since != NOT_STALLED) {
            totalNanos[i] += Math.max(0, nowNanos - since);
            sinceNanos[i] = NOT_STALLED;
        }
    }

    public boolean isStalled(StallReason reason) {
        return sinceNanos[reason.ordinal()] != NOT_STALLED;
    }

    /** Total time stalled for {@code reason} up to {@code nowNanos}, including a stall in progress. */
    public long totalNanos(StallReason reason, long nowNanos) {
        int i = reason.ordinal();
        long since = sinceNanos[i];
        long total = totalNanos[i];
        return since == NOT_STALLED ? total : total + Math.max(0, nowNanos - since);
    }

    /** Ends every stall in progress (the stream or connection closed). */
    public void stopAll(long nowNanos) {
        for (StallReason reason : StallReason.all()) {
            set(reason, false, nowNanos);
        }
    }
}
