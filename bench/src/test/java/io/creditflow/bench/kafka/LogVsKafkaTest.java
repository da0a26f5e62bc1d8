package io.creditflow.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The comparison's own logic, without starting a broker. */
class LogVsKafkaTest {
    @Test
    void readsMemoryAndCpuFromProcTexts() {
        String status = """
                Name:\tjava
                VmPeak:\t 3090076 kB
                VmHWM:\t  283392 kB
                VmRSS:\t  265536 kB
                Threads:\t92
                """;
        assertThat(ProcStatus.kib(status, "VmRSS")).isEqualTo(265_536);
        assertThat(ProcStatus.kib(status, "VmHWM")).isEqualTo(283_392);
        assertThat(ProcStatus.kib(status, "VmSwap")).isEqualTo(-1);
        assertThatThrownBy(() -> ProcStatus.kib("Threads:\t92\n", "Threads"))
                .isInstanceOf(IllegalArgumentException.class);
        // the command may hold spaces and parentheses: fields count from the last ')'
        String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 92 0 1000 0 0";
        assertThat(ProcStatus.cpuTicks(stat)).isEqualTo(1234 + 567);
        assertThatThrownBy(() -> ProcStatus.cpuTicks("4242 java S")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsThisProcess() {
        if (!java.nio.file.Files.exists(java.nio.file.Path.of("/proc/self/status"))) {
            return;
        }
        long pid = ProcessHandle.current().pid();
        long[] mem = ProcStatus.memory(pid);
        assertThat(mem[0]).isPositive();
        assertThat(mem[1]).isGreaterThanOrEqualTo(mem[0]);
        assertThat(ProcStatus.cpuSeconds(pid)).isPositive();
    }

    @Test
    void tallyCountsLossDuplicatesAndReordering() {
        SequenceTally t = new SequenceTally();
        for (long s : new long[] {0, 1, 2, 2, 4, 3, 5}) {
            t.record(s);
        }
        assertThat(t.distinct()).isEqualTo(6);
        assertThat(t.duplicates()).isEqualTo(1);
        assertThat(t.outOfOrder()).isEqualTo(1);
        assertThat(t.missingBelow(6)).isZero();
        assertThat(t.missingBelow(8)).isEqualTo(2);
        assertThatThrownBy(() -> t.record(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void paceHoldsTheRateWithoutSavingUpIdleTime() throws Exception {
        Workload.Pace none = new Workload.Pace(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            none.await(() -> false);
        }
        assertThat(System.nanoTime() - t0).isLessThan(1_000_000_000L);
        Workload.Pace p = new Workload.Pace(1000); // 1 ms apart
        long start = System.nanoTime();
        for (int i = 0; i < 21; i++) {
            p.await(() -> false);
        }
        assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(20_000_000L); // 20 intervals at least
        Workload.Pace slow = new Workload.Pace(0.001); // one slot per 1000 s: released at once instead
        slow.await(() -> false); // the first slot is now
        long r0 = System.nanoTime();
        slow.await(() -> true);
        assertThat(System.nanoTime() - r0).isLessThan(1_000_000_000L);
    }

    @Test
    void spreadIsMedianAndRange() {
        assertThat(Spread.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Spread(2, 1, 3, 3));
        assertThat(Spread.of(List.of(4.0, 1.0, 2.0, 3.0)).median()).isEqualTo(2.5);
        assertThat(Spread.of(List.of()).format(0)).isEqualTo("-");
        assertThat(Spread.of(List.of(31685.0, 30000.0, 33002.4)).format(0)).isEqualTo("31,685 (30,000..33,002)");
    }

    @Test
    void parsesOptionsAndRefusesBadOnes() {
        LogVsKafka.Options o = LogVsKafka.Options.parse(new String[] {
            "--rounds",
            "1",
            "--window",
            "2.5",
            "--warmup",
            "0",
            "--systems",
            "kafka",
            "--kafka-producer",
            "linger.ms=0",
            "--cf-fsync",
            "never",
            "--allow-busy",
            "--producer-rate",
            "25000"
        });
        assertThat(o.producerRate).isEqualTo(25_000);
        assertThat(o.rounds).isEqualTo(1);
        assertThat(o.windowMs).isEqualTo(2500);
        assertThat(o.warmupMs).isZero();
        assertThat(o.systems).containsExactly("kafka");
        assertThat(o.kafkaProducer).containsExactly("linger.ms=0");
        assertThat(o.cfFsync).isEqualTo("never");
        assertThat(o.allowBusy).isTrue();
        LogVsKafka.Options d = LogVsKafka.Options.parse(new String[0]);
        assertThat(d.rounds).isEqualTo(3);
        assertThat(d.windowMs).isEqualTo(20_000);
        assertThat(d.cfFsync).isEqualTo("batch");
        assertThat(d.cfLogMaxBytes).isEqualTo(8L << 30);
        for (String[] bad : List.of(
                new String[] {"--window", "0"},
                new String[] {"--systems", "nats"},
                new String[] {"--kafka-flush", "sometimes"},
                new String[] {"--kafka-producer", "acks"},
                new String[] {"--rounds"},
                new String[] {"--bogus", "1"},
                new String[] {"--cf-fsync", "maybe"},
                new String[] {"--producer-rate", "-1"})) {
            assertThatThrownBy(() -> LogVsKafka.Options.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void kafkaSettingsAreLoopbackKraftWithAcksAllAndIdempotence() {
        Properties b = KafkaBrokerMain.properties(java.nio.file.Path.of("d"), 19092, 19093, "default");
        assertThat(b.getProperty("listeners")).isEqualTo("PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093");
        assertThat(b.getProperty("process.roles")).isEqualTo("broker,controller");
        assertThat(b).doesNotContainKey("log.flush.interval.messages");
        assertThat(KafkaBrokerMain.properties(java.nio.file.Path.of("d"), 1, 2, "each")
                        .getProperty("log.flush.interval.messages"))
                .isEqualTo("1");
        assertThatThrownBy(() -> KafkaBrokerMain.properties(java.nio.file.Path.of("d"), 1, 2, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        Properties p = KafkaWorkload.producerProperties("127.0.0.1:1", Map.of("linger.ms", "0"));
        assertThat(p.getProperty("acks")).isEqualTo("all");
        assertThat(p.getProperty("enable.idempotence")).isEqualTo("true");
        assertThat(p.getProperty("linger.ms")).isEqualTo("0");
    }

    @Test
    void summaryGivesMediansRangesAndRatios() {
        List<Map<String, Object>> runs = List.of(
                run("creditflow", 90_000, 0, 150),
                run("creditflow", 100_000, 0, 160),
                run("creditflow", 120_000, 0, 170),
                run("kafka", 30_000, 0, 280),
                run("kafka", 31_000, 0, 283),
                run("kafka", 35_000, 0, 290));
        String s = LogVsKafka.summary(runs, List.of("creditflow", "kafka"));
        assertThat(s)
                .contains("| producer msgs/s (acknowledged) | 100,000 (90,000..120,000) | 31,000 (30,000..35,000) "
                        + "| 3.23 |");
        assertThat(s)
                .contains("| broker RSS peak, MiB (sampled VmRSS, 50 ms) | 160 (150..170) | 283 (280..290) | 0.57 |");
        assertThat(s).contains("6 run(s), 0 on a busy machine, 0 failed");
    }

    private static Map<String, Object> run(String system, double rate, long lost, double rss) {
        return Map.of(
                "system",
                system,
                "producer_acked_msgs_per_s",
                rate,
                "slow_lost",
                lost,
                "broker_rss_peak_mib",
                rss,
                "busy",
                false);
    }
}
