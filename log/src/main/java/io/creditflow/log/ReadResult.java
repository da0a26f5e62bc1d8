package io.creditflow.log;

import java.util.List;

/**
 * Records read from a {@link TopicLog} starting at a requested offset, and where to read next. Immutable; the payloads
 * belong to the caller (see {@link LogRecord}).
 *
 * <p>A read never jumps silently: when the requested offset's data is gone (deleted by retention or
 * {@link TopicLog#dropOldest}, or a segment missing from the directory), the read starts at the next
 * offset that exists and {@link #skippedRecords()} says how many offsets were passed over, so a cursor
 * can count the gap.
 *
 * <p>An empty result with {@link #nextRecordBytes()} {@code > 0} means the next record does not fit in
 * the bytes the caller allowed; an empty result with {@code nextRecordBytes() == 0} means the reader is
 * at the end of the log.
 *
 * @param records the records, in offset order, consecutive offsets
 * @param nextOffset the offset to read next (one past the last record, or where the read stopped)
 * @param skippedRecords offsets passed over because their records no longer exist
 * @param nextRecordBytes when no record was returned because the first did not fit: its size in bytes
 *     (header included); otherwise 0
 */
public record ReadResult(List<LogRecord> records, long nextOffset, long skippedRecords, int nextRecordBytes) {
    /** Copies the record list. */
    public ReadResult {
        records = List.copyOf(records);
    }

    /** Whether no record was returned. */
    public boolean isEmpty() {
        return records.isEmpty();
    }

    /** Bytes the returned records occupy (headers and payloads). */
    public long sizeBytes() {
        long n = 0;
        for (LogRecord r : records) {
            n += r.sizeBytes();
        }
        return n;
    }
}
