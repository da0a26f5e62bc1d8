package io.creditflow.bench.harness;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * How busy the machine already is before measuring: the 1-minute load average ({@code /proc/loadavg})
 * against the cores, and the CPU that other processes used over a short sample ({@code /proc/stat}
 * busy time minus this process's own CPU time).
 *
 * @param load1 the 1-minute load average, or -1 if unknown
 * @param cores available processors
 * @param busyCores cores' worth of CPU in use over the sample, all processes, or -1
 * @param otherCores the same less this process, or -1
 * @param sampleSeconds the sample's length
 */
public record MachineLoad(double load1, int cores, double busyCores, double otherCores, double sampleSeconds) {

    /** Busy if the load average is at least half the cores or others used a fifth of a core or more. */
    public boolean busy() {
        return load1 >= cores * 0.5 || otherCores >= 0.2;
    }

    public String describe() {
        return String.format(
                Locale.ROOT,
                "load average (1 min) %.2f on %d cores; other processes used %.2f cores " + "over a %.1f s sample",
                load1,
                cores,
                otherCores,
                sampleSeconds);
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("load1", load1);
        m.put("cores", cores);
        m.put("other_cpu_cores", otherCores);
        m.put("busy", busy());
        return m;
    }

    /** Samples {@code /proc} over {@code millis}; unknown figures are -1 off Linux. */
    public static MachineLoad sample(long millis) throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        double load = -1;
        try {
            load = parseLoadAverage(Files.readString(Path.of("/proc/loadavg")));
        } catch (IOException | IllegalArgumentException e) {
            // not Linux
        }
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long[] a = readStat();
        long ownA = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        Thread.sleep(millis);
        long[] b = readStat();
        long ownB = os.getProcessCpuTime();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (a == null || b == null || b[0] <= a[0]) {
            return new MachineLoad(load, cores, -1, -1, seconds);
        }
        double busyShare = (double) ((b[0] - b[1]) - (a[0] - a[1])) / (b[0] - a[0]);
        int statCpus = (int) Math.max(1, a[2]);
        double busy = busyShare * statCpus;
        double own = (ownB - ownA) / 1e9 / seconds;
        return new MachineLoad(load, cores, busy, Math.max(0, busy - own), seconds);
    }

    private static long[] readStat() {
        try {
            return parseStat(Files.readString(Path.of("/proc/stat")));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The first field of {@code /proc/loadavg}. */
    static double parseLoadAverage(String text) {
        String[] f = text.trim().split("\\s+");
        if (f.length < 3) {
            throw new IllegalArgumentException("not a loadavg line: " + text);
        }
        return Double.parseDouble(f[0]);
    }

    /**
     * From {@code /proc/stat}: {total jiffies, idle jiffies (idle + iowait), number of cpuN lines}, from
     * the aggregate "cpu" line (user nice system idle iowait irq softirq steal; guest time is already in
     * user).
     */
    static long[] parseStat(String text) {
        long total = -1;
        long idle = -1;
        long cpus = 0;
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 0) {
                continue;
            }
            if (f[0].equals("cpu")) {
                if (f.length < 5) {
                    throw new IllegalArgumentException("short cpu line: " + line);
                }
                total = 0;
                for (int i = 1; i < Math.min(f.length, 9); i++) {
                    total += Long.parseLong(f[i]);
                }
                idle = Long.parseLong(f[4]) + (f.length > 5 ? Long.parseLong(f[5]) : 0);
            } else if (f[0].matches("cpu\\d+")) {
                cpus++;
            }
        }
        if (total < 0) {
            throw new IllegalArgumentException("no aggregate cpu line");
        }
        return new long[] {total, idle, cpus};
    }
}
