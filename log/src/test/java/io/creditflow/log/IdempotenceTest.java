package io.creditflow.log;

import static io.creditflow.log.LogTesting.payload;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdempotenceTest {
    @TempDir
    Path dir;

    private static AppendRecord rec(long producer, long sequence) {
        return AppendRecord.idempotent(producer, sequence, payload(sequence, 16), sequence);
    }

    @Test
    void aRetriedBatchIsDroppedAndReportedNotAppendedTwice() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            AppendResult first = log.append(List.of(rec(7, 0), rec(7, 1), rec(7, 2)));
            assertThat(first.appendedRecords()).isEqualTo(3);
            // The acknowledgement was lost; the producer resends 1 and 2 and goes on with 3.
            AppendResult retry = log.append(List.of(rec(7, 1), rec(7, 2), rec(7, 3)));
            assertThat(retry.status()).isEqualTo(AppendResult.Status.OK);
            assertThat(retry.appendedRecords()).isEqualTo(1);
            assertThat(retry.duplicateRecords()).isEqualTo(2);
            assertThat(retry.isDuplicate(0)).isTrue();
            assertThat(retry.isDuplicate(1)).isTrue();
            assertThat(retry.isDuplicate(2)).isFalse();
            assertThat(retry.offsetOf(0)).isEqualTo(-1);
            assertThat(retry.offsetOf(2)).isEqualTo(3);
            assertThat(retry.endOffset()).isEqualTo(4);
            AppendResult allDuplicates = log.append(List.of(rec(7, 3)));
            assertThat(allDuplicates.appendedRecords()).isZero();
            assertThat(allDuplicates.duplicateRecords()).isEqualTo(1);
            assertThat(allDuplicates.firstOffset()).isEqualTo(-1);
            assertThat(log.endOffset()).isEqualTo(4);
            assertThat(log.stats().duplicatesDropped()).isEqualTo(3);
            // Sequences need only increase; records without a producer are never deduplicated.
            assertThat(log.append(rec(7, 10)).appendedRecords()).isEqualTo(1);
            assertThat(log.append(List.of(AppendRecord.of(payload(0, 1), 0), AppendRecord.of(payload(0, 1), 0)))
                            .appendedRecords())
                    .isEqualTo(2);
        }
    }

    @Test
    void duplicatesInsideOneBatchAndAcrossProducersAreSortedOut() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            AppendResult r = log.append(
                    List.of(rec(1, 5), rec(2, 5), rec(1, 5), rec(2, 6), rec(1, 4), rec(3, 0), rec(2, 6), rec(1, 6)));
            assertThat(r.appendedRecords()).isEqualTo(5);
            assertThat(r.duplicateRecords()).isEqualTo(3);
            long[] offsets = new long[8];
            for (int i = 0; i < 8; i++) {
                offsets[i] = r.offsetOf(i);
            }
            assertThat(offsets).containsExactly(0, 1, -1, 2, -1, 3, -1, 4);
            List<LogRecord> read = log.read(0, 10_000, 100).records();
            assertThat(read).extracting(LogRecord::producerId).containsExactly(1L, 2L, 2L, 3L, 1L);
            assertThat(read).extracting(LogRecord::sequence).containsExactly(5L, 5L, 6L, 0L, 6L);
        }
    }

    @Test
    void aRefusedAppendLeavesTheProducerStateUnchanged() throws Exception {
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().segmentBytes(1024).maxBytes(3072).build())) {
            int seq = 0;
            for (int guard = 0; guard < 1000; guard++) {
                AppendResult r = log.append(rec(9, seq));
                if (r.status() == AppendResult.Status.LOG_FULL) {
                    break;
                }
                seq++;
            }
            assertThat(log.append(rec(9, seq)).status()).isEqualTo(AppendResult.Status.LOG_FULL);
            log.dropOldest(200, 0);
            // The refused sequence was never appended, so it is not a duplicate now.
            assertThat(log.append(rec(9, seq)).appendedRecords()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "crash {0}")
    @ValueSource(booleans = {false, true})
    void theProducerStateSurvivesARestart(boolean crash) throws Exception {
        FileTopicLog log = FileTopicLog.open(dir, small().build());
        for (long s = 0; s < 200; s++) {
            assertThat(log.append(rec(s % 3, s)).appendedRecords()).isEqualTo(1);
        }
        assertThat(log.segmentFiles()).hasSizeGreaterThan(2);
        if (crash) {
            log.crashForTest();
        } else {
            log.close();
        }
        try (FileTopicLog reopened = FileTopicLog.open(dir, small().build())) {
            RecoveryReport report = reopened.recoveryReport();
            assertThat(report.producers()).isEqualTo(3);
            if (crash) {
                // Rebuilt from the snapshot taken at the last roll plus the records after it.
                assertThat(report.producerSnapshotOffset()).isPositive();
                assertThat(report.producerRecordsReplayed()).isPositive();
            } else {
                assertThat(report.producerSnapshotOffset()).isEqualTo(200);
                assertThat(report.producerRecordsReplayed()).isZero();
            }
            for (long s = 190; s < 200; s++) {
                AppendResult r = reopened.append(rec(s % 3, s));
                assertThat(r.duplicateRecords()).as("sequence %d again", s).isEqualTo(1);
            }
            assertThat(reopened.append(rec(0, 200)).appendedRecords()).isEqualTo(1);
            assertThat(reopened.endOffset()).isEqualTo(201);
        }
    }

    @Test
    void withoutAnySnapshotTheStateIsRebuiltFromTheWholeLog() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            for (long s = 0; s < 100; s++) {
                log.append(rec(4, s));
            }
        }
        try (var files = java.nio.file.Files.newDirectoryStream(dir, "*.snapshot")) {
            for (Path p : files) {
                java.nio.file.Files.delete(p);
            }
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().producerSnapshotOffset()).isEqualTo(-1);
            assertThat(log.recoveryReport().producerRecordsReplayed()).isEqualTo(100);
            assertThat(log.append(rec(4, 99)).duplicateRecords()).isEqualTo(1);
        }
    }

    @Test
    void aSnapshotAheadOfATruncatedLogIsNotTrusted() throws Exception {
        // Records 0..49 checkpointed; 50..59 unflushed when the process dies, and the tail is torn at 55.
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().segmentBytes(100_000).build())) {
            for (long s = 0; s < 50; s++) {
                log.append(rec(5, s));
            }
        }
        FileTopicLog log = FileTopicLog.open(dir, small().segmentBytes(100_000).build());
        for (long s = 50; s < 60; s++) {
            log.append(rec(5, s));
        }
        log.crashForTest();
        Path segment = dir.resolve(IndexSeekTest.name(0, ".log"));
        RecoveryTest.flip(segment, 55L * (LogRecord.HEADER_BYTES + 16) + 3);
        try (FileTopicLog reopened =
                FileTopicLog.open(dir, small().segmentBytes(100_000).build())) {
            assertThat(reopened.endOffset()).isEqualTo(55);
            // Sequence 55 was lost with the tail: the producer's retry must be appended, not dropped.
            AppendResult r = reopened.append(List.of(rec(5, 54), rec(5, 55), rec(5, 56)));
            assertThat(r.duplicateRecords()).isEqualTo(1);
            assertThat(r.appendedRecords()).isEqualTo(2);
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {21, 22, 23})
    void randomRetriesNeverDuplicateAndNeverLose(long seed) throws Exception {
        Random random = new Random(seed);
        long[] next = new long[5];
        List<long[]> appended = new ArrayList<>();
        for (int session = 0; session < 4; session++) {
            try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
                for (int batch = 0; batch < 60; batch++) {
                    int p = random.nextInt(5);
                    // Resend up to 3 already appended sequences, then some new ones.
                    long from = Math.max(0, next[p] - random.nextInt(4));
                    long to = next[p] + random.nextInt(4);
                    List<AppendRecord> records = new ArrayList<>();
                    for (long s = from; s < to; s++) {
                        records.add(rec(p, s));
                    }
                    if (records.isEmpty()) {
                        continue;
                    }
                    AppendResult r = log.append(records);
                    assertThat(r.appendedRecords()).isEqualTo((int) (to - next[p]));
                    for (long s = next[p]; s < to; s++) {
                        appended.add(new long[] {p, s});
                    }
                    next[p] = Math.max(next[p], to);
                }
            }
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            List<LogRecord> all = LogTesting.readAll(log, 0, 10_000);
            assertThat(all).hasSize(appended.size());
            for (int i = 0; i < all.size(); i++) {
                assertThat(all.get(i).producerId()).isEqualTo(appended.get(i)[0]);
                assertThat(all.get(i).sequence()).isEqualTo(appended.get(i)[1]);
            }
        }
    }

    @Test
    void theProducerTableIsBoundedAndForgetsTheLeastRecentlyActive() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().maxProducers(3).build())) {
            for (long p = 0; p < 3; p++) {
                log.append(rec(p, 0));
            }
            log.append(rec(0, 1)); // producer 0 active again: producer 1 is now the least recent
            log.append(rec(3, 0));
            assertThat(log.stats().producers()).isEqualTo(3);
            assertThat(log.stats().producersEvicted()).isEqualTo(1);
            assertThat(log.append(rec(0, 1)).duplicateRecords()).isEqualTo(1);
            assertThat(log.append(rec(2, 0)).duplicateRecords()).isEqualTo(1);
            // Forgotten: its retry is appended again (the documented cost of the bound).
            assertThat(log.append(rec(1, 0)).appendedRecords()).isEqualTo(1);
        }
    }
}
