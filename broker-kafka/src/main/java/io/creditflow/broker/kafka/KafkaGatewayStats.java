package io.creditflow.broker.kafka;

import java.util.List;
import java.util.Map;

/**
 * A Kafka gateway's figures (a racy snapshot across threads).
 *
 * @param producers producer streams attached
 * @param inFlightRecords records sent to Kafka (or waiting to be sent) and not yet acknowledged
 * @param inFlightBytes the broker budget those records reserve
 * @param acknowledgedRecords records Kafka acknowledged (acks=all)
 * @param acknowledgedBytes their payload bytes
 * @param failedRecords records Kafka finally failed (their streams were reset; producers resend)
 * @param retriedSends sends that could not start at once (no metadata, buffer full, topic being created)
 * @param httpAccepted HTTP publishes Kafka acknowledged (202)
 * @param httpRejects HTTP publishes refused (503)
 * @param held why producers are held now: none, kafka_unacknowledged, kafka_unavailable, budget_exhausted, draining
 * @param holdReason the reason in words (empty when not held)
 * @param heldNanos time held so far, by reason
 * @param holdEvents times held, by reason
 * @param subscriptions the subscriptions served on this gateway
 */
public record KafkaGatewayStats(
        int producers,
        long inFlightRecords,
        long inFlightBytes,
        long acknowledgedRecords,
        long acknowledgedBytes,
        long failedRecords,
        long retriedSends,
        long httpAccepted,
        long httpRejects,
        String held,
        String holdReason,
        Map<String, Long> heldNanos,
        Map<String, Long> holdEvents,
        List<SubscriptionStats> subscriptions) {
    /**
     * One subscription on this gateway.
     *
     * @param groupId its Kafka consumer group
     * @param members consumer streams attached here
     * @param readAheadBytes records held ahead of the members' credit
     * @param readAheadPeakBytes the largest read-ahead seen
     * @param paused whether its partitions are paused now
     * @param pauseChanges times it paused or resumed
     * @param assignedPartitions partitions Kafka assigned to this gateway's consumer
     * @param delivered records offered to members and accepted
     * @param unconsumed records delivered to members and not yet known to be consumed (what is not committed)
     * @param redelivered records handed back by members that left unconsumed (delivered again)
     * @param commits offset commits
     * @param rebalances partitions revoked or lost
     */
    public record SubscriptionStats(
            String topic,
            String name,
            String groupId,
            int members,
            long readAheadBytes,
            int readAheadRecords,
            long readAheadPeakBytes,
            boolean paused,
            long pauseChanges,
            int assignedPartitions,
            long delivered,
            long unconsumed,
            long redelivered,
            long commits,
            long rebalances) {}

    /** The subscription of that topic and name, or null. */
    public SubscriptionStats subscription(String topic, String name) {
        for (SubscriptionStats s : subscriptions) {
            if (s.topic().equals(topic) && s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }
}
