package io.creditflow.bench.harness.cf;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.bench.harness.Profile;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Scenario;
import io.creditflow.bench.harness.SystemKind;
import io.creditflow.broker.LogTopicStats;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The figures the broker's side and the catch-up consumer put in their result lines. */
class BrokerLogFiguresTest {
    private static RunSpec s8Log() {
        return Scenario.catalogue(Profile.DEFAULT).stream()
                .filter(s -> s.id().equals("S8-log"))
                .findFirst()
                .orElseThrow()
                .spec(SystemKind.CREDITFLOW, 0, true);
    }

    private static LogTopicStats.CursorStats cursor(String name, long lag, long skipped) {
        return new LogTopicStats.CursorStats(name, 1, 0, 0, lag, skipped, 0, 0);
    }

    @Test
    void theSlowSubscriptionsSkipsAndLagAreItsOwn() {
        LogTopicStats t = new LogTopicStats(
                "bench",
                5000,
                BrokerReceiver.LOG_MAX_BYTES,
                0,
                0,
                0,
                1000,
                1000,
                "none",
                "",
                Map.of(),
                Map.of("log_full", 2L),
                4,
                0,
                0,
                0,
                0,
                0,
                List.of(cursor("sub-1", 3, 1), cursor("sub-16", 900, 5), cursor("other", 7, 11)));
        Map<String, Object> m = BrokerReceiver.logFigures(List.of(t), s8Log());
        assertThat(m)
                .containsEntry("log_fsync", "batch")
                .containsEntry("log_size_bytes", 5000L)
                .containsEntry("log_end_offset", 1000L)
                .containsEntry("log_unread_records_dropped", 4L)
                .containsEntry("log_skipped_records", 17L)
                .containsEntry("log_slow_skipped_records", 5L)
                .containsEntry("log_slow_lag_records", 900L)
                .containsEntry("log_hold_events", 2L);
    }

    @Test
    void readsThePageCacheSizeFromMeminfo() {
        assertThat(BrokerReceiver.parseCachedMib("MemTotal: 100 kB\nCached:   2048 kB\nSwapCached: 0 kB\n"))
                .isEqualTo(2.0);
        assertThat(BrokerReceiver.parseCachedMib("MemTotal: 100 kB\n")).isNull();
    }

    @Test
    void deletesTheRunsDataDir(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("data/bench"));
        Files.writeString(dir.resolve("00000000000000000000.log"), "x");
        BrokerReceiver.deleteTree(tmp.resolve("data"));
        assertThat(tmp.resolve("data")).doesNotExist();
        BrokerReceiver.deleteTree(tmp.resolve("data")); // already gone: nothing to do
    }

    @Test
    void theCatchUpRateIsOverTheTimeToTheLastRecordOrPartial() {
        long s = 1_000_000_000L;
        Map<String, Object> done =
                CatchUpSender.catchUpFigures(1024, 1024, 512L << 20, 10 * s, 10 * s + s / 100, 12 * s, 40 * s);
        assertThat(done)
                .containsEntry("catch_up_done", true)
                .containsEntry("catch_up_s", 2.0)
                .containsEntry("catch_up_first_record_s", 0.01)
                .containsEntry("catch_up_mib_per_s", 256.0)
                .containsEntry("catch_up_records_per_s", 512.0);
        Map<String, Object> partial = CatchUpSender.catchUpFigures(1024, 100, 100L << 20, 10 * s, 0, 0, 20 * s);
        assertThat(partial)
                .containsEntry("catch_up_done", false)
                .containsEntry("catch_up_s", null)
                .containsEntry("catch_up_first_record_s", null)
                .containsEntry("catch_up_mib_per_s", 10.0);
    }
}
