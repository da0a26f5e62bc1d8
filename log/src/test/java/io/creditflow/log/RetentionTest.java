package io.creditflow.log;

import static io.creditflow.log.LogTesting.appendRange;
import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.readAll;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetentionTest {
    private static final int RECORD = LogRecord.HEADER_BYTES + 58; // 100 bytes on disk

    @TempDir
    Path dir;

    /** Bytes on disk, counted from the files themselves. */
    private long filesBytes() throws Exception {
        long n = 0;
        try (var files = Files.newDirectoryStream(dir, "*{.log,.index,.timeindex}")) {
            for (Path p : files) {
                n += Files.size(p);
            }
        }
        return n;
    }

    @Test
    void retentionByBytesDeletesWholeOldestSegmentsOnly() throws Exception {
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().retentionBytes(10_000).build())) {
            appendRange(log, 0, 400, 58); // 40,000 bytes of records in segments of 40 records
            List<Path> before = log.segmentFiles();
            RetentionResult r = log.applyRetention(Long.MAX_VALUE);
            assertThat(r.segmentsDeleted()).isGreaterThan(0);
            assertThat(r.recordsDeleted() % 40).isZero();
            assertThat(log.startOffset()).isEqualTo(r.recordsDeleted()).isEqualTo(r.startOffset());
            assertThat(log.sizeBytes()).isGreaterThanOrEqualTo(10_000).isEqualTo(filesBytes());
            assertThat(log.sizeBytes() - r.bytesDeleted()).isLessThan(10_000);
            for (Path p : before.subList(0, r.segmentsDeleted())) {
                assertThat(p).doesNotExist();
            }
            assertRecords(readAll(log, log.startOffset(), 1000), log.startOffset(), 58);
            assertThat(log.stats().segmentsDeleted()).isEqualTo(r.segmentsDeleted());
        }
    }

    @Test
    void retentionByAgeUsesTheNewestRecordOfEachSegment() throws Exception {
        ManualClock clock = new ManualClock(1_000_000);
        try (FileTopicLog log = FileTopicLog.open(
                dir, small().clock(clock).retentionMillis(60_000).build())) {
            for (int i = 0; i < 200; i++) {
                log.append(AppendRecord.of(LogTesting.payload(i, 58), clock.epochMillis()));
                clock.advance(1000);
            }
            // Now 1,200,000; records 0..199 at 1,000,000 + i * 1000; older than 1,140,000 = records < 140.
            RetentionResult r = log.applyRetention(Long.MAX_VALUE);
            assertThat(log.startOffset()).isEqualTo(120); // segments [0,40), [40,80), [80,120); [120,160) holds 159
            assertThat(r.segmentsDeleted()).isEqualTo(3);
            clock.advance(1_000_000);
            log.applyRetention(Long.MAX_VALUE);
            // Everything is old now, but the active segment always stays.
            assertThat(log.segmentFiles()).hasSize(1);
            assertThat(log.startOffset()).isEqualTo(160);
        }
    }

    @Test
    void retentionNeverDeletesPastTheProtectedOffset() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().retentionBytes(0).build())) {
            appendRange(log, 0, 400, 58);
            log.cursors().commit("slow", 95);
            RetentionResult r = log.applyRetention(log.cursors().lowestCommittedOffset());
            // Segments [0,40) and [40,80) are entirely below 95; [80,120) holds 95 and stays.
            assertThat(r.segmentsDeleted()).isEqualTo(2);
            assertThat(log.startOffset()).isEqualTo(80);
            assertThat(log.read(95, 1000, 1).records().get(0).offset()).isEqualTo(95);
            assertThat(log.applyRetention(80).segmentsDeleted()).isZero();
        }
    }

    @Test
    void anAppendBeyondMaxBytesIsRefusedWithWhatItNeeds() throws Exception {
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().maxBytes(3 * 4096).build())) {
            int appended = 0;
            AppendResult r = null;
            for (int guard = 0; guard < 1000; guard++) {
                r = log.append(LogTesting.record(appended, 58, 0));
                if (!r.isOk()) {
                    break;
                }
                appended++;
            }
            assertThat(r.status()).isEqualTo(AppendResult.Status.LOG_FULL);
            assertThat(r.reason()).contains("of 12288 bytes");
            assertThat(r.requiredBytes()).isEqualTo(RECORD + Segment.ENTRY_BYTES);
            assertThat(log.sizeBytes()).isLessThanOrEqualTo(log.maxBytes()).isEqualTo(filesBytes());
            assertThat(log.sizeBytes() + r.requiredBytes()).isGreaterThan(log.maxBytes());
            assertThat(log.endOffset()).isEqualTo(appended);
            assertThat(log.stats().logFullRejections()).isEqualTo(1);

            // block: a cursor at offset 10 protects everything; reclaim frees nothing and says so.
            RetentionResult blocked = log.reclaim(r.requiredBytes(), 10);
            assertThat(blocked.satisfied()).isFalse();
            assertThat(blocked.segmentsDeleted()).isZero();
            assertThat(log.append(LogTesting.record(appended, 58, 0)).status()).isEqualTo(AppendResult.Status.LOG_FULL);

            // The cursor moves past the first segment: reclaim deletes it and the append fits.
            RetentionResult freed = log.reclaim(r.requiredBytes(), 45);
            assertThat(freed.satisfied()).isTrue();
            assertThat(freed.segmentsDeleted()).isEqualTo(1);
            assertThat(freed.unreadRecordsDropped()).isZero();
            assertThat(log.append(LogTesting.record(appended, 58, 0)).isOk()).isTrue();
        }
    }

    @Test
    void dropOldestSkipsLaggardsWholeSegmentsAndCountsThem() throws Exception {
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().maxBytes(3 * 4096).build())) {
            long slowCursor = 5;
            long i = 0;
            long dropped = 0;
            for (int guard = 0; guard < 2000 && i < 500; guard++) {
                AppendResult r = log.append(LogTesting.record(i, 58, 0));
                if (r.status() == AppendResult.Status.LOG_FULL) {
                    RetentionResult d = log.dropOldest(r.requiredBytes(), slowCursor);
                    assertThat(d.satisfied()).isTrue();
                    assertThat(d.segmentsDeleted()).isEqualTo(1);
                    dropped += d.unreadRecordsDropped();
                    continue;
                }
                assertThat(r.isOk()).isTrue();
                i++;
                assertThat(log.sizeBytes()).isLessThanOrEqualTo(log.maxBytes());
            }
            assertThat(i).isEqualTo(500);
            // The slow cursor sees the gap as a count of skipped records, then whole records again.
            ReadResult r = log.read(slowCursor, 1000, 5);
            assertThat(r.skippedRecords())
                    .isEqualTo(log.startOffset() - slowCursor)
                    .isEqualTo(dropped);
            assertRecords(r.records(), log.startOffset(), 58);
            assertThat(log.stats().unreadRecordsDropped()).isEqualTo(dropped);
            assertThat(log.startOffset() % 40).isZero();
        }
    }

    @Test
    void configBelowThreeSegmentsIsRefused() {
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> small().maxBytes(8192).build())
                .hasMessage("maxBytes: 8192 (expected: >= 3 * segmentBytes = 12288)");
    }

    @Test
    void theActiveSegmentRollsByAgeSoOldDataCanExpire() throws Exception {
        ManualClock clock = new ManualClock(0);
        try (FileTopicLog log = FileTopicLog.open(
                dir,
                small().clock(clock).segmentMillis(1000).retentionMillis(5000).build())) {
            log.append(AppendRecord.of(LogTesting.payload(0, 10), clock.epochMillis()));
            clock.advance(999);
            log.append(AppendRecord.of(LogTesting.payload(1, 10), clock.epochMillis()));
            assertThat(log.segmentFiles()).hasSize(1);
            clock.advance(1);
            log.append(AppendRecord.of(LogTesting.payload(2, 10), clock.epochMillis()));
            assertThat(log.segmentFiles()).hasSize(2);
            clock.advance(10_000);
            assertThat(log.applyRetention(Long.MAX_VALUE).recordsDeleted()).isEqualTo(2);
            assertThat(log.startOffset()).isEqualTo(2);
        }
    }
}
