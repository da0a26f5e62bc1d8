package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One segment: a {@code .log} file of records whose first offset is the segment's base offset, and its sparse {@code
 * .index} (offset to byte position) and {@code .timeindex} (timestamp to offset) files, named by the base offset padded
 * to 20 digits. The two index files are parallel: entry {@code k} of each describes the same record, the first one at
 * least {@code indexIntervalBytes} after the previous entry's. Thread-safe for readers; written by the log's writer
 * only.
 *
 * <pre>
 * .index entry (8 bytes)             .timeindex entry (12 bytes)
 * byte size field                    byte size field
 *    0    4 relative offset (int32)     0    8 max timestamp of the segment's records before it (int64)
 *    4    4 byte position (int32)       8    4 relative offset (int32), equal to the .index entry's
 * </pre>
 *
 * <p>The published fields ({@link #size}, {@link #nextOffset}, {@link
 * #indexEntries}, {@link #maxTimestamp}) are written by the log's writer only after the bytes they
 * describe, so a reader that reads them first sees complete records and index entries. The writer-only
 * fields are guarded by the log's writer lock.
 */
final class Segment {
    static final int INDEX_ENTRY_BYTES = 8;
    static final int TIME_ENTRY_BYTES = 12;
    static final int ENTRY_BYTES = INDEX_ENTRY_BYTES + TIME_ENTRY_BYTES;
    static final String LOG = ".log";
    static final String INDEX = ".index";
    static final String TIME_INDEX = ".timeindex";

    final long baseOffset;
    final Path logPath;
    final Path indexPath;
    final Path timeIndexPath;
    final LogFile log;
    final LogFile index;
    final LogFile timeIndex;

    /** Bytes of complete records in the log file. */
    volatile int size;
    /** One past the last record's offset. */
    volatile long nextOffset;
    /** Entries in each index file. */
    volatile int indexEntries;
    /** The largest record timestamp, {@link Long#MIN_VALUE} when empty. */
    volatile long maxTimestamp = Long.MIN_VALUE;
    /** Bytes of the log file known to be fsynced. */
    volatile int syncedSize;

    volatile boolean deleted;

    // Writer only (under the log's writer lock):
    /** Byte position of the last index entry (0, the segment's start, when there is none). */
    int lastIndexedPosition;
    /** Timestamp of the segment's first record, {@link Long#MIN_VALUE} when empty; for roll by age. */
    long firstTimestamp = Long.MIN_VALUE;

    private Segment(Path dir, long baseOffset, ChannelFactory channels) throws IOException {
        this.baseOffset = baseOffset;
        this.logPath = dir.resolve(fileName(baseOffset, LOG));
        this.indexPath = dir.resolve(fileName(baseOffset, INDEX));
        this.timeIndexPath = dir.resolve(fileName(baseOffset, TIME_INDEX));
        this.log = new LogFile(
                logPath, channels, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        LogFile idx = null;
        LogFile time = null;
        try {
            idx = new LogFile(
                    indexPath, channels, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            time = new LogFile(
                    timeIndexPath,
                    channels,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(log);
            closeQuietly(idx);
            throw e;
        }
        this.index = idx;
        this.timeIndex = time;
        this.nextOffset = baseOffset;
    }

    /** Opens (creating if absent) the three files of the segment at {@code baseOffset}. */
    static Segment open(Path dir, long baseOffset, ChannelFactory channels) throws IOException {
        return new Segment(dir, baseOffset, channels);
    }

    /** {@code 00000000000000000042.log} for base offset 42 and extension {@code .log}. */
    static String fileName(long baseOffset, String extension) {
        String digits = Long.toString(baseOffset);
        return "0".repeat(Math.max(0, 20 - digits.length())) + digits + extension;
    }

    /** The base offset encoded in a 20-digit file name with {@code extension}, or -1 if it is not one. */
    static long parseBaseOffset(String fileName, String extension) {
        if (!fileName.endsWith(extension) || fileName.length() != 20 + extension.length()) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < 20; i++) {
            char c = fileName.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
            if (v < 0) {
                return -1;
            }
        }
        return v;
    }

    /**
     * The sparse-index rule, shared by appends and recovery so a rebuilt index equals the written one: the
     * record starting at {@code position} gets an entry if it starts at least {@code intervalBytes} after
     * the previous entry's record (or the segment's start).
     */
    static boolean needsIndexEntry(long position, long lastIndexedPosition, int intervalBytes) {
        return position > 0 && position - lastIndexedPosition >= intervalBytes;
    }

    /** Bytes on disk: the log file and both index files. */
    long diskBytes() {
        return size + (long) indexEntries * ENTRY_BYTES;
    }

    long recordCount() {
        return nextOffset - baseOffset;
    }

    /**
     * The last index entry at or before {@code offset}, as {@code relativeOffset << 32 | position}; 0 (the
     * segment's start) if there is none. Binary search with positional reads of the index file.
     */
    long floorEntry(long offset, int entries) throws IOException {
        long rel = offset - baseOffset;
        int lo = 0;
        int hi = entries - 1;
        long best = 0;
        ByteBuffer e = ByteBuffer.allocate(INDEX_ENTRY_BYTES);
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            e.clear();
            index.readFully(e, (long) mid * INDEX_ENTRY_BYTES);
            int r = e.getInt(0);
            if (r <= rel) {
                best = ((long) r << 32) | (e.getInt(4) & 0xFFFFFFFFL);
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /** The last time-index entry whose "max timestamp before" is below {@code timestamp}, or -1. */
    int lastTimeEntryBelow(long timestamp, int entries) throws IOException {
        int lo = 0;
        int hi = entries - 1;
        int best = -1;
        ByteBuffer e = ByteBuffer.allocate(TIME_ENTRY_BYTES);
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            e.clear();
            timeIndex.readFully(e, (long) mid * TIME_ENTRY_BYTES);
            if (e.getLong(0) < timestamp) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /** Index entry {@code k} as {@code relativeOffset << 32 | position}. */
    long entry(int k) throws IOException {
        ByteBuffer e = ByteBuffer.allocate(INDEX_ENTRY_BYTES);
        index.readFully(e, (long) k * INDEX_ENTRY_BYTES);
        return ((long) e.getInt(0) << 32) | (e.getInt(4) & 0xFFFFFFFFL);
    }

    /** Truncates both index files to {@code entries} entries. */
    void truncateIndexes(int entries) throws IOException {
        index.truncate((long) entries * INDEX_ENTRY_BYTES);
        timeIndex.truncate((long) entries * TIME_ENTRY_BYTES);
    }

    /** Forces the log file's data to stable storage. */
    void forceLog() throws IOException {
        int s = size;
        log.force(false);
        if (s > syncedSize) {
            syncedSize = s;
        }
    }

    /** Forces the log and both index files to stable storage. */
    void forceAll() throws IOException {
        forceLog();
        index.force(false);
        timeIndex.force(false);
    }

    /** Closes the three files. */
    void close() {
        closeQuietly(log);
        closeQuietly(index);
        closeQuietly(timeIndex);
    }

    /** Closes and deletes the three files. */
    void delete() throws IOException {
        deleted = true;
        close();
        Files.deleteIfExists(logPath);
        Files.deleteIfExists(indexPath);
        Files.deleteIfExists(timeIndexPath);
    }

    private static void closeQuietly(LogFile f) {
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // Closing a file we only read or already forced: nothing to lose.
            }
        }
    }

    @Override
    public String toString() {
        return logPath.getFileName() + "[" + baseOffset + ".." + nextOffset + ", " + size + " B]";
    }
}
