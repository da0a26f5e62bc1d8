package io.creditflow.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Helpers shared by the log tests. */
final class LogTesting {
    private LogTesting() {}

    /** A small configuration: 4 KiB segments, an index entry every 256 bytes, no age limits. */
    static LogConfig.Builder small() {
        return LogConfig.builder()
                .segmentBytes(4096)
                .indexIntervalBytes(256)
                .maxBytes(1L << 30)
                .retentionMillis(-1)
                .segmentMillis(-1)
                .fsync(FsyncMode.NEVER);
    }

    /** The payload of record {@code i}: its number as text, padded to {@code size} bytes. */
    static ByteBuffer payload(long i, int size) {
        byte[] b = new byte[size];
        byte[] digits = Long.toString(i).getBytes(StandardCharsets.US_ASCII);
        for (int k = 0; k < size; k++) {
            b[k] = k < digits.length ? digits[k] : (byte) ('a' + (i + k) % 26);
        }
        return ByteBuffer.wrap(b);
    }

    static AppendRecord record(long i, int size, long timestamp) {
        return AppendRecord.of(payload(i, size), timestamp);
    }

    /** Appends records {@code from .. to-1} one batch each, payload size {@code size}, timestamp = 1000 + i. */
    static void appendRange(TopicLog log, long from, long to, int size) {
        for (long i = from; i < to; i++) {
            AppendResult r = log.append(record(i, size, 1000 + i));
            assertThat(r.status()).as("append %d: %s", i, r).isEqualTo(AppendResult.Status.OK);
            assertThat(r.firstOffset()).isEqualTo(i);
        }
    }

    /** Reads every record from {@code from} to the end, in reads of at most {@code maxBytes}. */
    static List<LogRecord> readAll(TopicLog log, long from, int maxBytes) throws IOException {
        List<LogRecord> out = new ArrayList<>();
        long offset = from;
        for (int guard = 0; offset < log.endOffset(); guard++) {
            assertThat(guard).as("reads").isLessThan(1_000_000);
            ReadResult r = log.read(offset, maxBytes, Integer.MAX_VALUE);
            assertThat(r.isEmpty())
                    .as("read at %d returned nothing: %s", offset, r)
                    .isFalse();
            out.addAll(r.records());
            offset = r.nextOffset();
        }
        return out;
    }

    /** Asserts that {@code records} are records {@code from, from+1, ...} with the payloads of {@link #payload}. */
    static void assertRecords(List<LogRecord> records, long from, int size) {
        for (int k = 0; k < records.size(); k++) {
            LogRecord r = records.get(k);
            assertThat(r.offset()).isEqualTo(from + k);
            assertThat(r.payload()).as("payload of %d", r.offset()).isEqualTo(payload(from + k, size));
        }
    }

    static byte[] randomBytes(Random random, int size) {
        byte[] b = new byte[size];
        random.nextBytes(b);
        return b;
    }
}
