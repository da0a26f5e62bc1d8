package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Reads a segment file sequentially from a byte position, checking every record's header and CRC32C, and reports where
 * the good records end and why. Recovery uses it on the tail the checkpoint does not vouch for and to rebuild indexes;
 * the producer table is rebuilt with it. Memory: one buffer of {@value #BUFFER_BYTES} bytes, however large the records
 * (a larger record's CRC is computed in pieces). Not thread-safe; confine to one thread.
 */
final class SegmentScanner {
    static final int BUFFER_BYTES = 64 * 1024;

    /** Called for each good record, in order. */
    interface Visitor {
        void onRecord(long offset, long position, int sizeBytes, long timestamp, long producerId, long sequence)
                throws IOException;
    }

    /**
     * Where a scan stopped.
     *
     * @param position the end of the last good record
     * @param nextOffset the offset the next record would have
     * @param problem what was wrong with the bytes at {@code position}, or {@code null} at a clean end
     */
    record End(long position, long nextOffset, String problem) {}

    private final ByteBuffer buf = ByteBuffer.allocate(BUFFER_BYTES);
    private final CRC32C crc = new CRC32C();
    private long bytesScanned;
    private long bufStart;
    private int bufLen;

    /** Bytes read by every scan so far. */
    long bytesScanned() {
        return bytesScanned;
    }

    /**
     * Scans {@code file} (of {@code fileSize} bytes) from {@code position}, where the record with offset
     * {@code expectedOffset} should start, to the end of the file or the first bad record.
     */
    End scan(LogFile file, long fileSize, long position, long expectedOffset, Visitor visitor) throws IOException {
        long limit = Math.min(fileSize, LogConfig.MAX_SEGMENT_BYTES);
        bufLen = 0;
        long pos = position;
        long expected = expectedOffset;
        while (pos < fileSize) {
            if (limit - pos < RecordFormat.HEADER) {
                return new End(pos, expected, "torn header: " + (fileSize - pos) + " bytes at the end of the file");
            }
            fill(file, pos, RecordFormat.HEADER, limit);
            int at = (int) (pos - bufStart);
            String problem = RecordFormat.checkHeader(buf, at, expected, limit - pos);
            if (problem != null) {
                return new End(pos, expected, problem);
            }
            int length = buf.getInt(at + RecordFormat.LENGTH);
            int total = RecordFormat.HEADER + length;
            long timestamp = buf.getLong(at + RecordFormat.TIMESTAMP);
            long producerId = buf.getLong(at + RecordFormat.PRODUCER_ID);
            long sequence = buf.getLong(at + RecordFormat.SEQUENCE);
            boolean ok;
            if (total <= BUFFER_BYTES) {
                fill(file, pos, total, limit);
                ok = RecordFormat.crcMatches(crc, buf, (int) (pos - bufStart));
            } else {
                ok = largeRecordCrcMatches(file, pos, total, buf.getInt(at + RecordFormat.CRC));
            }
            if (!ok) {
                return new End(pos, expected, "CRC32C mismatch");
            }
            visitor.onRecord(expected, pos, total, timestamp, producerId, sequence);
            pos += total;
            expected++;
        }
        return new End(pos, expected, null);
    }

    /** Makes {@code file[pos, pos + n)} available in the buffer; {@code pos + n <= limit}. */
    private void fill(LogFile file, long pos, int n, long limit) throws IOException {
        if (pos >= bufStart && pos + n <= bufStart + bufLen) {
            return;
        }
        buf.clear();
        buf.limit((int) Math.min(BUFFER_BYTES, limit - pos));
        int read = file.read(buf, pos);
        bytesScanned += read;
        bufStart = pos;
        bufLen = read;
        if (read < n) {
            throw new IOException(file.path() + ": file shrank while it was scanned at byte " + pos);
        }
    }

    private boolean largeRecordCrcMatches(LogFile file, long pos, int total, int expectedCrc) throws IOException {
        crc.reset();
        long at = pos + RecordFormat.LENGTH;
        long end = pos + total;
        while (at < end) {
            buf.clear();
            buf.limit((int) Math.min(BUFFER_BYTES, end - at));
            int n = file.read(buf, at);
            if (n <= 0) {
                throw new IOException(file.path() + ": file shrank while it was scanned at byte " + at);
            }
            bytesScanned += n;
            buf.flip();
            crc.update(buf);
            at += n;
        }
        bufLen = 0;
        return (int) crc.getValue() == expectedCrc;
    }
}
