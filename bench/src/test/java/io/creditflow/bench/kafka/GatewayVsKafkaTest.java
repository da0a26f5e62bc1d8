package io.creditflow.bench.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** S9's own logic (options, summary), without starting Kafka. */
class GatewayVsKafkaTest {
    static Map<String, Object> row(long plain, long gateway, boolean busy) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("plain_msgs_per_s", plain);
        r.put("gateway_msgs_per_s", gateway);
        r.put("ratio", (double) gateway / plain);
        r.put("plain_slow_heap_growth_bytes", 1_000_000L);
        r.put("gateway_slow_heap_growth_bytes", 500_000L);
        r.put("gateway_read_ahead_peak_bytes", 90_000L);
        r.put("busy", busy);
        return r;
    }

    @Test
    void theSummaryGivesMediansAndRangesAndTheRatioPairByPair() {
        String s = GatewayVsKafka.summary(
                List.of(row(10_000, 30_000, false), row(20_000, 30_000, false), row(40_000, 40_000, false)));
        assertThat(s).contains("| plain Kafka consumer, records/s | 20,000 (10,000..40,000) |");
        assertThat(s).contains("| through the gateway, records/s | 30,000 (30,000..40,000) |");
        // pair by pair: 3.0, 1.5, 1.0; not 30,000 / 20,000
        assertThat(s).contains("| gateway / plain (pair by pair) | 1.50 (1.00..3.00) |");
        assertThat(s).contains("3 repetition(s), 0 on a busy machine\n");
    }

    @Test
    void aBusyRepetitionMarksTheFiguresNotPublishable() {
        String s = GatewayVsKafka.summary(List.of(row(10_000, 30_000, false), row(20_000, 30_000, true)));
        assertThat(s).contains("2 repetition(s), 1 on a busy machine (NOT publishable figures)");
    }

    @Test
    void badOptionsAreRefusedWithTheUsage() {
        assertThatThrownBy(() -> GatewayVsKafka.main(new String[] {"--rep", "3"}))
                .hasMessageContaining("unknown option --rep")
                .hasMessageContaining("--wait-quiet");
        assertThatThrownBy(() -> GatewayVsKafka.main(new String[] {"--reps"}))
                .hasMessageContaining("--reps: a value is missing");
        assertThatThrownBy(() -> GatewayVsKafka.main(new String[] {"--reps", "0"}))
                .hasMessageContaining("--reps 1..20");
    }
}
