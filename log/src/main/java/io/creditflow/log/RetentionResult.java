package io.creditflow.log;

/**
 * What one call of {@link TopicLog#applyRetention}, {@link TopicLog#reclaim} or {@link TopicLog#dropOldest} deleted.
 * Deletion is by whole segments, oldest first, and never the active segment. Immutable.
 *
 * @param segmentsDeleted segments deleted
 * @param recordsDeleted records in them
 * @param bytesDeleted bytes on disk they held (segment and index files)
 * @param unreadRecordsDropped of those records, how many were at or above the protected offset the caller
 *     passed, that is, not yet read by the slowest cursor (always 0 for retention and {@code reclaim})
 * @param startOffset the log's start offset afterwards
 * @param satisfied for {@code reclaim} and {@code dropOldest}: whether the requested bytes now fit under
 *     the bound; for retention always {@code true}
 */
public record RetentionResult(
        int segmentsDeleted,
        long recordsDeleted,
        long bytesDeleted,
        long unreadRecordsDropped,
        long startOffset,
        boolean satisfied) {}
