package io.creditflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bounded pipeline against a real PostgreSQL server (a private one, {@link PrivatePostgres}), its slow
 * afternoon a {@code LOCK TABLE events IN EXCLUSIVE MODE} held by another connection: PostgreSQL itself reports
 * the workers waiting for the lock, the edge answers 503, and every accepted event is in the table exactly once.
 * Skipped, saying why, where PostgreSQL is not installed.
 */
class PipelinePostgresTest {
    @Test
    @Timeout(120)
    void slowAfternoonOnPostgres() throws Exception {
        String[] why = {null};
        Path bin = PrivatePostgres.findBin(why);
        Assumptions.assumeTrue(bin != null, () -> "skipped: " + why[0]);
        try (PrivatePostgres pg = PrivatePostgres.start(bin)) {
            PipelineSettings s = new PipelineSettings();
            s.jdbcUrl = pg.jdbcUrl();
            s.durationS = 10;
            s.slowAtS = 2;
            s.slowForS = 6;
            s.rate = 1000;
            s.logMaxMib = 1;
            s.segmentKib = 128;
            s.clients = 32;
            s.size = 1024; // 1 MiB of log is about 980 events: reached in seconds even on a busy machine
            s.batch = 25;
            ByteArrayOutputStream rows = new ByteArrayOutputStream();
            Map<String, Object> m = Pipeline.run(s, new PrintStream(rows, true, StandardCharsets.UTF_8));
            String summary = Pipeline.json(m) + "\n" + rows.toString(StandardCharsets.UTF_8);

            assertThat(m.get("database")).as(summary).isEqualTo("postgresql");
            assertThat((int) m.get("db_lock_waiters_peak")).as(summary).isGreaterThanOrEqualTo(1);
            assertThat(m.get("blocked_workers_peak")).as(summary).isEqualTo(4);
            assertThat(m.get("rejected_503_before_slow")).as(summary).isEqualTo(0L);
            assertThat((long) m.get("rejected_503")).as(summary).isPositive();
            assertThat(m.get("lost")).as(summary).isEqualTo(0L);
            assertThat(m.get("duplicates_in_db")).as(summary).isEqualTo(0L);
            assertThat(m.get("rows_in_db")).as(summary).isEqualTo(m.get("accepted"));
            assertThat(m.get("lag_end_messages")).as(summary).isEqualTo(0L);
        }
    }
}
