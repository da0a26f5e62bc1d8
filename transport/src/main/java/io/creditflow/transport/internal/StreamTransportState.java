package io.creditflow.transport.internal;

import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.OutboundFlowController.OutboundStream;
import io.creditflow.proto.core.ReceiveStream;
import io.creditflow.proto.core.SendWindow;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.StreamState;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.StreamListener;
import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * One stream, its loop half: the state the connection's event loop drives, and the only code that writes it.
 * It owns the {@link StreamState} and its transitions ({@link #onRemoteHalfClosed}, {@link #onLocalHalfClosed}),
 * the message staged for the next write, the receive accounting ({@link ReceiveStream}) and the unconsumed
 * wire bytes, stall times, and the close. It is the {@link OutboundFlowController.Source} the write pass asks
 * for messages; the send credit ({@link SendWindow}) is in its {@link OutboundStream} handle. Its application half is
 * {@link DefaultStream} ({@link #stream}), which reaches it only through the {@link CommandQueue}.
 *
 * <p>Event-loop confined, except the fields marked volatile (read elsewhere for stats and readiness) and
 * {@link #stagedBytes()}, which is racy off the loop (stats and {@code isReady}; onReady corrects it).
 */
final class StreamTransportState implements OutboundFlowController.Source {
    final DefaultStream stream;
    /** Read before registration (stats, readiness): no credit, and nothing ever writes it. */
    private static final SendWindow NO_CREDIT_YET = new SendWindow();

    final StallTimer stalls = new StallTimer();
    /** Null until the stream is registered on the loop (its Open written or received). */
    ReceiveStream receive;
    /** Queued for {@link #notifyReadable} at the end of the read batch. */
    boolean readablePending;
    /** Demand requested before {@link #receive} existed (from a local stream's onOpen). */
    long earlyDemand;

    volatile StreamState state = StreamState.OPEN;
    /**
     * The write pass's handle on this stream (its send credit and turn), set once it is known to the peer (Open
     * written or received), when data may be written; null before. Volatile: stats and readiness read it.
     */
    private volatile OutboundStream<StreamTransportState> outbound;
    /** Wire bytes of data frames received and not yet consumed (for the connection's read watermarks). */
    long unconsumedWireBytes;

    boolean halfCloseWritten;
    private Object staged;
    /** Where {@link SendQueue#pollIfAtMost} puts the message it takes (one per stream, not one per poll). */
    private final Consumer<Object> stager = m -> staged = m;

    private volatile int stagedSize = -1;
    volatile CloseStatus closeStatus;

    StreamTransportState(DefaultStream stream) {
        this.stream = stream;
    }

    /** The size of the message staged for the next write, or -1 if none (racy off the loop). */
    long stagedBytes() {
        return staged != null ? Math.max(stagedSize, 0) : -1;
    }

    /** The peer half-closed its direction. */
    void onRemoteHalfClosed() {
        assert stream.connection.inEventLoop();
        state = state.remoteHalfClosed();
    }

    /** Our HalfClose was written. */
    void onLocalHalfClosed() {
        assert stream.connection.inEventLoop();
        halfCloseWritten = true;
        state = state.localHalfClosed();
    }

    // ---------------------------------------------------------------- sending

    /** Event loop: the stream is known to the peer; it sends through {@code flow} from now on. */
    void register(OutboundFlowController<StreamTransportState> flow) {
        assert stream.connection.inEventLoop() && outbound == null;
        outbound = flow.register(this);
    }

    /** True once the stream is known to the peer (Open written or received): data may be written. */
    boolean registered() {
        return outbound != null;
    }

    /** The write pass's handle; event loop, registered streams only. */
    OutboundStream<StreamTransportState> outbound() {
        return outbound;
    }

    /** The send credit; before registration an empty window (racy off the loop: stats and readiness). */
    SendWindow sendWindow() {
        OutboundStream<StreamTransportState> o = outbound;
        return o != null ? o.window() : NO_CREDIT_YET;
    }

    @Override
    public int takeIfFits(long limitBytes) {
        if (staged != null) {
            return stagedSize;
        }
        if (closeStatus != null) {
            return -1;
        }
        int head = stream.sendQueue.pollIfAtMost(limitBytes, stager);
        if (staged != null) {
            stagedSize = head;
            return head;
        }
        if (head < 0 && stream.sendQueue.isFinishing() && stream.sendQueue.isEmpty() && !halfCloseWritten) {
            stream.connection.writeHalfClose(stream);
        }
        return head;
    }

    @Override
    public void write() {
        assert staged != null : "write without a message taken by takeIfFits";
        Object message = staged;
        int size = stagedSize;
        staged = null;
        stagedSize = -1;
        stream.connection.writeData(stream.id, message, size);
        if (stalls.isStalled(StallReason.NO_PEER_CREDIT)) {
            stalls.set(StallReason.NO_PEER_CREDIT, false, stream.connection.time.now());
        }
        if (stream.wantsReady) {
            notifyReadyIfReady();
        }
    }

    @Override
    public void onCreditStall(long neededBytes, boolean reportBlocked) {
        if (!stalls.isStalled(StallReason.NO_PEER_CREDIT)) {
            stalls.set(StallReason.NO_PEER_CREDIT, true, stream.connection.time.now());
        }
        if (reportBlocked) {
            stream.connection.writeBlocked(stream.id, neededBytes);
        }
    }

    /** Credit arrived from the peer. */
    void onCredit(long bytes, long messages) {
        outbound.window().addCredit(bytes, messages);
        if (stream.wantsReady) {
            notifyReadyIfReady();
        }
    }

    void notifyReadyIfReady() {
        if (closeStatus == null && stream.readyNow()) {
            stream.wantsReady = false;
            StreamListener l = stream.listener;
            if (l == null) {
                return;
            }
            try {
                l.onReady(stream);
            } catch (RuntimeException e) {
                stream.connection.onListenerFailure(stream, "onReady", e);
            }
        }
    }

    /** The unwritten head message (for accounting on close). */
    boolean hasStaged() {
        return staged != null;
    }

    // ---------------------------------------------------------------- receiving

    /** A data frame arrived within credit. Push mode delivers it now; pull mode queues it. */
    void onData(ByteBuf payload, int wireBytes) {
        if (stream.pushMode) {
            DefaultMessage m = stream.pushMessage.reset(payload, wireBytes);
            try {
                stream.listener.onMessage(stream, m);
            } catch (RuntimeException e) {
                stream.connection.onListenerFailure(stream, "onMessage", e);
            } finally {
                m.close();
            }
        } else if (stream.pullQueue.add(new DefaultMessage(stream).reset(payload, wireBytes)) && !readablePending) {
            // Announced once the read batch is done, not per frame: the application then takes every message
            // the batch brought in one go (a broker appends them as one batch, one fsync).
            readablePending = true;
            stream.connection.readableAfterBatch(stream);
        }
    }

    /** Event loop, at the end of a read batch: tells a pull stream.listener that its queue became non-empty. */
    void notifyReadable() {
        readablePending = false;
        if (isClosed()) {
            return;
        }
        try {
            ((PullListener) stream.listener).onReadable(stream);
        } catch (RuntimeException e) {
            stream.connection.onListenerFailure(stream, "onReadable", e);
        }
    }

    /**
     * Event loop: an adaptive target may have moved, so pull-mode consumption is handed over in
     * batches of a quarter of it (of the fixed window otherwise), or a slow reader's small target
     * would wait for a quarter of the configured window to be consumed.
     */
    void onWindowTargetChanged() {
        ReceiveStream r = receive;
        if (stream.pullQueue != null && r != null && r.isAdaptive()) {
            stream.pullQueue.applyThresholdBytes(r.windowTargetBytes() / 4);
        }
    }

    /** Event loop, the {@link CommandQueue.Consumed} command (the batch's end flushes the credit it frees). */
    void applyPulledConsumption() {
        long[] c = stream.pullQueue.takeConsumed();
        if (c[1] > 0) {
            stream.connection.onConsumed(stream, c[0], c[1], c[2]);
        }
    }

    /**
     * True when the application has consumed everything received: in pull mode every message was taken
     * <em>and closed</em> (consumption reported to the loop), so memory is released only when it is free.
     */
    boolean receiveDrained() {
        return receive == null || receive.bufferedMessages() == 0;
    }

    void onRemoteHalfClose() {
        if (!stream.pushMode) {
            stream.pullQueue.finish();
        }
        try {
            stream.listener.onHalfClose(stream);
        } catch (RuntimeException e) {
            stream.connection.onListenerFailure(stream, "onHalfClose", e);
        }
    }

    // ---------------------------------------------------------------- event loop: closing

    boolean isClosed() {
        return closeStatus != null;
    }

    /**
     * Ends the stream: discards what is queued (counting it as unsent), releases received data, tells the
     * stream.listener and completes {@link #stream.closeFuture()}. Idempotent. The stream.connection has already removed it.
     */
    void closeWith(CloseStatus status) {
        assert stream.connection.inEventLoop();
        if (closeStatus != null) {
            return;
        }
        state = StreamState.CLOSED;
        long unsent = stream.sendQueue.close(status) + (staged != null ? 1 : 0);
        staged = null;
        CloseStatus finalStatus = status.withUnsent(status.unsentMessages() + unsent);
        closeStatus = finalStatus;
        if (stream.pullQueue != null) {
            stream.pullQueue.close(finalStatus);
        }
        stalls.stopAll(stream.connection.time.now());
        if (stream.listener != null) {
            try {
                stream.listener.onClose(stream, finalStatus);
            } catch (RuntimeException e) {
                stream.connection.onListenerFailure(stream, "onClose", e);
            }
        }
        stream.closeFuture.complete(finalStatus);
    }

    /** Event loop, the {@link CommandQueue.Request} command: {@code n} more messages of push-mode demand. */
    void applyDemand(long n) {
        if (!stream.pushMode) {
            return;
        }
        if (receive == null) {
            // A local stream's onOpen runs before its Open is written: the demand waits for register().
            earlyDemand = Math.min(Long.MAX_VALUE - n, earlyDemand) + n;
        } else if (!receive.isClosed()) {
            stream.connection.inbound().onDemand(receive, n, stream.connection.time.now());
        }
    }
}
