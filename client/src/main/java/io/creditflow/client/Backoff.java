package io.creditflow.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential backoff with full jitter: attempt {@code n} waits a uniformly random time in
 * {@code [0, min(max, initial * 2^n)]}, so a crowd of clients that lost the same server does not come
 * back in lockstep. Immutable; thread-safe.
 *
 * @param initial the first attempt's upper bound
 * @param max the cap
 */
public record Backoff(Duration initial, Duration max) {
    /** 100 ms doubling up to 10 s. */
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10));

    public Backoff {
        if (initial == null || max == null || initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff: " + initial + ", " + max + " (expected: 0 < initial <= max)");
        }
    }

    /** The upper bound for attempt {@code attempt} (0-based): {@code min(max, initial * 2^attempt)}. */
    public long capNanos(int attempt) {
        long cap = initial.toNanos();
        for (int i = 0; i < attempt && cap < max.toNanos(); i++) {
            cap = Math.min(max.toNanos(), cap * 2);
        }
        return Math.min(cap, max.toNanos());
    }

    /** A random delay for attempt {@code attempt}, in {@code [0, capNanos(attempt)]}. */
    public long delayNanos(int attempt) {
        return ThreadLocalRandom.current().nextLong(capNanos(attempt) + 1);
    }
}
