package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ./creditflow demo} with its default policy, {@code log}, in a child JVM: the slow subscription lags on disk,
 * catches up when it speeds up at the end, and every acknowledged message reaches both consumers.
 */
class DemoLogTest {
    private CliChild demo;

    @AfterEach
    void stop() throws InterruptedException {
        if (demo != null) {
            CliChild.destroyAll(java.util.List.of(demo));
        }
    }

    @Test
    void theSlowConsumerLagsOnDiskCatchesUpAndNothingAcknowledgedIsLost() throws Exception {
        demo = CliChild.start("demo", "--duration", "3s", "--rate", "5000", "--json");
        assertThat(demo.awaitExit(Duration.ofSeconds(90)))
                .as(demo.tail().toString())
                .isZero();
        JsonNode s = new ObjectMapper().readTree(demo.jsonLine());
        assertThat(s.get("policy").asText()).isEqualTo("log");
        long acknowledged = s.get("acknowledged").asLong();
        assertThat(acknowledged)
                .as(s.toString())
                .isPositive()
                .isEqualTo(s.get("produced").asLong());
        assertThat(s.get("lost").asLong()).as(s.toString()).isZero();
        assertThat(s.get("dropped").asLong()).isZero();
        assertThat(s.get("delivered_fast").asLong()).isEqualTo(acknowledged);
        assertThat(s.get("delivered_slow").asLong()).isEqualTo(acknowledged);
        assertThat(s.get("out_of_order").asLong()).isZero();
        // The slow one (100 msg/s) fell behind by nearly everything, on disk: in the broker's budget only the
        // tail cache of the records appended last (4 MiB), whatever the lag.
        assertThat(s.get("slow_lag_peak_messages").asLong()).isGreaterThan(acknowledged / 2);
        assertThat(s.get("disk_peak_bytes").asLong()).isGreaterThan(acknowledged * 1024 / 2);
        assertThat(s.get("broker_buffered_peak_bytes").asLong()).isLessThanOrEqualTo(4L << 20);
        assertThat(s.get("catch_up_s").asDouble()).isGreaterThanOrEqualTo(0);
    }
}
