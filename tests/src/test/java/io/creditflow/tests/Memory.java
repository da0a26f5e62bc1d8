package io.creditflow.tests;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.ManagementFactory;

/** Heap and direct memory figures: Netty's pooled direct memory is invisible to JMX, so read the allocator. */
final class Memory {
    private Memory() {
    }

    /** Direct memory held by Netty's default allocator (what pooled buffers cost, chunk-granular). */
    static long nettyDirectBytes() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    static long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap in use after a full collection, for growth comparisons. */
    static long heapAfterGcBytes() {
        System.gc();
        return heapUsedBytes();
    }
}
