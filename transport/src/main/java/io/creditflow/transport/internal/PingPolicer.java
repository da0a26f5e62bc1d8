package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.transport.ErrorCode;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how often the peer may ping: a ping sooner than {@code minIntervalNanos} after the previous one is
 * a strike, more than {@code maxStrikes} strikes in a row are a connection error (ENHANCE_YOUR_CALM), and a
 * ping at the allowed pace forgives the strikes (they are for a burst). Model: gRPC's KeepAliveEnforcer.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop). Time is passed in, never read.
 */
final class PingPolicer {
    private final long minIntervalNanos;
    private final int maxStrikes;
    private long lastPingNanos = Long.MIN_VALUE;
    private int strikes;

    PingPolicer(long minIntervalNanos, int maxStrikes) {
        this.minIntervalNanos = minIntervalNanos;
        this.maxStrikes = maxStrikes;
    }

    /**
     * Counts a ping received at {@code nowNanos}.
     *
     * @throws ProtocolException ENHANCE_YOUR_CALM once the strikes exceed the limit
     */
    void onPing(long nowNanos) {
        boolean early = lastPingNanos != Long.MIN_VALUE && nowNanos - lastPingNanos < minIntervalNanos;
        if (!early) {
            strikes = 0;
        } else if (++strikes > maxStrikes) {
            throw ErrorCodes.connectionError(
                    ErrorCode.ENHANCE_YOUR_CALM,
                    "pings closer than " + TimeUnit.NANOSECONDS.toMillis(minIntervalNanos) + " ms apart, " + strikes
                            + " times");
        }
        lastPingNanos = nowNanos;
    }

    /** The strikes counted since the last ping at the allowed pace. */
    int strikes() {
        return strikes;
    }
}
