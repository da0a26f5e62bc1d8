package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ProcStatTest {
    @Test
    void readsUtimePlusStimeAfterTheCommandEvenWithSpacesAndParentheses() {
        String line = "4242 (java (bench) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 357 43 0 0 20 0 30 0 123 0 0";
        assertThat(ProcStat.cpuTicks(line)).isEqualTo(400);
        assertThatThrownBy(() -> ProcStat.cpuTicks("no parentheses here")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProcStat.cpuTicks("1 (x) S 1 2")).hasMessageContaining("short");
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void thisProcessCpuGrowsWithWorkAndAgreesWithTheMxBean() {
        var os = (com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        double before = ProcStat.selfCpuSeconds();
        long mxBefore = os.getProcessCpuTime();
        assertThat(before).isPositive();
        long deadline = System.nanoTime() + 5_000_000_000L;
        long x = 0;
        // burn at least 0.3 s of CPU (bounded by time), enough for the 10 ms ticks to move
        while (os.getProcessCpuTime() - mxBefore < 300_000_000L && System.nanoTime() < deadline) {
            for (int i = 0; i < 100_000; i++) {
                x += i * 31L ^ x;
            }
        }
        double after = ProcStat.selfCpuSeconds();
        double mx = (os.getProcessCpuTime() - mxBefore) / 1e9;
        assertThat(x).isNotEqualTo(1); // keep the loop
        assertThat(after - before).isGreaterThan(0.1).isCloseTo(mx, org.assertj.core.data.Offset.offset(0.1));
    }
}
