package io.creditflow.log;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Encodes and checks records in the on-disk layout drawn in {@link LogRecord}. Stateless; the {@link
 * CRC32C} instances passed in belong to the calling thread.
 */
final class RecordFormat {
    static final int CRC = 0;
    static final int LENGTH = 4;
    static final int MAGIC = 8;
    static final int ATTRIBUTES = 9;
    static final int OFFSET = 10;
    static final int TIMESTAMP = 18;
    static final int PRODUCER_ID = 26;
    static final int SEQUENCE = 34;
    static final int HEADER = LogRecord.HEADER_BYTES;
    static final byte MAGIC_V1 = 1;

    private RecordFormat() {}

    /** Writes a header (CRC left 0) at absolute index {@code at} of {@code buf}. */
    static void putHeader(
            ByteBuffer buf, int at, int length, long offset, long timestamp, long producerId, long sequence) {
        buf.putInt(at + CRC, 0);
        buf.putInt(at + LENGTH, length);
        buf.put(at + MAGIC, MAGIC_V1);
        buf.put(at + ATTRIBUTES, (byte) 0);
        buf.putLong(at + OFFSET, offset);
        buf.putLong(at + TIMESTAMP, timestamp);
        buf.putLong(at + PRODUCER_ID, producerId);
        buf.putLong(at + SEQUENCE, sequence);
    }

    /** Updates {@code crc} with {@code buf[from, to)} without moving {@code buf}'s position. */
    static void update(CRC32C crc, ByteBuffer buf, int from, int to) {
        ByteBuffer d = buf.duplicate();
        d.limit(to).position(from);
        crc.update(d);
    }

    /**
     * Checks the header at absolute index {@code at} of {@code buf}: magic, attributes, a length that fits
     * in {@code maxRecordBytes} (the bytes left in the segment file from this record on) and the expected
     * offset. Returns what is wrong, or {@code null}.
     */
    static String checkHeader(ByteBuffer buf, int at, long expectedOffset, long maxRecordBytes) {
        byte magic = buf.get(at + MAGIC);
        if (magic != MAGIC_V1) {
            return "unknown magic " + magic;
        }
        byte attributes = buf.get(at + ATTRIBUTES);
        if (attributes != 0) {
            return "unknown attributes " + attributes;
        }
        int length = buf.getInt(at + LENGTH);
        if (length < 0 || HEADER + (long) length > maxRecordBytes) {
            return "length " + length + " runs past the end of the segment (torn record)";
        }
        long offset = buf.getLong(at + OFFSET);
        if (offset != expectedOffset) {
            return "offset " + offset + " (expected " + expectedOffset + ")";
        }
        return null;
    }

    /** Whether the CRC of the whole record at {@code buf[at, at + HEADER + length)} matches. */
    static boolean crcMatches(CRC32C crc, ByteBuffer buf, int at) {
        int length = buf.getInt(at + LENGTH);
        crc.reset();
        update(crc, buf, at + LENGTH, at + HEADER + length);
        return (int) crc.getValue() == buf.getInt(at + CRC);
    }
}
