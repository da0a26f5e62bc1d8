package io.creditflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The naive sink (unbounded queue, acknowledge on receipt) in a 32 MiB child JVM under the supervisor: while the
 * database holds its lock the child dies of OutOfMemoryError, is restarted, reads the backlog into its queue and
 * dies again; the events it had acknowledged are missing from the database, counted by SQL.
 */
class NaiveCrashLoopTest {
    @Test
    @Timeout(120)
    void diesAtLeastTwiceAndLosesAcknowledgedEvents() throws Exception {
        PipelineSettings s = new PipelineSettings();
        s.naive = true;
        s.naiveHeapMib = 32;
        s.durationS = 24;
        s.slowAtS = 2;
        s.slowForS = 20;
        s.rate = 1000;
        s.size = 16384;
        s.logMaxMib = 40;
        ByteArrayOutputStream rows = new ByteArrayOutputStream();
        Map<String, Object> m = Pipeline.run(s, new PrintStream(rows, true, StandardCharsets.UTF_8));
        String why = Pipeline.json(m) + "\n" + rows.toString(StandardCharsets.UTF_8);

        assertThat(m.get("mode")).as(why).isEqualTo("naive");
        assertThat((long) m.get("oom_deaths")).as(why).isGreaterThanOrEqualTo(2);
        assertThat((long) m.get("restarts")).as(why).isGreaterThanOrEqualTo(2);
        assertThat((long) m.get("lost")).as(why).isPositive();
        assertThat((long) m.get("rows_in_db") - (long) m.get("duplicates_in_db") + (long) m.get("lost"))
                .as(why + "\nevery accepted event is either in the table or lost")
                .isEqualTo((long) m.get("accepted") + (long) m.get("in_db_not_acknowledged"));
    }
}
