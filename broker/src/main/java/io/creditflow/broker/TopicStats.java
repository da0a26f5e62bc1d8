package io.creditflow.broker;

import java.util.List;

/**
 * A snapshot of one topic and its subscriptions. Immutable.
 *
 * @param name topic name
 * @param producers producer streams attached
 * @param depthMessages messages in the topic buffer (admitted, not yet dispatched)
 * @param depthBytes bytes in the topic buffer
 * @param publishedMessages messages admitted since start
 * @param publishedBytes payload bytes admitted since start
 * @param dispatchedMessages messages dispatched to subscriptions
 * @param unroutedMessages messages dispatched while the topic had no subscription (not kept)
 * @param evictions DISCONNECT evictions
 * @param droppedByEvictions messages freed with evicted subscriptions
 * @param httpRejects HTTP publishes answered 503
 * @param drainBytesPerSecond smoothed dispatch rate
 * @param topicFullNanos time producers waited for room in the topic buffer
 * @param subscriptionFullNanos time dispatch waited for a full BLOCK subscription
 * @param budgetExhaustedNanos time producers waited for the broker budget
 * @param quotaNanos time a producer's message waited for its principal's produce quota (stall reason quota)
 * @param expiredSubscriptions subscriptions removed after their grace period with no consumer attached
 * @param droppedByExpiry messages those subscriptions still held (never delivered)
 * @param refusedConsumers consumers refused at subscribe time (policy conflict, message limit too small)
 * @param refusedRejoins consumers refused because their subscription was evicted moments before (backoff)
 * @param subscriptions the subscriptions
 */
public record TopicStats(
        String name,
        int producers,
        long depthMessages,
        long depthBytes,
        long publishedMessages,
        long publishedBytes,
        long dispatchedMessages,
        long unroutedMessages,
        long evictions,
        long droppedByEvictions,
        long httpRejects,
        double drainBytesPerSecond,
        long topicFullNanos,
        long subscriptionFullNanos,
        long budgetExhaustedNanos,
        long quotaNanos,
        long expiredSubscriptions,
        long droppedByExpiry,
        long refusedConsumers,
        long refusedRejoins,
        List<SubscriptionStats> subscriptions) {

    /**
     * One subscription.
     *
     * @param name subscription name
     * @param policy what it does when full
     * @param consumers member streams
     * @param depthMessages messages queued
     * @param depthBytes bytes queued
     * @param consumerCreditBytes credit its consumers granted the broker, not yet used
     * @param deliveredMessages messages handed to consumers
     * @param droppedMessages messages its lossy policy dropped
     * @param noConsumerCreditNanos time messages waited with no consumer credit
     * @param evictedConsumers members evicted alone because they could not take a message
     */
    public record SubscriptionStats(
            String name,
            SubscriptionPolicy policy,
            int consumers,
            long depthMessages,
            long depthBytes,
            long consumerCreditBytes,
            long deliveredMessages,
            long droppedMessages,
            long noConsumerCreditNanos,
            long evictedConsumers) {}
}
