package io.creditflow.proto.core;

/**
 * A monotonic clock in nanoseconds. Flow-control and limiter code never reads the time itself: it
 * takes a clock (or a timestamp argument) so that tests can drive time deterministically.
 *
 * <p>Implementations must be thread-safe.
 */
@FunctionalInterface
public interface NanoClock {
    /** {@link System#nanoTime()}. */
    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
