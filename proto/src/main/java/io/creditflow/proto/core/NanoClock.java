package io.creditflow.proto.core;

/**
 * A monotonic clock in nanoseconds. Flow-control and limiter code never reads the time itself: the core
 * ({@link InboundFlowController}, {@link AdaptiveWindow}, {@link StallTimer}, {@link EventBudget}) takes a
 * {@code nowNanos} argument; the transport reads its injected clock once per event and passes the reading
 * down, so that tests drive time deterministically.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface NanoClock {
    /** {@link System#nanoTime()}. */
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
