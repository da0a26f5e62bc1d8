package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.client.Client;
import io.creditflow.transport.Connection;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.netty.channel.epoll.Epoll;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * creditflow's sending side: one {@link Client} with default settings (one I/O thread, epoll where it
 * loads), the run's connections and streams with default options (BLOCK, 256 KiB send queue).
 * {@link #trySend} is {@link Stream#offer}, which never queues past the send queue's bound; when it
 * says NO_CREDIT the loop waits for {@code onReady}.
 */
public final class CfSender implements Sender {
    private final ReadySignal ready = new ReadySignal();
    private RunSpec spec;
    private Client client;
    private Stream[] streams;

    @Override
    public void open(RunContext ctx, String host, int port) throws Exception {
        spec = ctx.spec();
        client = Client.builder().build();
        streams = new Stream[spec.totalStreams()];
        StreamListener listener = new StreamListener() {
            @Override
            public void onReady(Stream s) {
                ready.signal();
            }
        };
        // Connect all at once, as gRPC's channels and Netty's bootstrap do, then open the streams.
        List<CompletableFuture<Connection>> connecting = new ArrayList<>();
        for (int c = 0; c < spec.connections(); c++) {
            connecting.add(client.connectAsync(host, port).toCompletableFuture());
        }
        for (int c = 0; c < spec.connections(); c++) {
            Connection conn = connecting.get(c).get(60, TimeUnit.SECONDS);
            for (int s = 0; s < spec.streamsPerConnection(); s++) {
                int i = c * spec.streamsPerConnection() + s;
                streams[i] = conn.openStream(StreamOptions.builder()
                        .metadata(CfReceiver.STREAM_KEY, Integer.toString(i))
                        .listener(listener)
                        .build());
            }
        }
    }

    @Override
    public int streams() {
        return streams.length;
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        OfferResult r = streams[stream].offer(payload);
        if (r == OfferResult.CLOSED) {
            throw new IllegalStateException("stream " + stream + " closed: " + streams[stream].closeFuture());
        }
        return r == OfferResult.ACCEPTED;
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        for (Stream s : streams) {
            if (s.isReady()) { // also arms onReady for the streams that are not
                return;
            }
        }
        ready.await(timeoutNanos);
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", Epoll.isAvailable() ? "epoll" : "nio");
        if (streams.length <= 64) {
            long queued = 0; // in the send queues of the streams the receiver holds
            for (int i = 0; i < streams.length; i++) {
                if (spec.isSlow(i) || spec.stallAtMark()) {
                    queued += streams[i].stats().sendQueuedBytes();
                }
            }
            m.put("send_queued_bytes", queued);
        }
        return m;
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
    }
}
