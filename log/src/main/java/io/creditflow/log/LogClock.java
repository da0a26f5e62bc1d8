package io.creditflow.log;

/**
 * Wall-clock time in epoch milliseconds, as the log uses it: age-based retention and roll, and nothing on the read
 * path. The log reads it once per operation; tests pass a clock they drive. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface LogClock {
    /** {@link System#currentTimeMillis()}. */
    LogClock SYSTEM = System::currentTimeMillis;

    /** The current time in milliseconds since the epoch. */
    long epochMillis();
}
