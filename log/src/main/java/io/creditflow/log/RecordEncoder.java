package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Encodes records (header, CRC32C, payload; the format is docs/log.md's) into a segment file through a 64 KiB direct
 * staging buffer, so that a batch of small records costs few writes and no copy to a temporary direct buffer; a
 * payload larger than half the buffer is written from where it is (a heap one through the JDK's own temporary
 * direct buffer). Used by the writer of a {@link FileTopicLog},
 * under its lock: not thread-safe.
 */
final class RecordEncoder {
    static final int STAGING_BYTES = 64 * 1024;

    private final CRC32C crc = new CRC32C();
    private ByteBuffer staging;

    /** Starts a batch: the staging buffer (allocated on first use) is empty. */
    void start() {
        if (staging == null) {
            staging = ByteBuffer.allocateDirect(STAGING_BYTES);
        }
        staging.clear();
    }

    /** Encodes one record into the staging buffer, writing the buffer out as it fills; returns the write position. */
    long encode(LogFile log, AppendRecord r, long offset, long writePos) throws IOException {
        ByteBuffer payload = r.payload();
        int length = payload.remaining();
        if (staging.remaining() < RecordFormat.HEADER) {
            writePos = flush(log, writePos);
        }
        int at = staging.position();
        RecordFormat.putHeader(staging, at, length, offset, r.timestampMillis(), r.producerId(), r.sequence());
        crc.reset();
        RecordFormat.update(crc, staging, at + RecordFormat.LENGTH, at + RecordFormat.HEADER);
        crc.update(payload.duplicate());
        staging.putInt(at + RecordFormat.CRC, (int) crc.getValue());
        staging.position(at + RecordFormat.HEADER);
        if (length > STAGING_BYTES / 2) {
            writePos = flush(log, writePos);
            ByteBuffer p = payload.duplicate();
            log.write(p, writePos);
            return writePos + length;
        }
        if (staging.remaining() < length) {
            writePos = flush(log, writePos);
        }
        staging.put(payload.duplicate());
        return writePos;
    }

    /** Writes what is staged at {@code writePos}; returns the position after it. */
    long flush(LogFile log, long writePos) throws IOException {
        staging.flip();
        int n = staging.remaining();
        if (n > 0) {
            log.write(staging, writePos);
        }
        staging.clear();
        return writePos + n;
    }
}
