package io.creditflow.transport.internal;

import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.WriteScheduler;
import io.netty.channel.Channel;
import java.util.function.BooleanSupplier;

/**
 * The send side of a connection's streams: application threads post a stream that has something to write
 * ({@link #requestWrite}) as a command on the connection's {@link CommandQueue}; the loop hands it to the
 * {@link OutboundFlowController} (credit, fairness, writability), and the batch ends with one write pass and one
 * flush.
 *
 * <p>Event-loop confined, except {@link #requestWrite} and {@link #passLater}, which are thread-safe;
 * {@link #requestWrite} from the loop itself skips the command queue.
 */
final class StreamWrites {
    private final Channel channel;
    private final CommandQueue commands;
    private final ConnectionLifecycle lifecycle;
    private final OutboundFrames out;
    private final StallTimer stalls;
    private final LoopClock time;
    private final BooleanSupplier writable;
    /** Created once the peer's handshake tells its connection window; null before. */
    private OutboundFlowController<StreamTransportState> flow;

    private boolean passNeeded;

    StreamWrites(
            Channel channel,
            CommandQueue commands,
            ConnectionLifecycle lifecycle,
            OutboundFrames out,
            StallTimer stalls,
            LoopClock time) {
        this.channel = channel;
        this.commands = commands;
        this.lifecycle = lifecycle;
        this.out = out;
        this.stalls = stalls;
        this.time = time;
        this.writable = out::isChannelWritable;
    }

    /** The peer's handshake arrived: sending starts with its initial connection window. */
    void start(long initialConnectionWindowBytes) {
        flow = new OutboundFlowController<>(
                WriteScheduler.roundRobin(),
                EndpointSettings.WRITE_QUANTUM_BYTES,
                Credits.fromUint64(initialConnectionWindowBytes));
    }

    /** The send-side flow controller, or null before the handshake. */
    OutboundFlowController<StreamTransportState> flow() {
        return flow;
    }

    /** Any thread: {@code s} has something to write (or to half-close); at most one command per stream queued. */
    void requestWrite(DefaultStream s) {
        if (channel.eventLoop().inEventLoop() && flow != null && s.transport.registered()) {
            // Already on the loop (a consumer's onReady offering its next message, a broker dispatching): straight
            // into the write scheduler, not through the command queue, which cost a node, a CAS and a command per
            // message. The pass runs at the end of this read batch or command batch, or in the drain asked for here
            // (coalesced). Safe inside a write pass: the scheduler takes the stream for a later turn.
            if (!s.transport.isClosed() && !lifecycle.isClosed()) {
                flow.onStreamReady(s.transport.outbound());
                passNeeded = true;
                commands.scheduleDrain();
            }
            return;
        }
        if (s.writeRequested.compareAndSet(false, true)) {
            commands.enqueue(new CommandQueue.StreamWritable(s));
        }
    }

    /**
     * Event loop, the {@link CommandQueue.StreamWritable} command: {@code s} joins the write pass at the batch's
     * end. A local stream whose {@code onOpen} queued a message before its {@link CommandQueue.OpenStream} was
     * queued is not registered yet: {@link StreamRegistry#register} asks again once its Open is written.
     */
    void onWritable(DefaultStream s) {
        assert channel.eventLoop().inEventLoop();
        s.writeRequested.set(false);
        if (s.transport.registered() && !s.transport.isClosed() && flow != null) {
            flow.onStreamReady(s.transport.outbound());
        }
    }

    /** Event loop, at the end of a command batch: the write pass and its flush. */
    void afterCommands() {
        writePass();
        out.flushIfNeeded();
    }

    /** Credit or a revoke changed what {@code s} may send: schedule it for the pass at the batch's end. */
    void onStreamChanged(DefaultStream s) {
        assert channel.eventLoop().inEventLoop();
        if (s.transport.registered()) {
            flow.onStreamReady(s.transport.outbound());
            passNeeded = true;
        }
    }

    /** The peer granted connection credit. */
    void addConnectionCredit(long bytes) {
        flow.addConnectionCredit(bytes);
        passNeeded = true;
    }

    /** Runs the write pass that this read batch made necessary, if any. */
    void writePassIfNeeded() {
        if (passNeeded) {
            passNeeded = false;
            writePass();
        }
    }

    /**
     * Writes what credit, fairness and writability allow now. Never from inside a control frame's write: the
     * writability handler schedules {@link #passLater} instead when a backlog flush made the channel writable
     * (see {@link OutboundFrames#isInBacklogFlush()}), so passes never nest.
     */
    void writePass() {
        assert channel.eventLoop().inEventLoop();
        if (flow == null || lifecycle.isClosed()) {
            return;
        }
        flow.writePass(writable);
        long now = time.now();
        stalls.set(StallReason.CHANNEL_NOT_WRITABLE, !channel.isWritable() && flow.scheduledStreams() > 0, now);
        stalls.set(StallReason.NO_PEER_CREDIT, flow.isConnectionCreditStalled(), now);
    }

    /** A write pass (and its flush) as a task on the loop, after what runs now; coalesced with any pending one. */
    void passLater() {
        commands.scheduleDrain();
    }
}
