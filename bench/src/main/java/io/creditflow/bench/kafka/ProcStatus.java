package io.creditflow.bench.kafka;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A process's memory and CPU as Linux reports them: {@code VmRSS} and {@code VmHWM} (the resident set and
 * its high-water mark since the process started) from {@code /proc/PID/status}, and user plus system CPU
 * from {@code /proc/PID/stat}. Unknown figures are -1 (not Linux, or the process is gone).
 */
final class ProcStatus {
    /** {@code /proc/PID/stat} counts CPU in clock ticks; USER_HZ is 100 on every Linux build we run on. */
    static final int TICKS_PER_SECOND = 100;

    private ProcStatus() {}

    /** The value in KiB of a {@code kB} field such as {@code VmRSS} in a {@code /proc/PID/status} text, or -1. */
    static long kib(String status, String field) {
        for (String line : status.split("\n")) {
            if (line.startsWith(field + ":")) {
                String[] f = line.substring(field.length() + 1).trim().split("\\s+");
                if (f.length == 2 && f[1].equals("kB")) {
                    return Long.parseLong(f[0]);
                }
                throw new IllegalArgumentException("not a kB field: " + line);
            }
        }
        return -1;
    }

    /** User plus system CPU ticks from a {@code /proc/PID/stat} line (fields 14 and 15, after the command). */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a stat line: " + stat);
        }
        // After ") " come field 3 (state) onwards: utime is field 14, so index 11 here.
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        if (f.length < 13) {
            throw new IllegalArgumentException("short stat line: " + stat);
        }
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** {VmRSS, VmHWM} of {@code pid} in bytes, each -1 if unknown. */
    static long[] memory(long pid) {
        try {
            String s = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
            long rss = kib(s, "VmRSS");
            long hwm = kib(s, "VmHWM");
            return new long[] {rss < 0 ? -1 : rss * 1024, hwm < 0 ? -1 : hwm * 1024};
        } catch (IOException | IllegalArgumentException e) {
            return new long[] {-1, -1};
        }
    }

    /** CPU seconds (user + system) {@code pid} used so far, or -1. */
    static double cpuSeconds(long pid) {
        try {
            return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))) / (double) TICKS_PER_SECOND;
        } catch (IOException | IllegalArgumentException e) {
            return -1;
        }
    }
}
