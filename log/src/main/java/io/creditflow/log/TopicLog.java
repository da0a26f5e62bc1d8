package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One topic's durable, append-only log of records with dense offsets (0, 1, 2, ...), and the committed cursors of its
 * named subscriptions. {@link FileTopicLog} implements it on local segment files; the interface is kept small so that a
 * Kafka-backed implementation (a topic partition, the idempotent producer, consumer-group offsets) can fill it too.
 * Thread-safe.
 *
 * <p>Appends and deletions are serialized (one writer at a time); reads run concurrently
 * with them and with each other, each at its own offset, and never block the writer. Back-pressure and
 * disk trouble on the append path are statuses in {@link AppendResult}, not exceptions.
 *
 * <p>The four questions of docs/boundaries.md: the bound is {@link #maxBytes()} on disk; when full, an
 * append is refused with {@link AppendResult.Status#LOG_FULL} and the caller chooses a policy: {@code
 * block} (hold producers until cursors move and {@link #reclaim} frees segments) or {@code drop-oldest}
 * ({@link #dropOldest}, laggard cursors skip whole segments, counted); the pressure goes to the producers
 * the caller holds; it is observed through {@link #stats()}. Memory per read is bounded by the bytes the
 * caller allows.
 */
public interface TopicLog extends AutoCloseable {
    /**
     * Appends a batch of records, in order, deduplicating records of idempotent producers (see {@link
     * AppendRecord}). The batch is all or nothing while the process runs: on any status other than {@link
     * AppendResult.Status#OK} none of it is visible. In {@code always} mode the batch is fsynced before
     * this returns; in the other modes {@link #durableOffset()} and the {@link DurabilityListener}s say
     * when it is.
     */
    AppendResult append(List<AppendRecord> records);

    /** Appends one record; see {@link #append(List)}. */
    default AppendResult append(AppendRecord record) {
        return append(List.of(record));
    }

    /**
     * Reads records starting at {@code offset} into a new heap buffer of at most {@code maxBytes} bytes
     * (smaller when less data is available): at most {@code maxRecords} records whose headers and
     * payloads fit in {@code maxBytes}. Memory per call is bounded by {@code maxBytes}. If the first record
     * is larger, the result is empty and says its size ({@link ReadResult#nextRecordBytes()}).
     *
     * @param offset from {@link #startOffset()} (or below: the gap is reported) to {@link #endOffset()}
     * @throws CorruptRecordException if the first record to return is corrupt
     * @throws IllegalArgumentException if {@code offset > endOffset()} or a bound is not positive
     * @throws IOException on other read errors
     */
    ReadResult read(long offset, int maxBytes, int maxRecords) throws IOException;

    /**
     * As {@link #read(long, int, int)}, into the caller's buffer: the read fills {@code destination} from
     * its position (its remaining bytes are the bound), the payloads are slices of it, and on return its
     * position is past the bytes of the returned records. Nothing else is allocated beyond the record
     * objects. The buffer may be direct.
     */
    ReadResult read(long offset, ByteBuffer destination, int maxRecords) throws IOException;

    /** The earliest offset still in the log. */
    long startOffset();

    /** The offset the next appended record gets; records exist for every offset from start to end. */
    long endOffset();

    /**
     * Everything below this offset is durable as the fsync mode promises: fsynced in {@code always},
     * {@code batch} and {@code interval}; written to the operating system in {@code never}.
     */
    long durableOffset();

    /** Calls {@code listener} whenever {@link #durableOffset()} advances. */
    void addDurabilityListener(DurabilityListener listener);

    /** Stops calling {@code listener}. */
    void removeDurabilityListener(DurabilityListener listener);

    /**
     * Forces every record appended so far to stable storage, in any mode, and advances {@link
     * #durableOffset()}; returns when done.
     */
    void flush() throws IOException;

    /**
     * The first offset whose record's timestamp is at or after {@code epochMillis}, found through the
     * sparse time index; {@link #endOffset()} if there is none.
     */
    long offsetForTime(long epochMillis) throws IOException;

    /** Bytes on disk of the segment and index files, what {@link #maxBytes()} bounds. */
    long sizeBytes();

    /** The bound on {@link #sizeBytes()}. */
    long maxBytes();

    /**
     * Applies the configured retention (by bytes and by age), deleting whole oldest segments, never the
     * active one, and never a segment holding an offset at or above {@code protectedOffset}: pass the
     * lowest offset any cursor still needs (for example {@link CursorStore#lowestCommittedOffset()}
     * combined with the positions of live readers), or {@link Long#MAX_VALUE} if none.
     */
    RetentionResult applyRetention(long protectedOffset) throws IOException;

    /**
     * Deletes whole oldest segments that lie entirely below {@code protectedOffset} until {@code
     * bytesNeeded} more bytes fit under the bound (and under a total it shares with other logs, such as a
     * {@link DiskTotal}). Data a cursor still needs is never deleted; {@link
     * RetentionResult#satisfied()} says whether enough room was found. The {@code block} policy calls
     * this, and holds its producers while it is not satisfied.
     */
    RetentionResult reclaim(long bytesNeeded, long protectedOffset) throws IOException;

    /**
     * Deletes whole oldest segments, needed by cursors or not, until {@code bytesNeeded} more bytes fit
     * under the bound and a shared total (the {@code drop-oldest} policy). {@link RetentionResult#unreadRecordsDropped()}
     * counts the deleted records at or above {@code protectedOffset}; each laggard cursor learns its own
     * skip from {@link ReadResult#skippedRecords()}.
     */
    RetentionResult dropOldest(long bytesNeeded, long protectedOffset) throws IOException;

    /** The topic's durable named cursors. */
    CursorStore cursors();

    /** The counters. */
    LogStats stats();

    /**
     * Flushes and closes. Appends afterwards return {@link AppendResult.Status#CLOSED}; reads fail.
     * Idempotent.
     */
    @Override
    void close() throws IOException;
}
