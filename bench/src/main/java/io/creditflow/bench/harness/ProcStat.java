package io.creditflow.bench.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's CPU time from {@code /proc/PID/stat} (Linux): {@code utime + stime}, fields 14 and 15,
 * in clock ticks of {@value #TICKS_PER_SECOND} per second (USER_HZ, which Linux fixes at 100 for user
 * space on every architecture the bench runs on). It counts every thread of the JVM (JIT, GC, event
 * loops), as {@code getProcessCpuTime} does, and is what {@code top} and {@code ps} report.
 */
final class ProcStat {
    static final int TICKS_PER_SECOND = 100;

    private ProcStat() {}

    /**
     * utime + stime in ticks from one {@code stat} line. The second field (the command) is in
     * parentheses and may itself hold spaces and parentheses, so fields are counted after the last ')'.
     */
    static long cpuTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc stat line: " + Json.abbreviate(statLine));
        }
        String[] rest = statLine.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state); utime is field 14, stime field 15
        if (rest.length < 13) {
            throw new IllegalArgumentException("short /proc stat line: " + Json.abbreviate(statLine));
        }
        return Long.parseLong(rest[11]) + Long.parseLong(rest[12]);
    }

    /** This process's CPU seconds, or a negative number where /proc is not readable. */
    static double selfCpuSeconds() {
        try {
            String line = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
            return cpuTicks(line) / (double) TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
