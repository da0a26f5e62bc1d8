package io.creditflow.bench.harness;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Direct memory, two ways. First Netty's own allocator metric: for creditflow and raw Netty the
 * default allocator; for gRPC the allocators of its shaded Netty (gRPC's private pooled allocators,
 * reached through {@code io.grpc.netty.Utils.getByteBufAllocator}, and the shaded default). Second the
 * JDK's "direct" buffer pool, which counts Netty's memory too as long as Netty allocates through
 * {@code ByteBuffer.allocateDirect} (the children run without the flags that let it bypass the JDK).
 */
public final class DirectMemory {
    private final LongSupplier netty;
    private final BufferPoolMXBean jdk;

    private DirectMemory(LongSupplier netty) {
        this.netty = netty;
        BufferPoolMXBean found = null;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                found = b;
            }
        }
        this.jdk = found;
    }

    /** The probe for a child of {@code system} (only that system's Netty is touched). */
    public static DirectMemory forSystem(SystemKind system) {
        return new DirectMemory(system.isGrpc() ? grpcNetty() : DirectMemory::unshadedNetty);
    }

    /** Bytes Netty's allocator(s) hold in direct memory, or -1 if unknown. */
    public long nettyBytes() {
        return netty.getAsLong();
    }

    /** Bytes the JDK's direct buffer pool counts, or -1 if unknown. */
    public long jdkBytes() {
        return jdk == null ? -1 : jdk.getMemoryUsed();
    }

    private static long unshadedNetty() {
        ByteBufAllocator a = ByteBufAllocator.DEFAULT;
        return a instanceof ByteBufAllocatorMetricProvider p ? p.metric().usedDirectMemory() : -1;
    }

    private static LongSupplier grpcNetty() {
        List<Object> allocators = new ArrayList<>();
        Map<Object, Boolean> seen = new IdentityHashMap<>();
        try {
            Class<?> utils = Class.forName("io.grpc.netty.shaded.io.grpc.netty.Utils");
            Method get = utils.getDeclaredMethod("getByteBufAllocator", boolean.class);
            get.setAccessible(true);
            for (boolean forceHeap : new boolean[] {false, true}) {
                Object a = get.invoke(null, forceHeap);
                if (a != null && seen.put(a, Boolean.TRUE) == null) {
                    allocators.add(a);
                }
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // gRPC's private allocators are not reachable in this version: the shaded default only
        }
        Object dflt = io.grpc.netty.shaded.io.netty.buffer.PooledByteBufAllocator.DEFAULT;
        if (seen.put(dflt, Boolean.TRUE) == null) {
            allocators.add(dflt);
        }
        return () -> {
            long sum = 0;
            for (Object a : allocators) {
                if (a instanceof io.grpc.netty.shaded.io.netty.buffer.ByteBufAllocatorMetricProvider p) {
                    sum += p.metric().usedDirectMemory();
                }
            }
            return sum;
        };
    }
}
