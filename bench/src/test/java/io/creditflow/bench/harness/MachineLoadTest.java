package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MachineLoadTest {
    @Test
    void parsesTheLoadAverage() {
        assertThat(MachineLoad.parseLoadAverage("2.34 2.26 1.64 5/124 11500\n")).isEqualTo(2.34);
        assertThatThrownBy(() -> MachineLoad.parseLoadAverage("garbage")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parsesTheAggregateCpuLineAndCountsCpus() {
        String stat = """
                cpu  100 5 50 1000 20 3 2 1 7 0
                cpu0 50 2 25 500 10 1 1 0 3 0
                cpu1 50 3 25 500 10 2 1 1 4 0
                intr 12345
                ctxt 999
                """;
        long[] v = MachineLoad.parseStat(stat);
        // total = user..steal (guest is already counted in user), idle = idle + iowait
        assertThat(v[0]).isEqualTo(100 + 5 + 50 + 1000 + 20 + 3 + 2 + 1);
        assertThat(v[1]).isEqualTo(1020);
        assertThat(v[2]).isEqualTo(2);
        assertThatThrownBy(() -> MachineLoad.parseStat("intr 1\n")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsThisMachinesProcFiles() throws Exception {
        if (!Files.exists(Path.of("/proc/stat"))) {
            return;
        }
        MachineLoad.parseStat(Files.readString(Path.of("/proc/stat")));
        MachineLoad load = MachineLoad.sample(200);
        assertThat(load.cores()).isPositive();
        assertThat(load.load1()).isGreaterThanOrEqualTo(0);
        assertThat(load.busyCores()).isBetween(0.0, 1.5 * Math.max(load.cores(), 64));
        assertThat(load.otherCores()).isGreaterThanOrEqualTo(0);
        assertThat(load.describe()).contains("load average", "cores");
    }

    @Test
    void busyMeansHalfTheCoresLoadedOrOthersUsingAFifthOfACore() {
        assertThat(new MachineLoad(0.2, 2, 0.1, 0.05, 1).busy()).isFalse();
        assertThat(new MachineLoad(1.0, 2, 0.1, 0.05, 1).busy()).isTrue();
        assertThat(new MachineLoad(0.2, 2, 0.5, 0.4, 1).busy()).isTrue();
    }

    @Test
    void everyRowSaysWhetherTheMachineWasBusy() {
        Scenario s1 = Scenario.catalogue(Profile.QUICK).get(0);
        assertThat(Row.of(s1, SystemKind.NETTY_NAIVE, new MachineLoad(1.0, 2, 0.1, 0.05, 1).toMap())
                        .get("machine_busy"))
                .isEqualTo(true);
        assertThat(Row.of(s1, SystemKind.NETTY_NAIVE, new MachineLoad(0.2, 2, 0.1, 0.05, 1).toMap())
                        .get("machine_busy"))
                .isEqualTo(false);
    }
}
