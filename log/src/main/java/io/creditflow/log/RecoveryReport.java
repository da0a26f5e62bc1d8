package io.creditflow.log;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link FileTopicLog#open} found and repaired. Recovery checks record by record only the part of the log the
 * recovery checkpoint does not vouch for (normally the unflushed tail of the active segment), so its cost follows that
 * tail, not the log's size; see docs/log.md, "Recovery". Immutable.
 *
 * @param directory the topic directory
 * @param checkpointFound whether a valid recovery checkpoint was found (without one, every segment after
 *     the first is checked in full)
 * @param segments segment files after recovery
 * @param scannedBytes bytes checked record by record (CRC32C and header); the replay of producer ids after
 *     the snapshot is counted in {@code producerRecordsReplayed} instead
 * @param truncations torn or corrupt tails cut off, one per segment affected
 * @param truncatedBytes the bytes they removed, in total
 * @param segmentsDeletedAfterTruncation segments deleted because they followed a truncated one
 * @param emptySegmentsRemoved empty segment files removed from the middle of the log
 * @param indexesRebuilt segments whose offset and time indexes were missing or invalid and were rebuilt
 * @param gaps offset ranges with no segment (a segment file missing from the middle of the log)
 * @param corruptRecords corrupt records found in sealed segments, which stay in place and are never
 *     served as data
 * @param producerSnapshotOffset the offset of the producer snapshot the deduplication table was loaded
 *     from, or -1 if none was usable
 * @param producerRecordsReplayed records read after the snapshot to rebuild the deduplication table
 * @param producers producers in the table after recovery
 * @param cursorsProblem why the cursor file could not be loaded (the cursors then start empty and the bad
 *     file is kept as {@code cursors.corrupt}), or {@code null}
 * @param durationNanos how long recovery took
 */
public record RecoveryReport(
        Path directory,
        boolean checkpointFound,
        int segments,
        long scannedBytes,
        List<Truncation> truncations,
        long truncatedBytes,
        List<Path> segmentsDeletedAfterTruncation,
        List<Path> emptySegmentsRemoved,
        List<Path> indexesRebuilt,
        List<Gap> gaps,
        List<CorruptRecord> corruptRecords,
        long producerSnapshotOffset,
        long producerRecordsReplayed,
        int producers,
        String cursorsProblem,
        long durationNanos) {

    /** Copies the lists. */
    public RecoveryReport {
        truncations = List.copyOf(truncations);
        segmentsDeletedAfterTruncation = List.copyOf(segmentsDeletedAfterTruncation);
        emptySegmentsRemoved = List.copyOf(emptySegmentsRemoved);
        indexesRebuilt = List.copyOf(indexesRebuilt);
        gaps = List.copyOf(gaps);
        corruptRecords = List.copyOf(corruptRecords);
    }

    /** Whether recovery lost or skipped data: a truncation, a deleted segment, a gap or a corrupt record. */
    public boolean lostData() {
        return !truncations.isEmpty()
                || !segmentsDeletedAfterTruncation.isEmpty()
                || !gaps.isEmpty()
                || !corruptRecords.isEmpty()
                || cursorsProblem != null;
    }

    /** A one-line summary for a log line. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("recovered ")
                .append(directory)
                .append(": ")
                .append(segments)
                .append(" segments, scanned ")
                .append(scannedBytes)
                .append(" B in ")
                .append(durationNanos / 1_000_000)
                .append(" ms");
        if (!checkpointFound) {
            sb.append(", no recovery checkpoint");
        }
        if (truncatedBytes > 0 || !truncations.isEmpty()) {
            sb.append(", truncated ").append(truncatedBytes).append(" B ").append(truncations);
        }
        if (!segmentsDeletedAfterTruncation.isEmpty()) {
            sb.append(", deleted after truncation ").append(segmentsDeletedAfterTruncation);
        }
        if (!emptySegmentsRemoved.isEmpty()) {
            sb.append(", empty segments removed ").append(emptySegmentsRemoved);
        }
        if (!indexesRebuilt.isEmpty()) {
            sb.append(", indexes rebuilt ").append(indexesRebuilt);
        }
        if (!gaps.isEmpty()) {
            sb.append(", missing offsets ").append(gaps);
        }
        if (!corruptRecords.isEmpty()) {
            sb.append(", corrupt records ").append(corruptRecords);
        }
        if (cursorsProblem != null) {
            sb.append(", cursors reset: ").append(cursorsProblem);
        }
        sb.append(", producers ")
                .append(producers)
                .append(" (snapshot ")
                .append(producerSnapshotOffset)
                .append(", replayed ")
                .append(producerRecordsReplayed)
                .append(')');
        return sb.toString();
    }

    /**
     * A torn or corrupt tail cut off a segment.
     *
     * @param segment the segment file
     * @param position where the file now ends (the end of the last good record)
     * @param offset the first offset that was cut off
     * @param bytes bytes removed
     * @param reason what was wrong with the first bad record
     * @param belowCheckpoint whether the bad record lay in data the recovery checkpoint said was fsynced
     *     (media corruption rather than a crash)
     */
    public record Truncation(
            Path segment, long position, long offset, long bytes, String reason, boolean belowCheckpoint) {
        /** A summary such as {@code 00000000000000000000.log@4096 offset 97: torn record, 17 B}. */
        @Override
        public String toString() {
            return segment.getFileName() + "@" + position + " offset " + offset + ": " + reason + ", " + bytes + " B"
                    + (belowCheckpoint ? " (below the checkpoint)" : "");
        }
    }

    /**
     * Offsets {@code [fromOffset, toOffset)} that no segment holds.
     *
     * @param fromOffset the first missing offset
     * @param toOffset one past the last missing offset (the next segment's base offset)
     */
    public record Gap(long fromOffset, long toOffset) {
        /** {@code [from, to)}. */
        @Override
        public String toString() {
            return "[" + fromOffset + ", " + toOffset + ")";
        }
    }

    /**
     * A corrupt record found in a sealed segment.
     *
     * @param segment the segment file
     * @param offset the offset the record should have had
     * @param position its byte position
     * @param detail what did not match
     */
    public record CorruptRecord(Path segment, long offset, long position, String detail) {
        /** A summary such as {@code 00000000000000000000.log@4096 offset 97: CRC32C mismatch}. */
        @Override
        public String toString() {
            return segment.getFileName() + "@" + position + " offset " + offset + ": " + detail;
        }
    }
}
