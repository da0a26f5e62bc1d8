package io.creditflow.log;

import java.nio.ByteBuffer;

/**
 * One record read from a {@link TopicLog}: its offset, timestamp, producer id and sequence, and payload. Immutable (the
 * payload's contents belong to the caller).
 *
 * <p>On disk a record is a 42-byte header followed by the payload; every integer is big-endian, and the
 * record starts right after the previous one in its segment file (no padding):
 *
 * <pre>
 * byte  size  field        meaning
 * ----  ----  -----------  ------------------------------------------------------------------------
 *    0     4  crc          CRC32C (Castagnoli) of bytes 4 .. 42+length-1: the rest of the header and
 *                          the payload
 *    4     4  length       payload length in bytes, int32, 0 .. segmentBytes - 42
 *    8     1  magic        record format version, 1
 *    9     1  attributes   0 (reserved for flags such as compression; version 1 readers refuse others)
 *   10     8  offset       the record's offset, int64
 *   18     8  timestamp    epoch milliseconds, int64
 *   26     8  producerId   int64, -1 for none
 *   34     8  sequence     the producer's sequence number, int64, -1 for none
 *   42     n  payload      length bytes
 * </pre>
 *
 * <p>Ownership: the payload is a slice of the buffer the read filled (the caller's own buffer, or a heap
 * buffer {@link TopicLog#read(long, int, int)} allocated for this read); it never aliases the log's
 * internal state, so it stays valid after further appends, reads, retention and close. A record read into
 * a caller's buffer is valid until the caller reuses that buffer.
 *
 * @param offset the record's offset
 * @param timestampMillis the timestamp it was appended with
 * @param producerId the producer id, or {@link AppendRecord#NO_PRODUCER}
 * @param sequence the producer sequence, or {@link AppendRecord#NO_SEQUENCE}
 * @param payload the payload bytes, position to limit
 */
public record LogRecord(long offset, long timestampMillis, long producerId, long sequence, ByteBuffer payload) {
    /** Bytes of the record header on disk; a record occupies {@code HEADER_BYTES + payload length} bytes. */
    public static final int HEADER_BYTES = 42;

    /** Bytes the record occupies on disk and in a read buffer: header and payload. */
    public int sizeBytes() {
        return HEADER_BYTES + payload.remaining();
    }
}
