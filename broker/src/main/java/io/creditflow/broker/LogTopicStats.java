package io.creditflow.broker;

import java.util.List;
import java.util.Map;

/**
 * A snapshot of one durable topic: its log, whether its producers are held and why, and its cursors. Immutable.
 *
 * @param name topic name
 * @param sizeBytes bytes on disk of the topic's segment and index files
 * @param maxBytes the bound on {@code sizeBytes} ({@link BrokerConfig#logMaxBytes()})
 * @param totalBytes bytes on disk of every durable topic's log together (the same for every topic)
 * @param totalMaxBytes the bound on {@code totalBytes} ({@link BrokerConfig#logTotalMaxBytes()}); 0: none
 * @param startOffset the earliest offset still in the log
 * @param endOffset the offset the next record gets
 * @param durableOffset everything below is durable as the fsync mode promises
 * @param held why producers are held now: {@code none}, {@code log_full} (the topic's bound), {@code total_full}
 *     (the broker-wide total), {@code disk_full}, {@code io_error}, {@code closed}
 * @param heldReason the last hold's reason, as logged
 * @param heldNanos time producers were held, by reason
 * @param holdEvents times producers became held, by reason
 * @param unreadRecordsDropped records the drop-oldest disk policy deleted before every cursor had read them
 * @param tooLargeDropped messages dropped because the log refused their batch as too large (should stay 0)
 * @param duplicatesDropped retried messages of idempotent producers the log dropped as duplicates
 * @param recoveryTruncatedBytes bytes recovery cut off a torn or corrupt tail when the log was opened
 * @param tailCacheBytes bytes of the records appended last held in memory for the subscriptions near the head
 *        (within {@code LogTopic.TAIL_CACHE_BYTES}, reserved in the broker budget)
 * @param tailCacheHits records subscriptions took from that cache instead of reading the log
 * @param cursors the durable subscriptions, from the cursor store
 */
public record LogTopicStats(
        String name,
        long sizeBytes,
        long maxBytes,
        long totalBytes,
        long totalMaxBytes,
        long startOffset,
        long endOffset,
        long durableOffset,
        String held,
        String heldReason,
        Map<String, Long> heldNanos,
        Map<String, Long> holdEvents,
        long unreadRecordsDropped,
        long tooLargeDropped,
        long duplicatesDropped,
        long recoveryTruncatedBytes,
        long tailCacheBytes,
        long tailCacheHits,
        List<CursorStats> cursors) {

    /**
     * One durable subscription.
     *
     * @param name subscription name
     * @param consumers member streams attached now
     * @param position the next offset it delivers
     * @param committedOffset its committed offset: where it resumes after a restart
     * @param lag {@code endOffset - committedOffset}: records not yet known consumed
     * @param skippedRecords records it skipped because they were gone (drop-oldest, retention) since start
     * @param corruptRecords corrupt records it skipped since start
     * @param consumerCreditMessages message credit its consumers granted the broker and it has not used yet
     *        ({@link Long#MAX_VALUE}: unlimited): 0 while every consumer holds all it may, credit withheld
     */
    public record CursorStats(
            String name,
            int consumers,
            long position,
            long committedOffset,
            long lag,
            long skippedRecords,
            long corruptRecords,
            long consumerCreditMessages) {}
}
