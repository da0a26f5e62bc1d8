package io.creditflow.log;

import static io.creditflow.log.LogTesting.appendRange;
import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.readAll;
import static io.creditflow.log.LogTesting.record;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DiskErrorTest {
    private static final int SIZE = 50;
    private static final int RECORD = LogRecord.HEADER_BYTES + SIZE;

    @TempDir
    Path dir;

    private final TestChannels channels = new TestChannels();

    private static List<AppendRecord> batch(long from, int n) {
        List<AppendRecord> b = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            b.add(record(from + i, SIZE, 0));
        }
        return b;
    }

    @ParameterizedTest(name = "disk full after {0} bytes of the batch")
    @ValueSource(ints = {0, 1, 41, 42, 43, RECORD, RECORD + 10, 4 * RECORD - 1})
    void aFullDiskLeavesWrittenDataIntactAndAppendsResumeWhenSpaceReturns(int budget) throws Exception {
        LogConfig config = small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .indexIntervalBytes(64)
                .channelFactory(channels)
                .fsync(FsyncMode.ALWAYS)
                .build();
        Path segment;
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            appendRange(log, 0, 20, SIZE);
            segment = log.segmentFiles().get(0);
            long sizeBefore = Files.size(segment);
            long indexBefore = Files.size(dir.resolve(IndexSeekTest.name(0, ".index")));
            channels.writeBudget.set(budget);
            AppendResult r = log.append(batch(20, 4));
            assertThat(r.status()).isEqualTo(AppendResult.Status.DISK_FULL);
            assertThat(r.reason()).isEqualTo(TestChannels.ENOSPC);
            assertThat(log.endOffset()).isEqualTo(20);
            assertThat(Files.size(segment)).isEqualTo(sizeBefore);
            assertThat(Files.size(dir.resolve(IndexSeekTest.name(0, ".index")))).isEqualTo(indexBefore);
            assertRecords(readAll(log, 0, 1000), 0, SIZE);
            // Still full: refused again, still intact.
            assertThat(log.append(batch(20, 4)).status()).isEqualTo(AppendResult.Status.DISK_FULL);
            assertThat(log.stats().diskFullEvents()).isEqualTo(2);
            // Space returns: the same batch goes in where the good data ends.
            channels.writeBudget.set(-1);
            AppendResult retry = log.append(batch(20, 4));
            assertThat(retry.isOk()).isTrue();
            assertThat(retry.firstOffset()).isEqualTo(20);
        }
        try (FileTopicLog log = FileTopicLog.open(
                dir,
                small().segmentBytes(1 << 20)
                        .maxBytes(16 << 20)
                        .indexIntervalBytes(64)
                        .build())) {
            assertThat(log.recoveryReport().truncations()).isEmpty();
            assertThat(log.endOffset()).isEqualTo(24);
            assertRecords(readAll(log, 0, 1000), 0, SIZE);
            for (int i = 0; i < 24; i++) {
                assertThat(log.read(i, 1000, 1).records().get(0).offset()).isEqualTo(i);
            }
        }
    }

    @Test
    void aFullDiskWhileWritingTheIndexIsUndoneToo() throws Exception {
        channels.failSuffix = ".timeindex";
        LogConfig config = small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .indexIntervalBytes(64)
                .channelFactory(channels)
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            appendRange(log, 0, 20, SIZE);
            long sizeBefore = Files.size(log.segmentFiles().get(0));
            channels.writeBudget.set(5);
            assertThat(log.append(batch(20, 4)).status()).isEqualTo(AppendResult.Status.DISK_FULL);
            assertThat(Files.size(log.segmentFiles().get(0))).isEqualTo(sizeBefore);
            channels.writeBudget.set(-1);
            assertThat(log.append(batch(20, 4)).firstOffset()).isEqualTo(20);
            for (int i = 0; i < 24; i++) {
                assertThat(log.read(i, 1000, 1).records().get(0).offset()).isEqualTo(i);
            }
        }
    }

    @Test
    void aFailedCleanUpIsRetriedBeforeTheNextAppendWrites() throws Exception {
        LogConfig config = small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .channelFactory(channels)
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            appendRange(log, 0, 10, SIZE);
            Path segment = log.segmentFiles().get(0);
            long sizeBefore = Files.size(segment);
            channels.writeBudget.set(RECORD + 7);
            channels.failingTruncates.set(2);
            assertThat(log.append(batch(10, 3)).status()).isEqualTo(AppendResult.Status.DISK_FULL);
            // The partial batch could not be cut off; it is invisible to readers meanwhile.
            assertThat(Files.size(segment)).isEqualTo(sizeBefore + RECORD + 7);
            assertRecords(readAll(log, 0, 1000), 0, SIZE);
            channels.writeBudget.set(-1);
            // The next append retries the clean-up first; it fails once more and the append is refused.
            AppendResult refused = log.append(batch(10, 1));
            assertThat(refused.status()).isEqualTo(AppendResult.Status.IO_ERROR);
            assertThat(refused.reason()).contains("Input/output error");
            assertThat(log.append(batch(10, 1)).isOk()).isTrue();
            assertThat(Files.size(segment)).isEqualTo(sizeBefore + RECORD);
        }
        try (FileTopicLog log = FileTopicLog.open(
                dir, small().segmentBytes(1 << 20).maxBytes(16 << 20).build())) {
            assertThat(log.recoveryReport().truncations()).isEmpty();
            assertThat(log.endOffset()).isEqualTo(11);
        }
    }

    @Test
    void aFailedFsyncInAlwaysModeAppendsNothing() throws Exception {
        LogConfig config = small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .fsync(FsyncMode.ALWAYS)
                .channelFactory(channels)
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            appendRange(log, 0, 5, SIZE);
            long sizeBefore = Files.size(log.segmentFiles().get(0));
            channels.failingForces.set(1);
            AppendResult r = log.append(batch(5, 2));
            assertThat(r.status()).isEqualTo(AppendResult.Status.IO_ERROR);
            assertThat(r.reason()).contains("test fsync");
            assertThat(log.endOffset()).isEqualTo(5);
            assertThat(log.durableOffset()).isEqualTo(5);
            assertThat(Files.size(log.segmentFiles().get(0))).isEqualTo(sizeBefore);
            assertThat(log.stats().ioErrors()).isEqualTo(1);
            assertThat(log.append(batch(5, 2)).isOk()).isTrue();
            assertThat(log.durableOffset()).isEqualTo(7);
        }
    }

    @Test
    void aFailedFsyncInBatchModeHoldsTheDurableOffsetUntilARetrySucceeds() throws Exception {
        LogConfig config = small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .fsync(FsyncMode.BATCH)
                .channelFactory(channels)
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            java.util.concurrent.CountDownLatch durable = new java.util.concurrent.CountDownLatch(1);
            log.addDurabilityListener(d -> {
                if (d == 3) {
                    durable.countDown();
                }
            });
            channels.failingForces.set(2);
            AppendResult r = log.append(batch(0, 3));
            assertThat(r.isOk()).isTrue();
            assertThat(durable.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(log.durableOffset()).isEqualTo(3);
            assertThat(log.stats().ioErrors()).isEqualTo(2);
        }
    }
}
