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
 * gRPC's receiving side: a grpc-netty-shaded server and manual flow control: a stream read at once asks
 * for the next message with {@code request(1)} as each arrives ({@code grpc}) or asks once for unlimited
 * demand, as creditflow's push mode does ({@code grpc-tuned}, where the pinned window alone bounds it); a
 * held stream asks only when the paced reader says so, or never once stalled, so the rest waits in
 * gRPC's buffers and window.
 *
 * <p>{@code grpc}: default settings (the default executor, a thread hop per message; the default
 * transport; a 1 MiB initial window that the BDP estimator may grow, whose grown size gRPC does not
 * expose, so the row reports no window size). {@code grpc-tuned}: {@code directExecutor()} (messages
 * are delivered on the event loop) and the window pinned at 1 MiB ({@code flowControlWindow}, which
 * turns the BDP estimator off), so the row's 1 MiB is the window it really had.
 */
public final class GrpcReceiver implements Receiver {
    private final boolean tuned;
    private final AtomicInteger accepted = new AtomicInteger();
    private AtomicReferenceArray<ServerCall<byte[], byte[]>> calls;
    /** Per stream: the paced reader's requests not yet answered by a message (kept at most 2). */
    private AtomicIntegerArray outstanding;

    private RunContext ctx;
    private Server server;

    /** {@code tuned}: grpc-tuned's configuration, else gRPC's defaults. */
    public GrpcReceiver(boolean tuned) {
        this.tuned = tuned;
    }

    @Override
    public int start(RunContext c) throws Exception {
        this.ctx = c;
        int n = c.spec().totalStreams();
        calls = new AtomicReferenceArray<>(n);
        outstanding = new AtomicIntegerArray(n);
        ServerServiceDefinition service = ServerServiceDefinition.builder(GrpcBench.SERVICE)
                .addMethod(GrpcBench.METHOD, this::startCall)
                .build();
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .addService(service);
        if (tuned) {
            b.directExecutor().flowControlWindow(GrpcBench.DEFAULT_WINDOW_BYTES);
        }
        server = b.build().start();
        return server.getPort();
    }

    private ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
        int i = Integer.parseInt(headers.get(GrpcBench.STREAM_KEY));
        calls.set(i, call);
        accepted.incrementAndGet();
        // grpc-tuned reads a stream that is never held with unlimited demand; one that may be held asks per message.
        boolean unlimited = tuned && !ctx.spec().isSlow(i) && !ctx.spec().stallAtMark();
        if (unlimited) {
            call.request(Integer.MAX_VALUE);
        } else if (!ctx.held(i)) {
            call.request(1);
        }
        return new ServerCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                ctx.consumed(i, message);
                if (unlimited) {
                    return;
                }
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
        if (tuned) {
            m.put(
                    "receive_mode",
                    "directExecutor; request(Integer.MAX_VALUE) for streams read at once, request(1) per message "
                            + "for held ones");
            m.put("window_bytes", GrpcBench.DEFAULT_WINDOW_BYTES);
            m.put("windows", "fixed (flowControlWindow, BDP estimator off)");
        } else {
            m.put("receive_mode", "default executor; manual flow control, request(1) per message");
            m.put("window_bytes", null); // 1 MiB initial, then the BDP estimator's: the grown size is not exposed
            m.put("windows", "bdp-estimator (1 MiB initial, may grow; size not exposed)");
        }
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
