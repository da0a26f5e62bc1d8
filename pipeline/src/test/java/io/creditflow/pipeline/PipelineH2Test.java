package io.creditflow.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bounded pipeline on embedded H2 with a shortened schedule (12 s of load, the lock from 3 s for 6 s, a 1 MiB
 * topic quota): every accepted event is in the database exactly once, the edge answered 503 during the slow
 * afternoon and never before it, the workers were blocked in the database and withheld their credit, and the lag
 * went back to zero. The second tenant, offering ten times its produce quota, got 429s from the start and the
 * first tenant none, the dashboard's box for it said {@code quota}, and its accepted events are in the database too.
 * The summary is the JSON that {@code ./creditflow pipeline --json} prints.
 */
class PipelineH2Test {
    @Test
    @Timeout(90)
    void slowAfternoonReachesTheClientsAndNothingIsLost() throws Exception {
        PipelineSettings s = new PipelineSettings();
        s.durationS = 12;
        s.slowAtS = 3;
        s.slowForS = 6;
        s.rate = 1000;
        s.logMaxMib = 1;
        s.segmentKib = 128;
        s.clients = 32;
        s.size = 1024; // 1 MiB of log is about 980 events: reached in seconds even on a busy machine
        s.batch = 25;
        s.tenantRate = 200; // ten times its quota, from 8 clients: over it even when each request is slow
        s.tenantQuota = 20;
        s.tenantClients = 8;
        ByteArrayOutputStream rows = new ByteArrayOutputStream();
        Map<String, Object> m = Pipeline.run(s, new PrintStream(rows, true, StandardCharsets.UTF_8));
        String summary = Pipeline.json(m);
        String why = summary + "\n" + rows.toString(StandardCharsets.UTF_8);

        assertThat(m.get("database")).as(why).isEqualTo("h2");
        assertThat((long) m.get("accepted")).as(why).isGreaterThan(1000);
        assertThat(m.get("lost")).as(why).isEqualTo(0L);
        assertThat(m.get("duplicates_in_db")).as(why).isEqualTo(0L);
        assertThat(m.get("rows_in_db")).as(why).isEqualTo(m.get("accepted"));
        // the chain: workers blocked -> credit withheld -> lag on disk up to the quota -> 503 -> clients back off
        assertThat(m.get("blocked_workers_peak")).as(why).isEqualTo(4);
        assertThat(m.get("credit_min_during_slow_messages")).as(why).isEqualTo(0L);
        assertThat((long) m.get("disk_peak_bytes"))
                .as(why)
                .isGreaterThan((long) m.get("log_max_bytes") * 3 / 4)
                .isLessThanOrEqualTo((long) m.get("log_max_bytes"));
        assertThat(m.get("rejected_503_before_slow")).as(why).isEqualTo(0L);
        assertThat((long) m.get("rejected_503")).as(why).isPositive();
        assertThat((double) m.get("first_503_s")).as(why).isGreaterThanOrEqualTo(3.0);
        assertThat((long) m.get("retried")).as(why).isPositive();
        // after the lock: the backlog drained
        assertThat(m.get("drained")).as(why).isEqualTo(true);
        assertThat(m.get("lag_end_messages")).as(why).isEqualTo(0L);
        assertThat((long) m.get("lag_peak_messages")).as(why).isGreaterThan(400);
        assertThat((double) m.get("heap_live_mib")).as(why).isLessThan(200);
        assertThat(rows.toString(StandardCharsets.UTF_8)).as(why).contains(" 4/4 ");
        // the second tenant, over its quota: 429 for it alone, from the start, the lock or not
        assertThat(m.get("quota_tenant")).as(why).isEqualTo("batch");
        assertThat((long) m.get("quota_tenant_rejected_429")).as(why).isPositive();
        assertThat(m.get("rejected_429"))
                .as(why + "\nno 429 for the tenant without a quota")
                .isEqualTo(m.get("quota_tenant_rejected_429"));
        assertThat((double) m.get("quota_tenant_first_429_s")).as(why).isBetween(0.0, 3.0);
        assertThat((long) m.get("quota_tenant_retried")).as(why).isPositive();
        assertThat((long) m.get("quota_tenant_accepted"))
                .as(why + "\nat most its quota, 20 msg/s, for 12 s (and a little more), plus its 1 s burst")
                .isPositive()
                .isLessThanOrEqualTo(20 * 13 + 20);
        assertThat(m.get("quota_tenant_lost")).as(why).isEqualTo(0L);
        // the dashboard's box for it, from the page's own data, said why it was held back
        assertThat((List<?>) m.get("quota_tenant_dashboard_stalls"))
                .as(why)
                .anySatisfy(r -> assertThat((String) r).startsWith("quota"));
        assertThat((int) m.get("quota_tenant_dashboard_quota_s")).as(why).isPositive();
    }
}
