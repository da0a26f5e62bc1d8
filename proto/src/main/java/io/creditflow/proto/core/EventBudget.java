package io.creditflow.proto.core;

/**
 * Allows at most {@code maxEvents} events per window of {@code windowNanos} (fixed windows), for
 * limits such as "resets received per 10 s". Time is passed in, never read, so tests drive it.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop).
 */
public final class EventBudget {
    private final int maxEvents;
    private final long windowNanos;
    private long windowStart = Long.MIN_VALUE;
    private int events;

    public EventBudget(int maxEvents, long windowNanos) {
        if (maxEvents <= 0 || windowNanos <= 0) {
            throw new IllegalArgumentException(
                    "maxEvents: " + maxEvents + ", windowNanos: " + windowNanos + " (expected: both > 0)");
        }
        this.maxEvents = maxEvents;
        this.windowNanos = windowNanos;
    }

    /**
     * Counts one event at {@code nowNanos}.
     *
     * @return false if this event is over the budget of its window
     */
    public boolean tryAcquire(long nowNanos) {
        if (windowStart == Long.MIN_VALUE || nowNanos - windowStart >= windowNanos) {
            windowStart = nowNanos;
            events = 0;
        }
        return ++events <= maxEvents;
    }

    public int maxEvents() {
        return maxEvents;
    }

    public long windowNanos() {
        return windowNanos;
    }
}
