package io.creditflow.log;

/**
 * A snapshot of a log's counters: the bound and what is on disk, what was appended and refused, fsyncs and their
 * latency, and what recovery and retention removed. Totals count since the log was opened, except where noted.
 * Immutable.
 *
 * <p>The fields are read one by one while the log runs, so they may be mutually off by the
 * operations in flight.
 *
 * @param sizeBytes bytes on disk of the segment and index files (what {@code maxBytes} bounds)
 * @param maxBytes the bound
 * @param segments segment files
 * @param startOffset the earliest retained offset
 * @param endOffset the next offset to be written
 * @param durableOffset everything below is durable as the fsync mode promises
 * @param appendedRecords records appended
 * @param appendedBytes bytes of records appended (headers included)
 * @param duplicatesDropped records dropped as producer duplicates
 * @param logFullRejections appends refused with {@code LOG_FULL}
 * @param tooLargeRejections appends refused with {@code TOO_LARGE}
 * @param diskFullEvents appends that failed with {@code DISK_FULL}
 * @param ioErrors appends, fsyncs and flushes that failed with another I/O error
 * @param fsyncs fsync calls on segment data
 * @param fsyncNanosTotal time spent in them
 * @param fsyncNanosMax the longest one
 * @param recoveryTruncatedBytes bytes truncated by recovery when the log was opened
 * @param segmentsDeleted segments deleted by retention, reclaim and drop-oldest
 * @param recordsDeleted records in them
 * @param unreadRecordsDropped records drop-oldest deleted above the protected offset
 * @param corruptRecordsDetected reads that found a corrupt record
 * @param producers producers in the deduplication table
 * @param producersEvicted producers forgotten because the table was full
 * @param cursors named cursors in the cursor store
 */
public record LogStats(
        long sizeBytes,
        long maxBytes,
        int segments,
        long startOffset,
        long endOffset,
        long durableOffset,
        long appendedRecords,
        long appendedBytes,
        long duplicatesDropped,
        long logFullRejections,
        long tooLargeRejections,
        long diskFullEvents,
        long ioErrors,
        long fsyncs,
        long fsyncNanosTotal,
        long fsyncNanosMax,
        long recoveryTruncatedBytes,
        long segmentsDeleted,
        long recordsDeleted,
        long unreadRecordsDropped,
        long corruptRecordsDetected,
        int producers,
        long producersEvicted,
        int cursors) {}
