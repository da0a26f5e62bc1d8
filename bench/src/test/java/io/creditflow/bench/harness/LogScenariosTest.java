package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The durable topic log's scenarios (S8-log, S11): their catalogue entries, rows and tables, from made-up results. */
class LogScenariosTest {
    private static Scenario scenario(String id) {
        return Scenario.catalogue(Profile.DEFAULT).stream()
                .filter(s -> s.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private static Row analyse(String id, Map<String, Object> rcv, Map<String, Object> snd, List<Row> earlier) {
        Scenario sc = scenario(id);
        double rate = sc.fixedRate();
        RunResult run = new RunResult(sc, sc.spec(SystemKind.CREDITFLOW, rate, true), rcv, snd, true);
        return Analysis.row(run, earlier, null);
    }

    /** A broker run's sender line: the producer (index 0) and 16 consumers, the last one slow. */
    private static Map<String, Object> brokerSender(long produced, long fastEach, long slow) {
        List<Object> consumed = new ArrayList<>();
        consumed.add(0L);
        for (int i = 1; i < 16; i++) {
            consumed.add(fastEach);
        }
        consumed.add(slow);
        Map<String, Object> m = new HashMap<>();
        m.put("sent_msgs", List.of(produced));
        m.put("consumed_msgs", consumed);
        m.put("slow_evicted", false);
        m.put("slow_gap_records", 0L);
        return m;
    }

    private static Map<String, Object> receiver(double window) {
        Map<String, Object> m = new HashMap<>();
        m.put("window_s", window);
        return m;
    }

    @Test
    void theDurableScenariosAreCreditflowOnlyAndNameWhatTheyCompareWith() {
        Scenario log = scenario("S8-log");
        assertThat(log.policy()).isEqualTo("log");
        assertThat(log.fsync()).isEqualTo("batch");
        assertThat(log.dependsOn()).isEqualTo("S8-disconnect");
        assertThat(log.systems()).containsExactly(SystemKind.CREDITFLOW);
        assertThat(scenario("S11-log").dependsOn()).isEqualTo("S11-memory");
        assertThat(scenario("S11-memory").fsync()).isNull();
        assertThat(scenario("S11-log-1k").fixedRate()).isEqualTo(1000);
        assertThat(scenario("S11-catch-up").backlogBytes()).isEqualTo(1L << 30);
        assertThat(Scenario.catalogue(Profile.QUICK).stream()
                        .filter(s -> s.id().equals("S11-catch-up"))
                        .findFirst()
                        .orElseThrow()
                        .backlogBytes())
                .isEqualTo(256L << 20);
        RunSpec spec = log.spec(SystemKind.CREDITFLOW, 0, true);
        assertThat(spec.durable()).isTrue();
        assertThat(spec.isSlow(16)).isTrue();
        assertThat(spec.isSlow(15)).isFalse();
        assertThat(SystemKind.CREDITFLOW.expectedAccepted(spec)).isEqualTo(17);
        assertThat(SystemKind.CREDITFLOW.expectedAccepted(scenario("S11-log").spec(SystemKind.CREDITFLOW, 0, true)))
                .isEqualTo(2);
        assertThat(SystemKind.CREDITFLOW.expectedAccepted(
                        scenario("S11-catch-up").spec(SystemKind.CREDITFLOW, 0, true)))
                .isEqualTo(1);
        assertThat(Row.notApplicable(scenario("S11-log"), SystemKind.GRPC, null).get("note"))
                .isEqualTo("the broker is built on creditflow");
    }

    @Test
    void s8LogIsAFractionOfDisconnectAndTheSlowConsumerLosesNothing() {
        Row disconnect = analyse("S8-disconnect", receiver(2), brokerSender(100_000, 50_000, 0), List.of());
        assertThat(disconnect.number("fast_consumers_msgs_per_s")).isEqualTo(375_000);
        Map<String, Object> rcv = receiver(2);
        rcv.put("log_disk_peak_bytes", 300L << 20);
        rcv.put("log_unread_records_dropped", 0L);
        rcv.put("log_slow_skipped_records", 0L);
        rcv.put("log_slow_lag_records", 90_000L);
        rcv.put("log_hold_events", 0L);
        Row log = analyse("S8-log", rcv, brokerSender(90_000, 45_000, 200), List.of(disconnect));
        assertThat(log.ok()).isTrue();
        assertThat(log.get("fsync")).isEqualTo("batch");
        assertThat(log.number("fast_consumers_msgs_per_s")).isEqualTo(337_500);
        assertThat(log.number("fast_ratio_vs_reference")).isEqualTo(0.9);
        assertThat(log.get("reference_scenario")).isEqualTo("S8-disconnect");
        assertThat(log.number("slow_lost_records")).isZero();
        assertThat(log.number("disk_peak_bytes")).isEqualTo(300 << 20);
        assertThat(log.number("log_slow_lag_records")).isEqualTo(90_000);

        rcv.put("log_slow_skipped_records", 7L);
        rcv.put("log_unread_records_dropped", 3L);
        Row lossy = analyse("S8-log", rcv, brokerSender(90_000, 45_000, 200), List.of());
        assertThat(lossy.number("slow_lost_records")).isEqualTo(10);
        assertThat(lossy.number("fast_ratio_vs_reference")).isNull();
        assertThat(lossy.get("note")).isEqualTo("no S8-disconnect rate from this invocation to compare with");
    }

    private static Map<String, Object> producerSender(long produced, Double p50, Double p99) {
        Map<String, Object> m = new HashMap<>();
        m.put("sent_msgs", List.of(produced));
        m.put("consumed_msgs", List.of(0L, produced));
        if (p50 != null) {
            m.put("p50_us", p50);
            m.put("p99_us", p99);
            m.put("p999_us", p99 * 2);
            m.put("max_us", p99 * 3);
            m.put("latency_count", produced);
        }
        return m;
    }

    @Test
    void s9ComparesTheLogsProducerRateWithTheInMemoryTopicsAndReportsAcknowledgementLatency() {
        Row memory = analyse("S11-memory", receiver(5), producerSender(1_000_000, 300.0, 900.0), List.of());
        assertThat(memory.number("producer_msgs_per_s")).isEqualTo(200_000);
        assertThat(memory.number("producer_ratio_vs_reference")).isNull();
        Map<String, Object> rcv = receiver(5);
        rcv.put("log_disk_peak_bytes", 600L << 20);
        Row log = analyse("S11-log", rcv, producerSender(600_000, 2_000.0, 8_000.0), List.of(memory));
        assertThat(log.ok()).isTrue();
        assertThat(log.number("producer_ratio_vs_reference")).isEqualTo(0.6);
        assertThat(log.number("consumer_msgs_per_s")).isEqualTo(120_000);
        assertThat(log.number("ack_p50_us")).isEqualTo(2_000);
        assertThat(log.number("ack_p99_us")).isEqualTo(8_000);
        assertThat(log.number("ack_samples")).isEqualTo(600_000);
        assertThat(log.number("disk_peak_bytes")).isEqualTo(600 << 20);

        Row low = analyse("S11-log-1k", receiver(5), producerSender(5_000, 900.0, 1_500.0), List.of(memory));
        assertThat(low.number("offered_msgs_per_s")).isEqualTo(1000);
        assertThat(low.number("producer_msgs_per_s")).isEqualTo(1000);

        Row none = analyse("S11-log", receiver(5), producerSender(5_000, null, null), List.of(memory));
        assertThat(none.status()).isEqualTo("error");
        Map<String, Object> failed = producerSender(5_000, 1.0, 2.0);
        failed.put("ack_failure", "CANCEL: gone");
        assertThat(analyse("S11-log", receiver(5), failed, List.of(memory)).get("note"))
                .isEqualTo("acknowledgements stopped: CANCEL: gone");
    }

    private static Map<String, Object> catchUpSender(boolean done, long records) {
        Map<String, Object> m = new HashMap<>();
        m.put("catch_up_done", done);
        m.put("catch_up_records", records);
        m.put("catch_up_expected_records", 1L << 20);
        m.put("catch_up_s", done ? 4.0 : null);
        m.put("catch_up_first_record_s", 0.01);
        m.put("catch_up_mib_per_s", 256.0);
        m.put("catch_up_records_per_s", 262_144.0);
        return m;
    }

    @Test
    void theCatchUpSaysColdOnlyWhenThePageCacheWasDroppedAndWhetherItFinished() {
        Map<String, Object> rcv = receiver(30);
        rcv.put("page_cache_dropped", true);
        rcv.put("backlog_records", 1L << 20);
        rcv.put("backlog_disk_bytes", 1_100_000_000L);
        Row cold = analyse("S11-catch-up", rcv, catchUpSender(true, 1L << 20), List.of());
        assertThat(cold.ok()).isTrue();
        assertThat(cold.get("cache")).isEqualTo("cold");
        assertThat(cold.get("note")).isNull();
        assertThat(cold.number("catch_up_mib_per_s")).isEqualTo(256);
        assertThat(cold.number("catch_up_s")).isEqualTo(4);

        rcv.put("page_cache_dropped", false);
        rcv.put("page_cache_drop_error", "java.nio.file.AccessDeniedException: /proc/sys/vm/drop_caches");
        Row warm = analyse("S11-catch-up", rcv, catchUpSender(false, 1000), List.of());
        assertThat(warm.get("cache")).isEqualTo("warm");
        assertThat((String) warm.get("note"))
                .startsWith("warm: the page cache was not dropped (java.nio.file.Access")
                .endsWith("did not finish: 1000 of 1048576 records in the window, the rate is the partial one");
        assertThat(analyse("S11-catch-up", rcv, catchUpSender(false, 0), List.of())
                        .status())
                .isEqualTo("error");
    }

    @Test
    void theTablesShowTheLogColumns() {
        Row disconnect = analyse("S8-disconnect", receiver(2), brokerSender(100_000, 50_000, 0), List.of());
        Map<String, Object> rcv = receiver(2);
        rcv.put("log_disk_peak_bytes", 300L << 20);
        Row log = analyse("S8-log", rcv, brokerSender(95_000, 47_500, 200), List.of(disconnect));
        Row memory = analyse("S11-memory", receiver(5), producerSender(1_000_000, 300.0, 900.0), List.of());
        Row s9 = analyse("S11-log", receiver(5), producerSender(600_000, 2_000.0, 8_000.0), List.of(memory));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Report.table(
                BenchOptions.parse("--scenario", "S8-log,S11-log").selected(),
                List.of(disconnect, log, memory, s9),
                new PrintStream(out, true));
        String text = out.toString();
        assertThat(text)
                .contains(
                        "vs disconnect",
                        "slow lost",
                        "disk peak",
                        "0.95",
                        "300.0 MiB",
                        "vs memory",
                        "ack p99 us",
                        "S11-memory",
                        "S11-log",
                        "0.60",
                        "8000");
    }
}
