package io.creditflow.transport.internal;

import io.creditflow.proto.core.NanoClock;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.StreamListener;
import io.netty.buffer.ByteBuf;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ConnectionHandler} (server role unless told otherwise) in an {@link EmbeddedPeer} with frozen
 * time: {@link #advance} moves the injected clock and the channel's scheduler together.
 */
final class Harness implements AutoCloseable {
    final long[] now = {1_000_000_000L};
    final NanoClock clock = () -> now[0];
    /** Streams the handler accepted (before the inner stream handler ran). */
    final List<Stream> accepted = new ArrayList<>();

    final EmbeddedPeer p;

    Harness(TestEndpoint endpoint, StreamHandler handler, boolean handlerIsClient) {
        StreamHandler inner = handler == null ? s -> StreamListener.PULL : handler;
        p = new EmbeddedPeer(
                endpoint.clock(clock)
                        .streamHandler(s -> {
                            accepted.add(s);
                            return inner.onStream(s);
                        })
                        .build(),
                handlerIsClient);
    }

    static Harness server(TestEndpoint endpoint) {
        return new Harness(endpoint, null, false);
    }

    static Harness server(TestEndpoint endpoint, StreamHandler handler) {
        return new Harness(endpoint, handler, false);
    }

    Harness handshake() {
        p.handshake();
        p.read();
        return this;
    }

    void advance(Duration d) {
        now[0] += d.toNanos();
        p.channel.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
        p.channel.runScheduledPendingTasks();
        p.channel.runPendingTasks();
    }

    /** Moves time in tick-sized steps so that every periodic tick in between runs. */
    void advanceInTicks(Duration d) {
        long left = d.toNanos();
        while (left > 0) {
            long step = Math.min(left, EndpointSettings.TICK_NANOS);
            advance(Duration.ofNanos(step));
            left -= step;
        }
    }

    void send(Frame f) {
        p.send(f);
    }

    void sendRaw(ByteBuf bytes) {
        p.sendRaw(bytes);
    }

    List<Frame> read() {
        return p.read();
    }

    boolean active() {
        return p.channel.isActive();
    }

    /** The code of the only GoAway in {@code frames}, or null if there is none. */
    static ErrorCode goAwayCode(List<Frame> frames) {
        List<Frame> g = Frames.ofType(frames, Frame.BodyCase.GO_AWAY);
        if (g.size() > 1) {
            throw new AssertionError("more than one GoAway: " + g);
        }
        return g.isEmpty() ? null : g.get(0).getGoAway().getCode();
    }

    @Override
    public void close() {
        p.close();
    }
}
