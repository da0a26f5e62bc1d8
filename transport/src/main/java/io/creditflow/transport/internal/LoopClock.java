package io.creditflow.transport.internal;

import io.creditflow.proto.core.NanoClock;

/**
 * The time of the event a connection's event loop is handling. The endpoint's clock is read once when an
 * event starts ({@link #begin}: a read, the end of a read batch, a command batch, a tick, a writability
 * change, a lifecycle callback) and every part that handles the event takes that one reading from
 * {@link #now}, so the flow core ({@code InboundFlowController}), the stall timers and the defenses see one
 * instant per event and read no clock themselves (models: Aeron's {@code onIdle(now, ...)}, gRPC's
 * {@code Ticker}). Events nest (a close inside a read tears the connection down at once): an inner
 * {@link #begin} keeps the outer reading.
 *
 * <p>Event-loop confined. Off the loop (statistics) read the endpoint's clock directly.
 */
final class LoopClock {
    private final NanoClock clock;
    private int depth;
    private long eventNanos;

    LoopClock(NanoClock clock) {
        this.clock = clock;
    }

    /** An event starts: reads the clock unless an outer event is under way. Pair with {@link #end}. */
    long begin() {
        if (depth++ == 0) {
            eventNanos = clock.nanoTime();
        }
        return eventNanos;
    }

    /** The event that {@link #begin} started is over. */
    void end() {
        assert depth > 0 : "end without begin";
        depth--;
    }

    /**
     * The current event's time. Outside any event (a callback no {@link #begin} wraps, such as a listener
     * on a future) it is a fresh reading, so a caller never sees a stale time.
     */
    long now() {
        return depth > 0 ? eventNanos : clock.nanoTime();
    }
}
