package io.creditflow.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * Heap and direct memory figures: Netty's pooled direct memory is invisible to JMX, so read the allocator; the
 * JDK's own direct buffers ({@code ByteBuffer.allocateDirect}, the NIO temporary buffers) are the "direct" pool.
 */
public final class Memory {
    private Memory() {}

    /** Direct memory held by Netty's default allocator (what pooled buffers cost, chunk-granular). */
    public static long nettyDirectBytes() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
    }

    /**
     * Direct memory outside Netty's pool: the JDK's direct buffers ({@code ByteBuffer.allocateDirect}, the NIO
     * temporary buffers), less Netty's chunks where Netty allocates them as JDK direct buffers.
     */
    public static long otherDirectBytes() {
        long jdk = jdkDirectBytes();
        return PlatformDependent.useDirectBufferNoCleaner() ? jdk : jdk - nettyDirectBytes();
    }

    /** Direct memory of the JDK's direct buffers (not Netty's pooled chunks when Netty allocates without them). */
    public static long jdkDirectBytes() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return 0;
    }

    public static long heapUsedBytes() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap in use after a full collection, for growth comparisons. */
    public static long heapAfterGcBytes() {
        System.gc();
        return heapUsedBytes();
    }
}
