package io.creditflow.broker;

/**
 * Time spent stalled, per {@link Reason}, for one topic or subscription. Guarded by the owning topic's
 * lock.
 */
final class Stalls {
    /** Why something in the broker is not moving. */
    enum Reason {
        /** Topic: its buffer is full, producers get no credit. */
        TOPIC_FULL,
        /** Topic: a BLOCK subscription is full, dispatch waits for it. */
        SUBSCRIPTION_FULL,
        /** Topic: the broker-wide budget is exhausted. */
        BUDGET_EXHAUSTED,
        /** Subscription: messages wait, no consumer has credit. */
        NO_CONSUMER_CREDIT;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final long[] total = new long[Reason.values().length];
    private final long[] since = new long[Reason.values().length];

    Stalls() {
        java.util.Arrays.fill(since, -1);
    }

    void set(Reason reason, boolean stalled, long nowNanos) {
        int i = reason.ordinal();
        if (stalled && since[i] < 0) {
            since[i] = nowNanos;
        } else if (!stalled && since[i] >= 0) {
            total[i] += nowNanos - since[i];
            since[i] = -1;
        }
    }

    boolean isStalled(Reason reason) {
        return since[reason.ordinal()] >= 0;
    }

    long totalNanos(Reason reason, long nowNanos) {
        int i = reason.ordinal();
        return total[i] + (since[i] >= 0 ? nowNanos - since[i] : 0);
    }
}
