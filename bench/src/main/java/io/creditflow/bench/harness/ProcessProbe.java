package io.creditflow.bench.harness;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * A child's own figures over a run's measured window: CPU seconds ({@code utime + stime} of
 * {@code /proc/self/stat}, see {@link ProcStat}; {@code getProcessCpuTime} where /proc is missing, and
 * beside it as {@code cpu_mxbean_s}), and heap, direct memory and the
 * receiver's held bytes sampled every {@value #SAMPLE_MILLIS} ms on a daemon thread (which also
 * samples the {@link Meter}'s tracked streams).
 */
public final class ProcessProbe {
    static final int SAMPLE_MILLIS = 20;
    private static final double MIB = 1024.0 * 1024;

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final DirectMemory direct;
    private volatile Meter meter;
    private volatile LongSupplier held = () -> -1;
    private volatile boolean sampling;
    // Peaks since the mark, written by the sampler thread only.
    private volatile long heapPeak;
    private volatile long nettyPeak;
    private volatile long jdkPeak;
    private volatile long heldPeak = -1;
    private long heapAtMark;
    private long nettyAtMark;
    private long jdkAtMark;
    private long cpuAtMark;
    private double procCpuAtMark;
    private long nanosAtMark;
    private long heapAfterGcAtMark = -1;

    public ProcessProbe(DirectMemory direct) {
        this.direct = direct;
        Thread t = new Thread(this::loop, "bench-probe");
        t.setDaemon(true);
        t.start();
    }

    /** Starts sampling for a run. {@code heldBytes} is the receiver's own figure of bytes held, or -1. */
    public void begin(Meter m, LongSupplier heldBytes) {
        this.meter = m;
        this.held = heldBytes == null ? () -> -1 : heldBytes;
        resetPeaks();
        this.sampling = true;
    }

    private void resetPeaks() {
        heapPeak = 0;
        nettyPeak = 0;
        jdkPeak = 0;
        heldPeak = -1;
    }

    private void loop() {
        for (; ; ) {
            LockSupport.parkNanos(SAMPLE_MILLIS * 1_000_000L);
            if (!sampling) {
                continue;
            }
            try {
                sample();
            } catch (RuntimeException e) {
                // a probe must never take the child down
            }
        }
    }

    private void sample() {
        Meter m = meter;
        if (m != null) {
            m.sampleSeries(System.nanoTime());
        }
        long heap = memory.getHeapMemoryUsage().getUsed();
        long n = direct.nettyBytes();
        long j = direct.jdkBytes();
        long h = held.getAsLong();
        if (heap > heapPeak) {
            heapPeak = heap;
        }
        if (n > nettyPeak) {
            nettyPeak = n;
        }
        if (j > jdkPeak) {
            jdkPeak = j;
        }
        if (h > heldPeak) {
            heldPeak = h;
        }
    }

    /** Start of the measured window (after a full GC if {@code gc}). */
    public void mark(boolean gc) {
        if (gc) {
            heapAfterGcAtMark = heapAfterGc();
        }
        heapAtMark = memory.getHeapMemoryUsage().getUsed();
        nettyAtMark = direct.nettyBytes();
        jdkAtMark = direct.jdkBytes();
        resetPeaks();
        sample();
        cpuAtMark = os.getProcessCpuTime();
        procCpuAtMark = ProcStat.selfCpuSeconds();
        nanosAtMark = System.nanoTime();
    }

    /** End of the window: the figures, then sampling stops. */
    public Map<String, Object> stop(boolean gc) {
        long cpu = os.getProcessCpuTime() - cpuAtMark;
        double procCpu = ProcStat.selfCpuSeconds();
        long nanos = System.nanoTime() - nanosAtMark;
        sample();
        sampling = false;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("window_s", nanos / 1e9);
        if (procCpu >= 0 && procCpuAtMark >= 0) { // /proc/self/stat utime + stime over the window
            r.put("cpu_s", procCpu - procCpuAtMark);
            r.put("cpu_source", "/proc/self/stat utime+stime");
        } else {
            r.put("cpu_s", cpu / 1e9);
            r.put("cpu_source", "OperatingSystemMXBean.getProcessCpuTime");
        }
        r.put("cpu_mxbean_s", cpu / 1e9);
        r.put("heap_peak_mib", heapPeak / MIB);
        r.put("heap_at_mark_mib", heapAtMark / MIB);
        r.put("direct_peak_mib", nettyPeak < 0 ? null : nettyPeak / MIB);
        r.put("direct_at_mark_mib", nettyAtMark < 0 ? null : nettyAtMark / MIB);
        r.put("direct_jdk_peak_mib", jdkPeak < 0 ? null : jdkPeak / MIB);
        r.put("direct_jdk_at_mark_mib", jdkAtMark < 0 ? null : jdkAtMark / MIB);
        r.put("held_peak_bytes", heldPeak < 0 ? null : heldPeak);
        if (gc) {
            r.put("heap_after_gc_at_mark_mib", heapAfterGcAtMark / MIB);
            r.put("heap_after_gc_at_stop_mib", heapAfterGc() / MIB);
        }
        return r;
    }

    /**
     * The live heap: what the heap pools held right after a full collection (two, so finalizable objects
     * settle), as the collector itself reports it, so allocations by other threads just after the
     * collection do not count.
     */
    public long heapAfterGc() {
        System.gc();
        System.gc();
        long used = 0;
        boolean known = false;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.isCollectionUsageThresholdSupported()) {
                MemoryUsage u = pool.getCollectionUsage();
                if (u != null) {
                    used += u.getUsed();
                    known = true;
                }
            }
        }
        return known ? used : memory.getHeapMemoryUsage().getUsed();
    }
}
