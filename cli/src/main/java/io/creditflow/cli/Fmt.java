package io.creditflow.cli;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.ManagementFactory;

/** Number formatting and process memory figures for the command line. */
final class Fmt {
    private Fmt() {}

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format("%.1f KiB", b / 1024.0);
        }
        return String.format("%.1f MiB", b / (1024.0 * 1024));
    }

    static String rate(double perSecond) {
        return String.format("%,.0f", perSecond);
    }

    static double heapMib() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    }

    /**
     * Heap still in use after a full collection: what is live, not garbage waiting for the collector.
     * Costs a full GC; call it once, not per row.
     */
    static double liveHeapMib() {
        System.gc();
        return heapMib();
    }

    /** Direct memory held by Netty's allocator (the JDK's JMX pools do not see it). */
    static double directMib() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                        .metric()
                        .usedDirectMemory()
                / (1024.0 * 1024);
    }
}
