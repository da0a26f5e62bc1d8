package io.creditflow.log;

import static io.creditflow.log.LogTesting.appendRange;
import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.readAll;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RecoveryTest {
    /** Payload bytes of the records in the tail tests: each record is 42 + 20 = 62 bytes. */
    private static final int SIZE = 20;

    private static final int RECORD = LogRecord.HEADER_BYTES + SIZE;
    private static final int GOOD = 29;

    @TempDir
    Path root;

    /**
     * A log of {@code GOOD} records closed cleanly (so checkpointed) and then one more record appended in
     * {@code never} mode before a simulated kill -9: the last record is the unflushed tail.
     */
    private Path crashedWithOneUnflushedRecord(String name) throws IOException {
        Path dir = root.resolve(name);
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().fsync(FsyncMode.BATCH).build())) {
            appendRange(log, 0, GOOD, SIZE);
        }
        FileTopicLog log = FileTopicLog.open(dir, small().build());
        appendRange(log, GOOD, GOOD + 1, SIZE);
        log.crashForTest();
        return dir;
    }

    private static Path activeSegment(Path dir) throws IOException {
        Path last = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.log")) {
            for (Path p : files) {
                if (last == null
                        || p.getFileName()
                                        .toString()
                                        .compareTo(last.getFileName().toString())
                                > 0) {
                    last = p;
                }
            }
        }
        return last;
    }

    static IntStream lastRecordBytes() {
        return IntStream.range(0, RECORD);
    }

    @ParameterizedTest(name = "cut {0} bytes into the last record")
    @MethodSource("lastRecordBytes")
    void aTornTailIsTruncatedAtTheLastGoodRecord(int cut) throws Exception {
        Path dir = crashedWithOneUnflushedRecord("torn");
        Path segment = activeSegment(dir);
        long size = Files.size(segment);
        long lastStart = size - RECORD;
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.truncate(lastStart + cut);
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            RecoveryReport report = log.recoveryReport();
            assertThat(log.endOffset()).isEqualTo(GOOD);
            assertRecords(readAll(log, 0, 500), 0, SIZE);
            assertThat(report.truncatedBytes()).isEqualTo(cut);
            if (cut == 0) {
                assertThat(report.truncations()).isEmpty();
            } else {
                assertThat(report.truncations()).hasSize(1);
                RecoveryReport.Truncation t = report.truncations().get(0);
                assertThat(t.segment()).isEqualTo(segment);
                assertThat(t.position()).isEqualTo(lastStart);
                assertThat(t.offset()).isEqualTo(GOOD);
                assertThat(t.bytes()).isEqualTo(cut);
                assertThat(t.belowCheckpoint()).isFalse();
            }
            assertThat(Files.size(segment)).isEqualTo(lastStart);
            assertThat(log.stats().recoveryTruncatedBytes()).isEqualTo(cut);
            // Only the tail after the checkpoint (and the last index interval before it) was checked.
            assertThat(report.scannedBytes()).isLessThanOrEqualTo(RECORD + 256 + RECORD);
            // The log takes appends again right where the good records end.
            assertThat(log.append(LogTesting.record(GOOD, SIZE, 0)).firstOffset())
                    .isEqualTo(GOOD);
        }
    }

    @ParameterizedTest(name = "flip byte {0} of the last record")
    @MethodSource("lastRecordBytes")
    void aCorruptTailIsTruncatedAtTheLastGoodRecord(int at) throws Exception {
        Path dir = crashedWithOneUnflushedRecord("flip");
        Path segment = activeSegment(dir);
        long lastStart = Files.size(segment) - RECORD;
        flip(segment, lastStart + at);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            RecoveryReport report = log.recoveryReport();
            assertThat(log.endOffset()).isEqualTo(GOOD);
            assertRecords(readAll(log, 0, 500), 0, SIZE);
            assertThat(report.truncatedBytes()).isEqualTo(RECORD);
            assertThat(report.truncations()).singleElement().satisfies(t -> {
                assertThat(t.offset()).isEqualTo(GOOD);
                assertThat(t.position()).isEqualTo(lastStart);
            });
            assertThat(report.lostData()).isTrue();
        }
    }

    @Test
    void aCorruptLastRecordIsFoundEvenAfterACleanClose() throws Exception {
        Path dir = root.resolve("clean");
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, GOOD + 1, SIZE);
        }
        Path segment = activeSegment(dir);
        flip(segment, Files.size(segment) - 3);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.endOffset()).isEqualTo(GOOD);
            assertThat(log.recoveryReport().truncations()).singleElement().satisfies(t -> {
                assertThat(t.belowCheckpoint()).isTrue();
                assertThat(t.reason()).isEqualTo("CRC32C mismatch");
            });
        }
    }

    @Test
    void aCorruptRecordInTheMiddleIsNeverServedAndIsNamed() throws Exception {
        Path dir = root.resolve("middle");
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 300, 40);
        }
        Path second;
        long base;
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            second = log.segmentFiles().get(1);
            base = Long.parseLong(second.getFileName().toString().substring(0, 20));
        }
        // Record base + 2 of the second segment: its payload's 5th byte.
        flip(second, 2L * (LogRecord.HEADER_BYTES + 40) + LogRecord.HEADER_BYTES + 5);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().truncations()).isEmpty();
            assertThat(log.endOffset()).isEqualTo(300);
            ReadResult before = log.read(base, 10_000, 100);
            assertThat(before.records()).hasSize(2);
            assertThat(before.nextOffset()).isEqualTo(base + 2);
            CorruptRecordException e =
                    catchThrowableOfType(CorruptRecordException.class, () -> log.read(base + 2, 10_000, 100));
            assertThat(e.segment()).isEqualTo(second);
            assertThat(e.offset()).isEqualTo(base + 2);
            assertThat(e.position()).isEqualTo(2L * (LogRecord.HEADER_BYTES + 40));
            assertThat(e.getMessage())
                    .contains(second.getFileName().toString())
                    .contains("offset " + (base + 2))
                    .contains("CRC32C mismatch");
            assertThat(e.resumeOffset()).isGreaterThan(base + 2);
            // Offsets after the bad record are readable, and from the resume offset on.
            assertRecords(log.read(base + 3, 10_000, 100).records(), base + 3, 40);
            assertRecords(readAll(log, e.resumeOffset(), 1000), e.resumeOffset(), 40);
            assertThatThrownBy(() -> log.read(base + 2, 10_000, 1)).isInstanceOf(CorruptRecordException.class);
            assertThat(log.stats().corruptRecordsDetected()).isEqualTo(2);
        }
    }

    @Test
    void aTruncatedSegmentInNeverModeTakesTheLaterSegmentsWithIt() throws Exception {
        Path dir = root.resolve("never");
        FileTopicLog first = FileTopicLog.open(dir, small().build());
        appendRange(first, 0, 300, 40);
        List<Path> files = first.segmentFiles();
        first.crashForTest();
        assertThat(files).hasSizeGreaterThan(3);
        Path second = files.get(1);
        long base = Long.parseLong(second.getFileName().toString().substring(0, 20));
        flip(second, 4L * (LogRecord.HEADER_BYTES + 40) + 1);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            RecoveryReport report = log.recoveryReport();
            assertThat(log.endOffset()).isEqualTo(base + 4);
            assertThat(report.truncations())
                    .singleElement()
                    .satisfies(t -> assertThat(t.offset()).isEqualTo(base + 4));
            assertThat(report.segmentsDeletedAfterTruncation())
                    .containsExactlyElementsOf(files.subList(2, files.size()));
            assertRecords(readAll(log, 0, 1000), 0, 40);
            for (Path p : files.subList(2, files.size())) {
                assertThat(p).doesNotExist();
            }
        }
    }

    @Test
    void emptySegmentsInTheMiddleAreRemovedAndAnEmptyLastOneBecomesTheActiveSegment() throws Exception {
        Path dir = root.resolve("empty");
        long end;
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 200, 40);
            end = log.endOffset();
        }
        Path middle = dir.resolve(IndexSeekTest.name(45, ".log"));
        Files.createFile(middle);
        Path last = dir.resolve(IndexSeekTest.name(end, ".log"));
        Files.createFile(last);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().emptySegmentsRemoved()).containsExactly(middle);
            assertThat(log.recoveryReport().gaps()).isEmpty();
            assertThat(middle).doesNotExist();
            assertThat(log.segmentFiles()).last().isEqualTo(last);
            appendRange(log, end, end + 10, 40);
            assertRecords(readAll(log, 0, 1000), 0, 40);
            assertThat(Files.size(last)).isEqualTo(10L * (LogRecord.HEADER_BYTES + 40));
        }
    }

    @Test
    void aMissingSegmentIsReportedAsAGapAndReadsSkipItVisibly() throws Exception {
        Path dir = root.resolve("missing");
        List<Path> files;
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 300, 40);
            files = log.segmentFiles();
        }
        long b1 = base(files.get(1));
        long b2 = base(files.get(2));
        for (String ext : List.of(".log", ".index", ".timeindex")) {
            Files.delete(dir.resolve(IndexSeekTest.name(b1, ext)));
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().gaps()).containsExactly(new RecoveryReport.Gap(b1, b2));
            assertThat(log.recoveryReport().lostData()).isTrue();
            ReadResult upToGap = log.read(b1 - 2, 100_000, 1000);
            assertThat(upToGap.records()).hasSize(2);
            assertThat(upToGap.nextOffset()).isEqualTo(b1);
            ReadResult overGap = log.read(b1, 1000, 1000);
            assertThat(overGap.skippedRecords()).isEqualTo(b2 - b1);
            assertThat(overGap.records().get(0).offset()).isEqualTo(b2);
            ReadResult inGap = log.read(b1 + 3, 1000, 1);
            assertThat(inGap.skippedRecords()).isEqualTo(b2 - b1 - 3);
            assertRecords(inGap.records(), b2, 40);
        }
        // The first segment missing as well: the log starts later, and a read below the start says so.
        for (String ext : List.of(".log", ".index", ".timeindex")) {
            Files.delete(dir.resolve(IndexSeekTest.name(0, ext)));
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.startOffset()).isEqualTo(b2);
            ReadResult below = log.read(0, 1000, 1);
            assertThat(below.skippedRecords()).isEqualTo(b2);
            assertRecords(below.records(), b2, 40);
        }
    }

    @Test
    void recoveryChecksOnlyTheUnflushedTailNotTheWholeLog() throws Exception {
        Path dir = root.resolve("proportional");
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().fsync(FsyncMode.BATCH).build())) {
            appendRange(log, 0, 5000, 100);
        }
        FileTopicLog log = FileTopicLog.open(dir, small().build());
        appendRange(log, 5000, 5010, 100);
        long logBytes = log.sizeBytes();
        int segments = log.segmentFiles().size();
        log.crashForTest();
        try (FileTopicLog reopened = FileTopicLog.open(dir, small().build())) {
            RecoveryReport report = reopened.recoveryReport();
            assertThat(report.checkpointFound()).isTrue();
            assertThat(reopened.endOffset()).isEqualTo(5010);
            // The 10 unflushed records, the last index interval before them, and (to learn where each
            // sealed segment ends) the records after each sealed segment's last index entry.
            long bound = 10L * 142 + 256 + 142 + (long) segments * (256 + 142);
            assertThat(report.scannedBytes()).isLessThanOrEqualTo(bound).isLessThan(logBytes / 5);
        }
    }

    @Test
    void withoutACheckpointEverySegmentIsCheckedAndTheLogIsIntact() throws Exception {
        Path dir = root.resolve("nocheckpoint");
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 300, 40);
        }
        Files.delete(dir.resolve("recovery.checkpoint"));
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().checkpointFound()).isFalse();
            assertThat(log.recoveryReport().scannedBytes()).isGreaterThanOrEqualTo(300L * 82);
            assertRecords(readAll(log, 0, 1000), 0, 40);
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().checkpointFound()).isTrue();
        }
    }

    @Test
    void aTornCheckpointSlotFallsBackToTheOtherSlot() throws Exception {
        Path dir = root.resolve("slots");
        try (FileTopicLog log =
                FileTopicLog.open(dir, small().fsync(FsyncMode.ALWAYS).build())) {
            appendRange(log, 0, 50, 40);
        }
        // Damage both slots one after the other: with one torn the other still vouches; with both, a full check.
        Path cp = dir.resolve("recovery.checkpoint");
        flip(cp, 20);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().checkpointFound()).isTrue();
            assertThat(log.endOffset()).isEqualTo(50);
        }
        flip(cp, 20);
        flip(cp, 512 + 20);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.endOffset()).isEqualTo(50);
            assertRecords(readAll(log, 0, 1000), 0, 40);
        }
    }

    @Test
    void overlappingSegmentsRefuseToOpenWithAClearMessage() throws Exception {
        Path dir = root.resolve("overlap");
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            appendRange(log, 0, 200, 40);
        }
        Path copy = dir.resolve(IndexSeekTest.name(3, ".log"));
        Files.copy(dir.resolve(IndexSeekTest.name(0, ".log")), copy);
        assertThatThrownBy(() -> FileTopicLog.open(dir, small().build()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("segments overlap");
    }

    private static long base(Path segment) {
        return Long.parseLong(segment.getFileName().toString().substring(0, 20));
    }

    static void flip(Path file, long position) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            ch.read(b, position);
            b.put(0, (byte) (b.get(0) ^ 0x5A));
            b.rewind();
            ch.write(b, position);
        }
    }
}
