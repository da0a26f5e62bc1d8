package io.creditflow.broker;

/**
 * Time spent stalled, per {@link Reason}, for one topic or subscription. Each stall is also a JFR event
 * ({@link BrokerEvents.Stall}), committed when it ends if it lasted longer than the event's threshold. Guarded by
 * the owning topic's lock.
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
        NO_CONSUMER_CREDIT,
        /** Topic: a producer's next message waits for its principal's produce quota. */
        QUOTA;

        String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final long[] total = new long[Reason.values().length];
    private final long[] since = new long[Reason.values().length];
    private final BrokerEvents.Stall[] events = new BrokerEvents.Stall[Reason.values().length];
    private final String topic;
    private final String subscription;

    /** Stalls of {@code topic}, or of its {@code subscription} ("" for the topic itself). */
    Stalls(String topic, String subscription) {
        this.topic = topic;
        this.subscription = subscription;
        java.util.Arrays.fill(since, -1);
    }

    void set(Reason reason, boolean stalled, long nowNanos) {
        int i = reason.ordinal();
        if (stalled && since[i] < 0) {
            since[i] = nowNanos;
            events[i] = BrokerEvents.stallBegins();
        } else if (!stalled && since[i] >= 0) {
            total[i] += nowNanos - since[i];
            since[i] = -1;
            BrokerEvents.stallEnds(events[i], topic, subscription, reason.label());
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
