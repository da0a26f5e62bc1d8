package io.creditflow.bench.harness.grpc;

import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * gRPC's receiving side: a grpc-netty-shaded server with default settings (its default executor and
 * transport, a 1 MiB flow-control window) and manual flow control: a stream read at once asks for the
 * next message with {@code request(1)} as each arrives; a held stream asks only when the paced reader
 * says so, or never once stalled, so the rest waits in gRPC's buffers and window.
 */
public final class GrpcReceiver implements Receiver {
    private final AtomicInteger accepted = new AtomicInteger();
    private AtomicReferenceArray<ServerCall<byte[], byte[]>> calls;
    /** Per stream: the paced reader's requests not yet answered by a message (kept at most 2). */
    private AtomicIntegerArray outstanding;

    private RunContext ctx;
    private Server server;

    @Override
    public int start(RunContext c) throws Exception {
        this.ctx = c;
        int n = c.spec().totalStreams();
        calls = new AtomicReferenceArray<>(n);
        outstanding = new AtomicIntegerArray(n);
        ServerServiceDefinition service = ServerServiceDefinition.builder(GrpcBench.SERVICE)
                .addMethod(GrpcBench.METHOD, this::startCall)
                .build();
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(service)
                .build()
                .start();
        return server.getPort();
    }

    private ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
        int i = Integer.parseInt(headers.get(GrpcBench.STREAM_KEY));
        calls.set(i, call);
        accepted.incrementAndGet();
        if (!ctx.held(i)) {
            call.request(1);
        }
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                ctx.consumed(i, message);
                if (!ctx.held(i)) {
                    call.request(1);
                } else if (outstanding.get(i) > 0) {
                    outstanding.decrementAndGet(i);
                }
            }

            @Override
            public void onHalfClose() {
                call.close(Status.OK, new Metadata());
            }
        };
    }

    @Override
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void consumeOne(int i) {
        ServerCall<byte[], byte[]> call = calls.get(i);
        // A request is answered on gRPC's executor a little later; allow one more in flight so the paced
        // rate holds, but no more, or demand would pile up while nothing waits and then burst.
        if (call != null && outstanding.get(i) < 2) {
            outstanding.incrementAndGet(i);
            call.request(1); // counted when it arrives in onMessage
        }
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", GrpcBench.transport());
        m.put("receive_mode", "manual flow control, request(1) per message");
        m.put("window_bytes", GrpcBench.DEFAULT_WINDOW_BYTES);
        return m;
    }

    @Override
    public void close() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
