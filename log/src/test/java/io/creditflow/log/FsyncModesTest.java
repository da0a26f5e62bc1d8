package io.creditflow.log;

import static io.creditflow.log.LogTesting.record;
import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FsyncModesTest {
    @TempDir
    Path dir;

    private final TestChannels channels = new TestChannels();

    private LogConfig config(FsyncMode mode) {
        return small().segmentBytes(1 << 20)
                .maxBytes(16 << 20)
                .fsync(mode)
                .channelFactory(channels)
                .build();
    }

    /** A listener that records every offset and lets a test wait for one. */
    private static final class Recorder implements DurabilityListener {
        final List<Long> seen = new CopyOnWriteArrayList<>();
        private final long awaited;
        final CountDownLatch reached = new CountDownLatch(1);

        Recorder(long awaited) {
            this.awaited = awaited;
        }

        @Override
        public void onDurable(long durableOffset) {
            seen.add(durableOffset);
            if (durableOffset >= awaited) {
                reached.countDown();
            }
        }

        void assertStrictlyIncreasing() {
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i)).isGreaterThan(seen.get(i - 1));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "always,ALWAYS,0",
        "batch,BATCH,0",
        "never,NEVER,0",
        "interval=250,INTERVAL,250",
        "INTERVAL=7,INTERVAL,7",
        " Batch ,BATCH,0"
    })
    void modesParse(String text, FsyncMode.Kind kind, long interval) {
        FsyncMode mode = FsyncMode.parse(text);
        assertThat(mode.kind()).isEqualTo(kind);
        assertThat(mode.intervalMillis()).isEqualTo(interval);
        assertThat(FsyncMode.parse(mode.toString())).isEqualTo(mode);
    }

    @Test
    void badModesAreRefusedWithWhatWasExpected() {
        assertThatThrownBy(() -> FsyncMode.parse("sometimes"))
                .hasMessage("fsync: 'sometimes' (expected: always, batch, interval=MS, never)");
        assertThatThrownBy(() -> FsyncMode.parse("interval=0"))
                .hasMessage("fsync: 'interval=0' (expected: interval=MS with MS a whole number of milliseconds > 0)");
        assertThatThrownBy(() -> FsyncMode.parse("interval=soon"))
                .hasMessage("fsync: 'interval=soon' (expected: interval=MS with MS a whole number of milliseconds"
                        + " > 0)");
        assertThatThrownBy(() -> FsyncMode.interval(-1)).hasMessage("intervalMillis: -1 (expected: > 0)");
        assertThat(LogConfig.defaults().fsync()).isEqualTo(FsyncMode.BATCH);
    }

    @Test
    void alwaysIsDurableWhenAppendReturnsWithOneFsyncPerAppend() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.ALWAYS))) {
            Recorder recorder = new Recorder(Long.MAX_VALUE);
            log.addDurabilityListener(recorder);
            int before = channels.logForces.get();
            for (int i = 0; i < 5; i++) {
                AppendResult r = log.append(List.of(record(2L * i, 10, 0), record(2L * i + 1, 10, 0)));
                assertThat(log.durableOffset()).isEqualTo(r.endOffset());
                // The listener ran on this thread before append returned.
                assertThat(recorder.seen).last().isEqualTo(r.endOffset());
            }
            assertThat(channels.logForces.get() - before).isEqualTo(5);
            assertThat(log.stats().fsyncs()).isEqualTo(5);
            assertThat(recorder.seen).containsExactly(2L, 4L, 6L, 8L, 10L);
        }
    }

    @Test
    void batchGroupCommitsEverythingAppendedDuringAnFsyncInOneForce() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.BATCH))) {
            Recorder recorder = new Recorder(10);
            log.addDurabilityListener(recorder);
            TestChannels.Gate gate = channels.holdForces();
            int before = channels.logForces.get();
            log.append(record(0, 10, 0));
            // The flusher is inside its fsync of record 0 ...
            assertThat(gate.entered.await(10, TimeUnit.SECONDS)).isTrue();
            // ... while nine more appends return at once, not yet durable.
            for (int i = 1; i < 10; i++) {
                assertThat(log.append(record(i, 10, 0)).isOk()).isTrue();
            }
            assertThat(log.durableOffset()).isZero();
            assertThat(recorder.seen).isEmpty();
            channels.stopHoldingForces();
            gate.release.countDown();
            assertThat(recorder.reached.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(log.durableOffset()).isEqualTo(10);
            // One fsync for record 0, one for records 1..9 together.
            assertThat(channels.logForces.get() - before).isEqualTo(2);
            assertThat(recorder.seen).containsExactly(1L, 10L);
            assertThat(log.stats().fsyncs()).isEqualTo(2);
            assertThat(log.stats().fsyncNanosMax()).isPositive();
        }
    }

    @Test
    void intervalFsyncsOnlyOnItsTimerOrOnFlush() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.interval(3_600_000)))) {
            Recorder recorder = new Recorder(3);
            log.addDurabilityListener(recorder);
            int before = channels.logForces.get();
            for (int i = 0; i < 3; i++) {
                log.append(record(i, 10, 0));
            }
            assertThat(log.durableOffset()).isZero();
            assertThat(channels.logForces.get()).isEqualTo(before);
            log.flush();
            assertThat(log.durableOffset()).isEqualTo(3);
            assertThat(recorder.seen).containsExactly(3L);
            assertThat(channels.logForces.get() - before).isEqualTo(1);
        }
    }

    @Test
    void aShortIntervalMakesRecordsDurableWithoutAnyCallFromTheCaller() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.interval(5)))) {
            Recorder recorder = new Recorder(20);
            log.addDurabilityListener(recorder);
            for (int i = 0; i < 20; i++) {
                log.append(record(i, 10, 0));
            }
            assertThat(recorder.reached.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(log.durableOffset()).isEqualTo(20);
            recorder.assertStrictlyIncreasing();
        }
    }

    @Test
    void neverLeavesWriteBackToTheSystemAndFsyncsOnClose() throws Exception {
        Recorder recorder = new Recorder(5);
        int before = channels.logForces.get();
        FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.NEVER));
        int atOpen = channels.logForces.get();
        log.addDurabilityListener(recorder);
        for (int i = 0; i < 5; i++) {
            log.append(record(i, 10, 0));
            // Durable as this mode promises: handed to the operating system.
            assertThat(log.durableOffset()).isEqualTo(i + 1);
        }
        assertThat(recorder.seen).containsExactly(1L, 2L, 3L, 4L, 5L);
        assertThat(channels.logForces.get()).isEqualTo(atOpen);
        log.close();
        assertThat(channels.logForces.get()).isGreaterThan(atOpen);
        assertThat(atOpen).isGreaterThanOrEqualTo(before);
    }

    @Test
    void aListenerThatThrowsDoesNotStopTheOthers() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, config(FsyncMode.ALWAYS))) {
            Recorder recorder = new Recorder(1);
            log.addDurabilityListener(d -> {
                throw new IllegalStateException("test listener");
            });
            log.addDurabilityListener(recorder);
            log.append(record(0, 10, 0));
            assertThat(recorder.seen).containsExactly(1L);
            log.removeDurabilityListener(recorder);
            log.append(record(1, 10, 0));
            assertThat(recorder.seen).containsExactly(1L);
        }
    }
}
