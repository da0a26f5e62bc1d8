package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.server.Server;
import io.creditflow.transport.EndpointBuilder;
import io.creditflow.transport.Message;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamStats;
import io.netty.channel.epoll.Epoll;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * creditflow's receiving side: a {@link Server} with default settings (epoll where it loads, a 1 MiB
 * stream window), except a larger stream cap when the run opens more streams than the default allows.
 * A stream the run never holds is received in push mode with unlimited demand ({@code request(Long.MAX_VALUE)},
 * so the 1 MiB byte window alone bounds it); a held one (slow, or stalled at the mark) in pull mode,
 * drained on the event loop while it is read at once and left alone while held: its messages stay in
 * the receive queue and keep their credit. {@code cfPush=false} puts every stream in pull mode.
 */
public final class CfReceiver implements Receiver {
    static final String STREAM_KEY = "i";
    private static final int HELD_STATS_LIMIT = 64;

    private final AtomicInteger accepted = new AtomicInteger();
    private AtomicReferenceArray<Stream> streams;
    private RunContext ctx;
    private Server server;

    @Override
    public int start(RunContext c) throws Exception {
        this.ctx = c;
        RunSpec spec = c.spec();
        this.streams = new AtomicReferenceArray<>(spec.totalStreams());
        Server.Builder b = Server.builder().host("127.0.0.1").port(0).streamHandler(this::onStream);
        if (spec.maxConcurrentStreams() > 0) {
            b.maxConcurrentStreams(spec.maxConcurrentStreams());
        }
        if (spec.payloadBytes() > EndpointBuilder.DEFAULT_MAX_MESSAGE_BYTES) {
            b.maxMessageBytes(spec.payloadBytes());
        }
        if (spec.windows() != null) { // S10 chooses; otherwise creditflow's default
            b.adaptiveWindows(spec.windows().equals("adaptive"));
        }
        server = b.build().start();
        return server.port();
    }

    private StreamListener onStream(Stream stream) {
        int i = Integer.parseInt(stream.metadata().get(STREAM_KEY));
        streams.set(i, stream);
        accepted.incrementAndGet();
        RunSpec spec = ctx.spec();
        if (spec.cfPush() && !spec.isSlow(i) && !spec.stallAtMark()) {
            return new StreamListener() {
                @Override
                public void onOpen(Stream s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onMessage(Stream s, Message m) {
                    ctx.consumed(i, m.payload());
                }
            };
        }
        return new PullListener() {
            @Override
            public void onReadable(Stream s) {
                if (ctx.held(i)) {
                    return;
                }
                drain(i, s);
            }
        };
    }

    private void drain(int i, Stream s) {
        for (; ; ) {
            if (ctx.held(i)) {
                return;
            }
            try (Message m = s.poll(0, TimeUnit.NANOSECONDS)) {
                if (m == null) {
                    return;
                }
                ctx.consumed(i, m.payload());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (StreamClosedException e) {
                return;
            }
        }
    }

    @Override
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void consumeOne(int i) {
        Stream s = streams.get(i);
        if (s == null) {
            return;
        }
        try (Message m = s.poll(0, TimeUnit.NANOSECONDS)) {
            if (m != null) {
                ctx.consumed(i, m.payload());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The held streams' own count of received, unconsumed bytes (skipped for thousands of streams). */
    @Override
    public long heldBytes() {
        int n = streams.length();
        if (n > HELD_STATS_LIMIT) {
            return -1;
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            Stream s = streams.get(i);
            if (s != null && ctx.held(i)) {
                sum += s.stats().receiveBufferedBytes();
            }
        }
        return sum;
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", Epoll.isAvailable() ? "epoll" : "nio");
        m.put("receive_mode", ctx.spec().cfPush() ? "push (pull for held streams)" : "pull");
        m.put("window_bytes", EndpointBuilder.DEFAULT_STREAM_WINDOW_BYTES);
        m.put("receive_budget_peak_bytes", server.memoryBudget().peakReservedBytes());
        m.put("receive_budget_bytes", server.memoryBudget().limitBytes());
        Stream first = streams.length() > 0 ? streams.get(0) : null;
        if (first != null) { // where stream 0's window ended up (S10)
            StreamStats st = first.stats();
            m.put("window_target_bytes", st.receiveWindowTargetBytes());
            m.put("window_reason", st.receiveWindowReason().name());
            m.put("rtt_ms", st.rttNanos() / 1e6);
            m.put("drain_bytes_per_s", st.drainBytesPerSecond());
        }
        return m;
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
