package io.creditflow.transport.internal;

import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.transport.ErrorCode;
import io.netty.channel.EventLoop;

/**
 * The parts of one connection that its streams use, and the routes a {@link DefaultStream} takes to them:
 * the stream registry, outbound framing, the write hand-off, read pressure, the receive-side flow
 * controller, and the {@link CommandQueue}, their only route to the event loop. It holds no state of its own beyond the references, so nothing in a stream points back at
 * the Netty handler.
 *
 * <p>Thread-safe to hold; each method says where it may be called. Methods marked "event loop" must run
 * on the connection's event loop (asserted).
 */
final class StreamHost {
    final EndpointSettings settings;
    /** The time of the event the loop is handling (event loop only). */
    final LoopClock time;

    final ConnectionLifecycle lifecycle;
    final EventLoop loop;
    final InboundFlowController flow;
    final OutboundFrames out;
    final StreamWrites writes;
    final ReadPressure pressure;
    final StreamRegistry registry;
    final CommandQueue commands;
    private final DefaultConnection connection;
    /** Pull-mode streams whose queue became non-empty in this read batch: at most one entry per stream. */
    private final java.util.ArrayDeque<DefaultStream> readable = new java.util.ArrayDeque<>();

    StreamHost(
            EndpointSettings settings,
            LoopClock time,
            DefaultConnection connection,
            EventLoop loop,
            InboundFlowController flow,
            OutboundFrames out,
            StreamWrites writes,
            ReadPressure pressure,
            StreamRegistry registry,
            CommandQueue commands) {
        this.settings = settings;
        this.time = time;
        this.connection = connection;
        this.lifecycle = connection.lifecycle();
        this.loop = loop;
        this.flow = flow;
        this.out = out;
        this.writes = writes;
        this.pressure = pressure;
        this.registry = registry;
        this.commands = commands;
    }

    /** The public connection the streams belong to (any thread). */
    DefaultConnection connection() {
        return connection;
    }

    /** True on this connection's event loop thread. */
    boolean inEventLoop() {
        return loop.inEventLoop();
    }

    /** Any thread: hands {@code c} to the event loop, in order with every other command of this connection. */
    void enqueue(CommandQueue.Command c) {
        commands.enqueue(c);
    }

    /** Any thread: the peer's max_message_bytes (0 before the handshake). */
    int peerMaxMessageBytes() {
        return connection.peerMaxMessageBytes();
    }

    /** Any thread: true while reading is paused (consumption is then applied without batching). */
    boolean isReadPaused() {
        return pressure.isPaused();
    }

    /** Event loop: the receive-side flow controller. */
    InboundFlowController inbound() {
        return flow;
    }

    /** Any thread: {@code s} has something to write. */
    void requestWrite(DefaultStream s) {
        writes.requestWrite(s);
    }

    /** Event loop: writes a data frame of {@code s}. */
    void writeData(int streamId, Object message, int size) {
        assert inEventLoop();
        out.writeData(streamId, message, size);
    }

    /** Event loop: tells the peer a message waits for credit. */
    void writeBlocked(int streamId, long neededBytes) {
        assert inEventLoop();
        out.writeBlocked(streamId, neededBytes);
    }

    /** Event loop: flushes what was written. */
    void flushIfNeeded() {
        assert inEventLoop();
        out.flushIfNeeded();
    }

    /** Event loop: writes our HalfClose for {@code s}. */
    void writeHalfClose(DefaultStream s) {
        assert inEventLoop();
        registry.writeHalfClose(s);
    }

    /** Event loop: resets {@code s}. */
    void resetStream(DefaultStream s, ErrorCode code, String reason) {
        assert inEventLoop();
        registry.resetStream(s, code, reason);
    }

    /** Event loop: the application consumed data from {@code s}. */
    void onConsumed(DefaultStream s, long bytes, long messages, long wireBytes) {
        registry.onConsumed(s, bytes, messages, wireBytes);
    }

    /** Event loop: a listener callback of {@code s} threw. */
    void onListenerFailure(DefaultStream s, String callback, RuntimeException e) {
        registry.onListenerFailure(s, callback, e);
    }

    /** Event loop: {@code s}'s pull listener hears {@code onReadable} when the read batch completes. */
    void readableAfterBatch(DefaultStream s) {
        assert inEventLoop();
        readable.add(s);
    }

    /** Event loop, at the end of a read batch: the deferred {@code onReadable} calls, in arrival order. */
    void notifyReadable() {
        DefaultStream s;
        while ((s = readable.poll()) != null) {
            s.transport.notifyReadable();
        }
    }
}
