package io.creditflow.broker;

/**
 * A token bucket on an injected clock: tokens accrue at {@code ratePerSecond} up to {@code capacity}, and a
 * cost is taken when the bucket holds it. Time is always an argument (nanoseconds of one monotonic clock),
 * never read inside, so the bucket is a pure function of its calls and is tested without waiting.
 *
 * <p>A cost larger than the capacity (one message bigger than a second's worth of bytes) is taken once the
 * bucket is full, and leaves it in debt: the average rate still holds, and no message can wait forever.
 *
 * <p>Not thread-safe; the owner ({@link ProduceQuota}) synchronizes.
 */
final class TokenBucket {
    private final double ratePerSecond;
    private final double capacity;
    private double tokens;
    private long lastNanos;

    /** A full bucket at {@code nowNanos}. */
    TokenBucket(double ratePerSecond, double capacity, long nowNanos) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("ratePerSecond: " + ratePerSecond + " (expected: > 0)");
        }
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.ratePerSecond = ratePerSecond;
        this.capacity = capacity;
        this.tokens = capacity;
        this.lastNanos = nowNanos;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * ratePerSecond / 1e9);
            lastNanos = nowNanos;
        }
    }

    /** Nanoseconds until {@code cost} can be taken: 0 if it can be now. */
    long nanosUntil(double cost, long nowNanos) {
        refill(nowNanos);
        double need = Math.min(cost, capacity) - tokens;
        if (need <= 0) {
            return 0;
        }
        return Math.max(1, (long) Math.ceil(need / ratePerSecond * 1e9));
    }

    /** Takes {@code cost} whether or not the bucket holds it (it may go into debt). */
    void take(double cost, long nowNanos) {
        refill(nowNanos);
        tokens -= cost;
    }

    /** Gives back {@code cost} taken for something that did not happen (up to the capacity). */
    void refund(double cost, long nowNanos) {
        refill(nowNanos);
        tokens = Math.min(capacity, tokens + cost);
    }

    /** Tokens now (negative while in debt). */
    double tokens(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    double ratePerSecond() {
        return ratePerSecond;
    }

    double capacity() {
        return capacity;
    }
}
