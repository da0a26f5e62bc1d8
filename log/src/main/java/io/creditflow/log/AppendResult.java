package io.creditflow.log;

/**
 * What one {@link TopicLog#append} did. Back-pressure and disk trouble are statuses, never exceptions: {@link
 * Status#LOG_FULL}, {@link Status#DISK_FULL} and {@link Status#IO_ERROR} leave the log as it was before the call
 * (nothing of the batch is visible to readers, nothing already written is damaged), and the same batch may be retried.
 * Immutable and thread-safe.
 *
 * <p>On {@link Status#OK} the batch's records that were not duplicates got consecutive offsets starting
 * at {@link #firstOffset()}, in batch order; {@link #offsetOf(int)} maps a batch index to its offset. A
 * duplicate's original record is below {@link #endOffset()}: once {@link TopicLog#durableOffset()}
 * reaches {@code endOffset()}, every record of the batch, duplicates' originals included, is durable.
 */
public final class AppendResult {
    /** The outcome of an append. */
    public enum Status {
        /** Appended (possibly nothing, if every record was a duplicate). */
        OK,
        /**
         * Refused: the batch would take the log over its {@code maxBytes} bound. {@link #requiredBytes()}
         * says how much room it needs; the caller decides the policy (see {@link TopicLog#reclaim} and
         * {@link TopicLog#dropOldest}).
         */
        LOG_FULL,
        /** Refused: the encoded batch is larger than one segment may hold. Retrying cannot succeed. */
        TOO_LARGE,
        /** The file system is out of space (ENOSPC or a quota); nothing was appended. Retry later. */
        DISK_FULL,
        /** Another I/O error; nothing was appended. {@link #reason()} says what. Retry later. */
        IO_ERROR,
        /** The log is closed. */
        CLOSED
    }

    private final Status status;
    private final long firstOffset;
    private final int appendedRecords;
    private final int duplicateRecords;
    private final long endOffset;
    private final long bytesWritten;
    private final long requiredBytes;
    private final String reason;
    private final long[] duplicateMask;

    AppendResult(
            Status status,
            long firstOffset,
            int appendedRecords,
            int duplicateRecords,
            long endOffset,
            long bytesWritten,
            long requiredBytes,
            String reason,
            long[] duplicateMask) {
        this.status = status;
        this.firstOffset = firstOffset;
        this.appendedRecords = appendedRecords;
        this.duplicateRecords = duplicateRecords;
        this.endOffset = endOffset;
        this.bytesWritten = bytesWritten;
        this.requiredBytes = requiredBytes;
        this.reason = reason;
        this.duplicateMask = duplicateMask;
    }

    static AppendResult refused(Status status, long endOffset, long requiredBytes, String reason) {
        return new AppendResult(status, -1, 0, 0, endOffset, 0, requiredBytes, reason, null);
    }

    /** The outcome. */
    public Status status() {
        return status;
    }

    /** Whether the status is {@link Status#OK}. */
    public boolean isOk() {
        return status == Status.OK;
    }

    /** The offset of the first appended record, or -1 if nothing was appended. */
    public long firstOffset() {
        return firstOffset;
    }

    /** The offset of the last appended record, or -1 if nothing was appended. */
    public long lastOffset() {
        return appendedRecords == 0 ? -1 : firstOffset + appendedRecords - 1;
    }

    /** How many records were appended. */
    public int appendedRecords() {
        return appendedRecords;
    }

    /** How many records were dropped as duplicates of records already in the log. */
    public int duplicateRecords() {
        return duplicateRecords;
    }

    /** The log's end offset after this call (the next offset to be written). */
    public long endOffset() {
        return endOffset;
    }

    /** Bytes this append added to the segment files (records only, index entries not counted). */
    public long bytesWritten() {
        return bytesWritten;
    }

    /**
     * For {@link Status#LOG_FULL}: the room, in bytes on disk, the batch needs beyond what the bound leaves
     * free (pass it to {@link TopicLog#reclaim} or {@link TopicLog#dropOldest}); for {@link
     * Status#TOO_LARGE}: the encoded batch size; otherwise 0.
     */
    public long requiredBytes() {
        return requiredBytes;
    }

    /** Why the append was refused or failed (the I/O error's message), or {@code null} on {@link Status#OK}. */
    public String reason() {
        return reason;
    }

    /** Whether the record at {@code index} in the batch was dropped as a duplicate. */
    public boolean isDuplicate(int index) {
        checkIndex(index);
        return duplicateMask != null && (duplicateMask[index >>> 6] & (1L << index)) != 0;
    }

    /** The offset the record at {@code index} in the batch got, or -1 if it was a duplicate or not appended. */
    public long offsetOf(int index) {
        checkIndex(index);
        if (status != Status.OK || isDuplicate(index)) {
            return -1;
        }
        int before = index;
        if (duplicateMask != null) {
            for (int i = 0; i < index; i++) {
                if ((duplicateMask[i >>> 6] & (1L << i)) != 0) {
                    before--;
                }
            }
        }
        return firstOffset + before;
    }

    private void checkIndex(int index) {
        if (index < 0 || index >= appendedRecords + duplicateRecords && status == Status.OK) {
            throw new IndexOutOfBoundsException(
                    "index: " + index + " (expected: 0 to " + (appendedRecords + duplicateRecords - 1) + ")");
        }
    }

    /** A summary such as {@code OK offsets 10..19, 2 duplicates, end 20}. */
    @Override
    public String toString() {
        if (status == Status.OK) {
            return "OK offsets " + firstOffset + ".." + lastOffset() + ", " + duplicateRecords + " duplicates, end "
                    + endOffset;
        }
        return status + (reason == null ? "" : ": " + reason)
                + (requiredBytes > 0 ? ", requires " + requiredBytes + " bytes" : "") + ", end " + endOffset;
    }
}
