package io.creditflow.log;

import static io.creditflow.log.LogTesting.record;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTotalTest {
    private static final int TOTAL = 20_000; // five 4 KiB segments between two logs, each log's own bound 1 GiB

    @TempDir
    Path dir;

    /** Appends 100-byte records until the log refuses one; returns the refusal. */
    private static AppendResult fill(TopicLog log) {
        for (int i = 0; i < 10_000; i++) {
            AppendResult r = log.append(record(log.endOffset(), 58, 1000));
            if (!r.isOk()) {
                return r;
            }
        }
        throw new AssertionError("never refused: " + log);
    }

    @Test
    void logsSharingATotalStayUnderItTogether() throws Exception {
        DiskTotal total = new DiskTotal(TOTAL);
        try (FileTopicLog a = FileTopicLog.open(dir.resolve("a"), small().build(), total);
                FileTopicLog b = FileTopicLog.open(dir.resolve("b"), small().build(), total)) {
            for (int i = 0; i < 50; i++) {
                assertThat(b.append(record(i, 58, 1000)).isOk()).isTrue();
            }
            AppendResult refused = fill(a);
            assertThat(refused.status()).isEqualTo(AppendResult.Status.LOG_FULL);
            assertThat(refused.reason()).contains("sharing a total").contains("of " + TOTAL + " bytes");
            assertThat(a.sizeBytes()).isLessThan(a.maxBytes());
            assertThat(total.usedBytes())
                    .isEqualTo(a.sizeBytes() + b.sizeBytes())
                    .isLessThanOrEqualTo(TOTAL)
                    .isGreaterThan(TOTAL - refused.requiredBytes());
            // The other log is refused too: the total is shared.
            assertThat(b.append(record(50, 58, 1000)).status()).isEqualTo(AppendResult.Status.LOG_FULL);
            assertThat(b.stats().logFullRejections()).isEqualTo(1);

            // block: a cursor that has not moved protects everything; what it passed can go.
            RetentionResult none = a.reclaim(refused.requiredBytes(), 0);
            assertThat(none.satisfied()).isFalse();
            assertThat(none.segmentsDeleted()).isZero();
            RetentionResult some = a.reclaim(refused.requiredBytes(), a.endOffset());
            assertThat(some.satisfied()).isTrue();
            assertThat(some.segmentsDeleted()).isEqualTo(1); // one whole segment is enough for one record
            assertThat(some.unreadRecordsDropped()).isZero();
            assertThat(a.append(record(a.endOffset(), 58, 1000)).isOk()).isTrue();
            assertThat(total.usedBytes())
                    .isEqualTo(a.sizeBytes() + b.sizeBytes())
                    .isLessThanOrEqualTo(TOTAL);

            // drop-oldest on b deletes b's own oldest data, unread or not.
            AppendResult refusedB = fill(b);
            assertThat(refusedB.status()).isEqualTo(AppendResult.Status.LOG_FULL);
            RetentionResult dropped = b.dropOldest(refusedB.requiredBytes(), 0);
            assertThat(dropped.satisfied()).isTrue();
            assertThat(dropped.unreadRecordsDropped())
                    .isEqualTo(dropped.recordsDeleted())
                    .isPositive();
            assertThat(b.startOffset()).isPositive();
            assertThat(a.startOffset()).isEqualTo(some.startOffset()); // a lost nothing more
        }
        assertThat(total.usedBytes()).as("closed logs no longer count").isZero();
    }

    @Test
    void aLogOpenedOverTheTotalCountsWhatItHoldsAndAppendsNothing() throws Exception {
        try (FileTopicLog a = FileTopicLog.open(dir.resolve("a"), small().build())) {
            LogTesting.appendRange(a, 0, 200, 58); // 20,000 bytes of records
        }
        DiskTotal total = new DiskTotal(10_000);
        try (FileTopicLog a = FileTopicLog.open(dir.resolve("a"), small().build(), total)) {
            assertThat(total.usedBytes()).isEqualTo(a.sizeBytes()).isGreaterThan(10_000);
            assertThat(a.append(record(200, 58, 1000)).status()).isEqualTo(AppendResult.Status.LOG_FULL);
            assertThat(a.endOffset()).isEqualTo(200);
            assertThat(total.usedBytes()).isEqualTo(a.sizeBytes());
        }
    }

    @Test
    void aFailedAppendGivesItsReservationBack() throws Exception {
        TestChannels channels = new TestChannels();
        DiskTotal total = new DiskTotal(TOTAL);
        try (FileTopicLog a = FileTopicLog.open(
                dir.resolve("a"), small().channelFactory(channels).build(), total)) {
            LogTesting.appendRange(a, 0, 10, 58);
            long used = total.usedBytes();
            channels.writeBudget.set(30); // the next record's first 30 bytes are written, then ENOSPC
            assertThat(a.append(record(10, 58, 1000)).status()).isEqualTo(AppendResult.Status.DISK_FULL);
            assertThat(total.usedBytes()).isEqualTo(used).isEqualTo(a.sizeBytes());
            channels.writeBudget.set(-1);
            assertThat(a.append(record(10, 58, 1000)).isOk()).isTrue();
            assertThat(total.usedBytes()).isEqualTo(a.sizeBytes()).isGreaterThan(used);
        }
    }

    @Test
    void theBoundMustBePositive() {
        assertThatThrownBy(() -> new DiskTotal(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: > 0");
        assertThat(DiskTotal.unbounded().isBounded()).isFalse();
        assertThat(new DiskTotal(1).isBounded()).isTrue();
    }
}
