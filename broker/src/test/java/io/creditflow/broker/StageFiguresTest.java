package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stages beside the broker ({@link StageFigures}) are rendered in /metrics from what they report when asked. */
class StageFiguresTest {
    /** A stage whose figures the test sets. */
    static final class Fixed implements StageFigures {
        volatile long depth;
        volatile String reason = "";

        @Override
        public String stage() {
            return "workers";
        }

        @Override
        public long bound() {
            return 400;
        }

        @Override
        public long depth() {
            return depth;
        }

        @Override
        public double ratePerSecond() {
            return 1500.5;
        }

        @Override
        public String stallReason() {
            return reason;
        }

        @Override
        public Map<String, Number> extra() {
            return Map.of("blocked_workers", reason.isEmpty() ? 0 : 4);
        }
    }

    @Test
    void renderedLiveAndRemovable() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder().port(0).httpPort(-1).build())) {
            Fixed f = new Fixed();
            broker.addStage(f);
            assertThat(broker.metrics()).contains("creditflow_stage_bound{stage=\"workers\"} 400\n",
                    "creditflow_stage_depth{stage=\"workers\"} 0\n",
                    "creditflow_stage_rate_per_second{stage=\"workers\"} 1500.500000\n",
                    "creditflow_stage_stalled{stage=\"workers\",reason=\"none\"} 0\n",
                    "creditflow_stage_figure{stage=\"workers\",name=\"blocked_workers\"} 0\n");
            f.depth = 400;
            f.reason = "lock wait";
            assertThat(broker.metrics()).contains("creditflow_stage_depth{stage=\"workers\"} 400\n",
                    "creditflow_stage_stalled{stage=\"workers\",reason=\"lock wait\"} 1\n",
                    "creditflow_stage_figure{stage=\"workers\",name=\"blocked_workers\"} 4\n");
            assertThat(broker.stages()).containsExactly(f);
            broker.removeStage(f);
            assertThat(broker.metrics()).doesNotContain("creditflow_stage_");
            for (int i = 0; i < Broker.MAX_STAGES; i++) {
                broker.addStage(new Fixed());
            }
            assertThatThrownBy(() -> broker.addStage(new Fixed())).isInstanceOf(IllegalStateException.class);
        }
    }
}
