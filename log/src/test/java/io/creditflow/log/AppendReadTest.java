package io.creditflow.log;

import static io.creditflow.log.LogTesting.appendRange;
import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.payload;
import static io.creditflow.log.LogTesting.readAll;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AppendReadTest {
    @TempDir
    Path dir;

    @Test
    void appendsGetDenseOffsetsAndReadBackAcrossSegmentRolls() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.startOffset()).isZero();
            assertThat(log.endOffset()).isZero();
            appendRange(log, 0, 500, 50);
            assertThat(log.endOffset()).isEqualTo(500);
            assertThat(log.segmentFiles()).hasSizeGreaterThan(5);
            assertThat(log.segmentFiles().get(0).getFileName().toString()).isEqualTo("00000000000000000000.log");
            // Every segment file is named by the offset of its first record.
            for (Path p : log.segmentFiles()) {
                long base = Long.parseLong(p.getFileName().toString().substring(0, 20));
                ReadResult r = log.read(base, 1024, 1);
                assertThat(r.records().get(0).offset()).isEqualTo(base);
                assertThat(Files.size(p)).isLessThanOrEqualTo(4096);
            }
            List<LogRecord> all = readAll(log, 0, 1000);
            assertThat(all).hasSize(500);
            assertRecords(all, 0, 50);
            assertThat(all.get(7).timestampMillis()).isEqualTo(1007);
            assertThat(all.get(7).producerId()).isEqualTo(AppendRecord.NO_PRODUCER);
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.endOffset()).isEqualTo(500);
            assertRecords(readAll(log, 0, 300), 0, 50);
            assertThat(log.recoveryReport().truncations()).isEmpty();
            assertThat(log.recoveryReport().lostData()).isFalse();
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void randomBatchesAndReadsRoundTrip(long seed) throws Exception {
        Random random = new Random(seed);
        List<byte[]> expected = new ArrayList<>();
        LogConfig config = small().segmentBytes(1024 + random.nextInt(8192))
                .indexIntervalBytes(1 + random.nextInt(512))
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            for (int batch = 0; batch < 120; batch++) {
                int n = 1 + random.nextInt(8);
                List<AppendRecord> records = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    byte[] b = LogTesting.randomBytes(random, random.nextInt(120));
                    records.add(AppendRecord.of(ByteBuffer.wrap(b), random.nextLong()));
                    expected.add(b);
                }
                AppendResult r = log.append(records);
                assertThat(r.status()).isEqualTo(AppendResult.Status.OK);
                assertThat(r.firstOffset()).isEqualTo(expected.size() - n);
                assertThat(r.endOffset()).isEqualTo(expected.size());
            }
            for (int q = 0; q < 300; q++) {
                long from = random.nextInt(expected.size() + 1);
                int maxBytes = 1 + random.nextInt(2000);
                int maxRecords = 1 + random.nextInt(20);
                ReadResult r = log.read(from, maxBytes, maxRecords);
                assertThat(r.records().size()).isLessThanOrEqualTo(maxRecords);
                assertThat(r.sizeBytes()).isLessThanOrEqualTo(maxBytes);
                assertThat(r.skippedRecords()).isZero();
                for (int k = 0; k < r.records().size(); k++) {
                    LogRecord rec = r.records().get(k);
                    assertThat(rec.offset()).isEqualTo(from + k);
                    assertThat(rec.payload()).isEqualTo(ByteBuffer.wrap(expected.get((int) rec.offset())));
                }
                assertThat(r.nextOffset()).isEqualTo(from + r.records().size());
                if (r.isEmpty() && from < expected.size()) {
                    assertThat(r.nextRecordBytes())
                            .isEqualTo(LogRecord.HEADER_BYTES + expected.get((int) from).length)
                            .isGreaterThan(maxBytes);
                }
            }
        }
    }

    @Test
    void readIntoCallersBufferUsesOnlyItsRemainingBytes() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 100, 30);
            ByteBuffer dest = ByteBuffer.allocateDirect(1000);
            dest.position(100).limit(100 + 3 * (LogRecord.HEADER_BYTES + 30) + 10);
            ReadResult r = log.read(40, dest, 100);
            assertThat(r.records()).hasSize(3);
            assertRecords(r.records(), 40, 30);
            assertThat(dest.position()).isEqualTo(100 + 3 * (LogRecord.HEADER_BYTES + 30));
            assertThat(r.records().get(0).payload().isDirect()).isTrue();
        }
    }

    @Test
    void aRecordLargerThanTheReadBoundIsReportedNotReturned() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            log.append(AppendRecord.of(payload(0, 500), 1));
            ReadResult r = log.read(0, 100, 10);
            assertThat(r.isEmpty()).isTrue();
            assertThat(r.nextOffset()).isZero();
            assertThat(r.nextRecordBytes()).isEqualTo(542);
            ReadResult atEnd = log.read(1, 100, 10);
            assertThat(atEnd.isEmpty()).isTrue();
            assertThat(atEnd.nextRecordBytes()).isZero();
        }
    }

    @Test
    void argumentsAreChecked() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 3, 10);
            assertThatThrownBy(() -> log.read(4, 100, 1))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("offset: 4 (expected: <= endOffset 3)");
            assertThatThrownBy(() -> log.read(0, 0, 1)).hasMessage("maxBytes: 0 (expected: > 0)");
            assertThatThrownBy(() -> log.read(0, 10, 0)).hasMessage("maxRecords: 0 (expected: > 0)");
            assertThatThrownBy(() -> AppendRecord.idempotent(1, -2, payload(0, 1), 0))
                    .hasMessage("sequence: -2 (expected: >= 0)");
        }
    }

    @Test
    void aBatchLargerThanASegmentIsRefusedAsTooLarge() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            List<AppendRecord> batch = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                batch.add(LogTesting.record(i, 100, 0));
            }
            AppendResult r = log.append(batch);
            assertThat(r.status()).isEqualTo(AppendResult.Status.TOO_LARGE);
            assertThat(r.requiredBytes()).isEqualTo(50 * 142);
            assertThat(log.endOffset()).isZero();
            assertThat(log.stats().tooLargeRejections()).isEqualTo(1);
        }
    }

    @Test
    void aBatchNeverSpansTwoSegments() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            for (int b = 0; b < 20; b++) {
                List<AppendRecord> batch = new ArrayList<>();
                for (int i = 0; i < 7; i++) {
                    batch.add(LogTesting.record(b * 7L + i, 60, 0));
                }
                assertThat(log.append(batch).isOk()).isTrue();
            }
            for (Path p : log.segmentFiles()) {
                long base = Long.parseLong(p.getFileName().toString().substring(0, 20));
                assertThat(base % 7)
                        .as("segment %s starts at a batch boundary", p.getFileName())
                        .isZero();
            }
        }
    }

    @Test
    void readersRunConcurrentlyWithTheWriterAndSeeOnlyCompleteRecords() throws Exception {
        int total = 3000;
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            ExecutorService pool = Executors.newFixedThreadPool(3);
            CountDownLatch start = new CountDownLatch(1);
            try {
                List<Future<Long>> readers = new ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    readers.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        long next = 0;
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                        while (next < total && System.nanoTime() < deadline) {
                            ReadResult r = log.read(next, 700, 50);
                            assertRecords(r.records(), next, 40);
                            next = r.nextOffset();
                            if (r.isEmpty()) {
                                Thread.onSpinWait();
                            }
                        }
                        return next;
                    }));
                }
                start.countDown();
                appendRange(log, 0, total, 40);
                for (Future<Long> f : readers) {
                    assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(total);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void anInterruptedReaderDoesNotTakeTheSegmentAwayFromOthers() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 10, 30);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                Thread.currentThread().interrupt(); // an interrupted thread closes a FileChannel it touches
                try {
                    log.read(0, 1000, 10);
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            reader.start();
            reader.join(10_000);
            assertThat(failure.get()).isInstanceOf(InterruptedIOException.class);
            // The writer and other readers carry on with a reopened channel.
            appendRange(log, 10, 20, 30);
            assertRecords(readAll(log, 0, 1000), 0, 30);
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.endOffset()).isEqualTo(20);
        }
    }

    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThatThrownBy(() -> FileTopicLog.open(dir, small().build()))
                    .hasMessageContaining("already open in this process");
            assertThat(log.endOffset()).isZero();
        }
    }

    @Test
    void closedLogRefusesAppendsAndReads() throws Exception {
        FileTopicLog log = FileTopicLog.open(dir, small().build());
        appendRange(log, 0, 3, 10);
        log.close();
        log.close();
        assertThat(log.append(LogTesting.record(3, 10, 0)).status()).isEqualTo(AppendResult.Status.CLOSED);
        assertThatThrownBy(() -> log.read(0, 100, 1)).hasMessageContaining("is closed");
    }
}
