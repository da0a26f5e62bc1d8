package io.creditflow.log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * The read side of a {@link FileTopicLog}: records from an offset, and the offset for a time, from a snapshot of the
 * segments and the tail. Takes no lock: positional reads bounded by the sizes the writer published in the tail and
 * the sealed segments, so any number of threads read concurrently with each other and with the writer. Checks
 * every record's header and CRC32C; a damaged one is reported as a {@link CorruptRecordException} (and counted),
 * never served. Thread-safe.
 */
final class LogReader {
    private static final System.Logger LOG = System.getLogger(FileTopicLog.class.getName());

    private final AtomicLong corruptRecordsDetected = new AtomicLong();

    /** Reads that found a corrupt record. */
    long corruptRecordsDetected() {
        return corruptRecordsDetected.get();
    }

    /**
     * Reads from {@code offset} in the snapshot {@code t}, {@code segs} (taken in that order), into {@code
     * destination} or a new heap buffer of at most {@code maxBytes}; see {@link TopicLog#read(long, int, int)}.
     *
     * @throws LogFile.ClosedLogFileException if retention deleted a segment meanwhile: read again
     */
    ReadResult read(LogTail t, Segment[] segs, long offset, ByteBuffer destination, int maxBytes, int maxRecords)
            throws IOException {
        long end = t.endOffset();
        if (offset > end) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: <= endOffset " + end + ")");
        }
        long skipped = 0;
        int i = floorSegment(segs, offset);
        if (i < 0) {
            skipped = segs[0].baseOffset - offset;
            offset = segs[0].baseOffset;
            i = 0;
        }
        // Past the end of this segment: a segment missing from the directory, or simply its end.
        while (offset >= t.segmentEnd(segs[i]) && i + 1 < segs.length && segs[i] != t.segment()) {
            Segment next = segs[i + 1];
            if (next.baseOffset > offset) {
                skipped += next.baseOffset - offset;
                offset = next.baseOffset;
            }
            i++;
        }
        if (offset >= end) {
            return new ReadResult(List.of(), offset, skipped, 0);
        }
        Segment seg = segs[i];
        long position = locate(seg, offset, t.segmentSize(seg), segs, i, t);

        ByteBuffer dest = destination;
        if (dest == null) {
            long available = t.segmentSize(seg) - position;
            for (int j = i + 1; j < segs.length && available < maxBytes; j++) {
                available += t.segmentSize(segs[j]);
            }
            dest = ByteBuffer.allocate((int) Math.max(1, Math.min(maxBytes, available)));
        }
        List<LogRecord> out = new ArrayList<>(Math.min(maxRecords, 64));
        CRC32C check = new CRC32C();
        while (out.size() < maxRecords && dest.hasRemaining()) {
            long segSize = t.segmentSize(seg);
            if (position >= segSize) {
                if (seg == t.segment() || i + 1 >= segs.length || segs[i + 1].baseOffset != offset) {
                    break; // the end, or a gap the next read reports
                }
                i++;
                seg = segs[i];
                position = 0;
                continue;
            }
            int start = dest.position();
            int len = (int) Math.min(dest.remaining(), segSize - position);
            ByteBuffer window = dest.duplicate();
            window.limit(start + len);
            seg.log.readFully(window, position);
            int p = 0;
            while (out.size() < maxRecords && len - p >= RecordFormat.HEADER) {
                int at = start + p;
                String problem = RecordFormat.checkHeader(dest, at, offset, segSize - position - p);
                if (problem == null && len - p < RecordFormat.HEADER + dest.getInt(at + RecordFormat.LENGTH)) {
                    break; // does not fit in what is left of the buffer
                }
                if (problem == null && !RecordFormat.crcMatches(check, dest, at)) {
                    problem = "CRC32C mismatch";
                }
                if (problem != null) {
                    if (!out.isEmpty()) {
                        break; // serve the good records; the next read reports the bad one
                    }
                    dest.position(start);
                    throw corrupt(seg, offset, position + p, problem, segs, i, t);
                }
                int length = dest.getInt(at + RecordFormat.LENGTH);
                ByteBuffer payload = dest.duplicate();
                payload.limit(at + RecordFormat.HEADER + length).position(at + RecordFormat.HEADER);
                out.add(new LogRecord(
                        offset,
                        dest.getLong(at + RecordFormat.TIMESTAMP),
                        dest.getLong(at + RecordFormat.PRODUCER_ID),
                        dest.getLong(at + RecordFormat.SEQUENCE),
                        payload.slice()));
                p += RecordFormat.HEADER + length;
                offset++;
            }
            dest.position(start + p);
            position += p;
            if (p < len) {
                break; // a record that does not fit, maxRecords reached, or a bad record after good ones
            }
        }
        int nextRecordBytes = 0;
        if (out.isEmpty()) {
            nextRecordBytes = recordSizeAt(seg, position, offset, t.segmentSize(seg), segs, i, t);
        }
        return new ReadResult(out, offset, skipped, nextRecordBytes);
    }

    /** The size of the record at {@code position} (header included), checking its header. */
    private int recordSizeAt(Segment seg, long position, long offset, long segSize, Segment[] segs, int i, LogTail t)
            throws IOException {
        if (position >= segSize) {
            return 0;
        }
        ByteBuffer h = ByteBuffer.allocate(RecordFormat.HEADER);
        seg.log.readFully(h, position);
        String problem = RecordFormat.checkHeader(h, 0, offset, segSize - position);
        if (problem != null) {
            throw corrupt(seg, offset, position, problem, segs, i, t);
        }
        return RecordFormat.HEADER + h.getInt(RecordFormat.LENGTH);
    }

    /**
     * The byte position of {@code offset} in {@code seg}: the floor index entry, then a walk over at most
     * about one index interval of record headers.
     */
    private long locate(Segment seg, long offset, long segSize, Segment[] segs, int i, LogTail t) throws IOException {
        if (offset == seg.baseOffset) {
            return 0;
        }
        long e = seg.floorEntry(offset, seg.indexEntries);
        long pos = e & 0xFFFFFFFFL;
        long cur = seg.baseOffset + (e >>> 32);
        ByteBuffer h = ByteBuffer.allocate(RecordFormat.HEADER);
        while (cur < offset) {
            h.clear();
            seg.log.readFully(h, pos);
            String problem = RecordFormat.checkHeader(h, 0, cur, segSize - pos);
            if (problem != null) {
                throw corrupt(seg, cur, pos, problem, segs, i, t);
            }
            pos += RecordFormat.HEADER + h.getInt(RecordFormat.LENGTH);
            cur++;
        }
        return pos;
    }

    private CorruptRecordException corrupt(
            Segment seg, long offset, long position, String problem, Segment[] segs, int i, LogTail t)
            throws IOException {
        corruptRecordsDetected.incrementAndGet();
        long resume = t.segmentEnd(seg);
        // The first index entry after the bad record is a record boundary we can trust again.
        int entries = seg.indexEntries;
        int lo = 0;
        int hi = entries - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long e = seg.entry(mid);
            if ((e & 0xFFFFFFFFL) > position) {
                resume = Math.min(resume, seg.baseOffset + (e >>> 32));
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        if (resume <= offset) {
            resume = i + 1 < segs.length ? segs[i + 1].baseOffset : t.endOffset();
        }
        CorruptRecordException ex = new CorruptRecordException(seg.logPath, offset, position, resume, problem);
        LOG.log(Level.ERROR, ex.getMessage());
        return ex;
    }

    private static int floorSegment(Segment[] segs, long offset) {
        int lo = 0;
        int hi = segs.length - 1;
        int best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (segs[mid].baseOffset <= offset) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return best;
    }

    /**
     * The first offset whose timestamp is at or after {@code epochMillis} in the snapshot {@code t}, {@code segs}.
     *
     * @throws LogFile.ClosedLogFileException if retention deleted a segment meanwhile: look again
     */
    long offsetForTime(LogTail t, Segment[] segs, long epochMillis) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(RecordFormat.HEADER);
        for (int i = 0; i < segs.length; i++) {
            Segment s = segs[i];
            long segEnd = t.segmentEnd(s);
            long segSize = t.segmentSize(s);
            if (s.maxTimestamp < epochMillis || segEnd == s.baseOffset) {
                if (s == t.segment()) {
                    break;
                }
                continue;
            }
            // Every record before the chosen entry is older than the target (its "max before" is below it),
            // and the next entry's is not: the answer is within one index interval of the entry.
            int k = s.lastTimeEntryBelow(epochMillis, s.indexEntries);
            long pos = 0;
            long cur = s.baseOffset;
            if (k >= 0) {
                long e = s.entry(k);
                pos = e & 0xFFFFFFFFL;
                cur = s.baseOffset + (e >>> 32);
            }
            while (cur < segEnd && pos < segSize) {
                h.clear();
                s.log.readFully(h, pos);
                String problem = RecordFormat.checkHeader(h, 0, cur, segSize - pos);
                if (problem != null) {
                    throw corrupt(s, cur, pos, problem, segs, i, t);
                }
                if (h.getLong(RecordFormat.TIMESTAMP) >= epochMillis) {
                    return cur;
                }
                pos += RecordFormat.HEADER + h.getInt(RecordFormat.LENGTH);
                cur++;
            }
            if (s == t.segment()) {
                break;
            }
        }
        return t.endOffset();
    }
}
