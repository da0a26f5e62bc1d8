package io.creditflow.bench.harness.grpc;

import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * gRPC's sending side: one plaintext channel per connection, one bidi call per stream. {@link #trySend}
 * sends only while {@link ClientCall#isReady()}; {@code onReady} wakes the loop. {@code grpc}: default
 * settings (onReady threshold 32 KiB, callbacks on the default executor). {@code grpc-tuned}:
 * {@code directExecutor()}, the window pinned at 1 MiB as on the server, and an onReady threshold of
 * {@value GrpcBench#TUNED_ON_READY_THRESHOLD_BYTES} bytes ({@link CallOptions#withOnReadyThreshold}),
 * creditflow's send-queue depth, so both hand the same amount to their transport before saying no.
 */
public final class GrpcSender implements Sender {
    private final boolean tuned;
    private final ReadySignal ready = new ReadySignal();
    private ManagedChannel[] channels;
    private List<ClientCall<byte[], byte[]>> calls;

    /** {@code tuned}: grpc-tuned's configuration, else gRPC's defaults. */
    public GrpcSender(boolean tuned) {
        this.tuned = tuned;
    }

    @Override
    public void open(RunContext ctx, String host, int port) {
        RunSpec spec = ctx.spec();
        channels = new ManagedChannel[spec.connections()];
        calls = new ArrayList<>(spec.totalStreams());
        ClientCall.Listener<byte[]> listener = new ClientCall.Listener<>() {
            @Override
            public void onReady() {
                ready.signal();
            }
        };
        CallOptions options = tuned
                ? CallOptions.DEFAULT.withOnReadyThreshold(GrpcBench.TUNED_ON_READY_THRESHOLD_BYTES)
                : CallOptions.DEFAULT;
        for (int c = 0; c < channels.length; c++) {
            NettyChannelBuilder b = NettyChannelBuilder.forAddress(host, port).usePlaintext();
            if (tuned) {
                b.directExecutor().flowControlWindow(GrpcBench.DEFAULT_WINDOW_BYTES);
            }
            channels[c] = b.build();
            for (int s = 0; s < spec.streamsPerConnection(); s++) {
                int i = calls.size();
                ClientCall<byte[], byte[]> call = channels[c].newCall(GrpcBench.METHOD, options);
                Metadata headers = new Metadata();
                headers.put(GrpcBench.STREAM_KEY, Integer.toString(i));
                call.start(listener, headers);
                calls.add(call);
            }
        }
    }

    @Override
    public int streams() {
        return calls.size();
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        ClientCall<byte[], byte[]> call = calls.get(stream);
        if (!call.isReady()) {
            return false;
        }
        call.sendMessage(payload);
        return true;
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        ready.await(timeoutNanos);
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", GrpcBench.transport());
        m.put("on_ready_threshold_bytes", tuned ? GrpcBench.TUNED_ON_READY_THRESHOLD_BYTES : 32 * 1024);
        return m;
    }

    @Override
    public void close() {
        if (calls != null) {
            for (ClientCall<byte[], byte[]> call : calls) {
                if (call != null) {
                    call.cancel("benchmark run over", null);
                }
            }
        }
        if (channels != null) {
            for (ManagedChannel ch : channels) {
                if (ch != null) {
                    ch.shutdownNow();
                }
            }
            for (ManagedChannel ch : channels) {
                try {
                    if (ch != null) {
                        ch.awaitTermination(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }
}
