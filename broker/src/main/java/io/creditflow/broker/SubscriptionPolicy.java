package io.creditflow.broker;

/**
 * What a subscription does when its consumers fall behind and its queue is full ({@link #LOG}: a cursor in
 * a durable topic's log, which has no queue).
 */
public enum SubscriptionPolicy {
    /**
     * The topic stops dispatching until this subscription has room, so the producers stop getting
     * credit: the slowest BLOCK subscriber sets the pace of the topic. Lossless while a consumer is
     * attached, and across a reconnect within {@link BrokerConfig#subscriptionGrace()} except for what was in
     * flight to the consumer (delivered into its connection, not consumed: at most its credit window). After
     * the grace the subscription and its queue are dropped and counted. Not durable: a broker restart
     * loses what it held.
     */
    BLOCK,
    /** Evict the subscription's oldest queued message to make room; counted, visible as a sequence gap. */
    DROP_OLDEST,
    /** Discard the new message for this subscription; counted, visible as a sequence gap. */
    DROP_NEWEST,
    /**
     * Evict the consumers (Reset with SLOW_CONSUMER and a reason) when the queue overflows or when they
     * accept nothing for longer than the stall limit; the queue is freed.
     */
    DISCONNECT,
    /**
     * The subscription is a cursor in the topic's durable log ({@link LogTopic}, with
     * {@link BrokerConfig#dataDir()}): every subscription reads at its own pace from disk, nothing is queued
     * per subscription, a slow one holds nobody back and loses nothing; its committed offset survives
     * restarts. The only policy of a durable topic, and refused on an in-memory one.
     */
    LOG;

    /** Parses {@code block}, {@code drop-oldest}, {@code DROP_OLDEST}, ... */
    public static SubscriptionPolicy parse(String text) {
        return EnumLabels.parse(SubscriptionPolicy.class, "policy", text);
    }

    /** The command-line spelling: {@code drop-oldest}. */
    public String label() {
        return EnumLabels.label(this);
    }
}
