package io.creditflow.transport.internal;

import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.WriteScheduler;
import io.creditflow.transport.CloseStatus;
import io.netty.channel.Channel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The send side of a connection's streams: application threads post a stream that has something to write
 * ({@link #requestWrite}); one task per batch runs a write pass of the {@link OutboundFlowController}
 * (credit, fairness, writability) and one flush.
 *
 * <p>Event-loop confined, except {@link #requestWrite}, which is thread-safe.
 */
final class StreamWrites {
    private final Channel channel;
    private final Executor loop;
    private final ConnectionLifecycle lifecycle;
    private final OutboundFrames out;
    private final StallTimer stalls;
    private final EndpointSettings settings;
    private final ConcurrentLinkedQueue<DefaultStream> requests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean taskScheduled = new AtomicBoolean();
    private final Runnable task = this::runWriteTask;
    private final BooleanSupplier writable;
    /** Created once the peer's handshake tells its connection window; null before. */
    private OutboundFlowController<DefaultStream> flow;
    private boolean passNeeded;

    StreamWrites(Channel channel, Executor loop, ConnectionLifecycle lifecycle, OutboundFrames out,
                 StallTimer stalls, EndpointSettings settings) {
        this.channel = channel;
        this.loop = loop;
        this.lifecycle = lifecycle;
        this.out = out;
        this.stalls = stalls;
        this.settings = settings;
        this.writable = out::isChannelWritable;
    }

    /** The peer's handshake arrived: sending starts with its initial connection window. */
    void start(long initialConnectionWindowBytes) {
        flow = new OutboundFlowController<>(WriteScheduler.roundRobin(), EndpointSettings.WRITE_QUANTUM_BYTES,
                Credits.fromUint64(initialConnectionWindowBytes));
    }

    /** The send-side flow controller, or null before the handshake. */
    OutboundFlowController<DefaultStream> flow() {
        return flow;
    }

    /** Any thread: {@code s} has something to write (or to half-close); coalesced into one task per batch. */
    void requestWrite(DefaultStream s) {
        if (s.writeRequested.compareAndSet(false, true)) {
            requests.add(s);
            if (taskScheduled.compareAndSet(false, true)) {
                loop.execute(task);
            }
        }
    }

    private void runWriteTask() {
        assert channel.eventLoop().inEventLoop();
        taskScheduled.set(false);
        DefaultStream s;
        while ((s = requests.poll()) != null) {
            s.writeRequested.set(false);
            if (s.registered && !s.isClosed() && flow != null) {
                flow.onStreamReady(s);
            }
        }
        writePass();
        out.flushIfNeeded();
    }

    /** Credit or a revoke changed what {@code s} may send: schedule it for the pass at the batch's end. */
    void onStreamChanged(DefaultStream s) {
        assert channel.eventLoop().inEventLoop();
        if (s.registered) {
            flow.onStreamReady(s);
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
        long now = settings.clock().nanoTime();
        stalls.set(StallReason.CHANNEL_NOT_WRITABLE, !channel.isWritable() && flow.scheduledStreams() > 0, now);
        stalls.set(StallReason.NO_PEER_CREDIT, flow.isConnectionCreditStalled(), now);
    }

    /** A write pass (and its flush) as a task on the loop, after what runs now; coalesced with any pending one. */
    void passLater() {
        if (taskScheduled.compareAndSet(false, true)) {
            loop.execute(task);
        }
    }

    /** Teardown: closes the streams still waiting in the queue (opened locally but never registered). */
    void closeWaiting(CloseStatus cut) {
        DefaultStream s;
        while ((s = requests.poll()) != null) {
            s.closeWith(cut);
        }
    }
}
