package io.creditflow.transport.internal;

import io.creditflow.proto.core.InboundFlowController.ReceiveStream;
import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.SendWindow;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.core.WindowReason;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import io.creditflow.transport.WindowMode;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream: the public {@link Stream} API on the application's side, and the send/receive state the
 * connection's event loop drives.
 *
 * <p>Threading: the public methods are thread-safe. They reach the event loop only through the
 * bounded {@link SendQueue}, the {@link ReceiveQueue} (pull mode) and tasks on the connection's loop.
 * Fields without a comment are event-loop confined; {@link #state} is volatile for readers elsewhere.
 */
final class DefaultStream implements Stream, OutboundFlowController.Source {
    final StreamHost connection;
    final int id;
    final boolean local;
    private final Map<String, String> metadata;
    /** Set once by {@link #bind} before the stream is registered; volatile for other threads. */
    volatile StreamListener listener;
    volatile boolean pushMode;
    volatile ReceiveQueue pullQueue;
    private DefaultMessage pushMessage;
    final SendQueue sendQueue;
    final SendWindow sendWindow = new SendWindow();
    final StallTimer stalls = new StallTimer();
    private final CompletableFuture<CloseStatus> closeFuture = new CompletableFuture<>();
    /** Set while the stream sits in the connection's write-request queue (any thread). */
    final AtomicBoolean writeRequested = new AtomicBoolean();

    ReceiveStream receive;
    /** Event loop: queued for {@link #notifyReadable} at the end of the read batch. */
    boolean readablePending;
    /** Event loop: demand requested before {@link #receive} existed (from a local stream's onOpen). */
    long earlyDemand;
    volatile StreamState state = StreamState.OPEN;
    /** True once the stream is known to the peer (Open written or received): data may be written. */
    boolean registered;
    /** Wire bytes of data frames received and not yet consumed (for the connection's read watermarks). */
    long unconsumedWireBytes;
    boolean halfCloseWritten;
    private boolean scheduled;
    private Object staged;
    private int stagedSize = -1;
    /** Set by the application when isReady() returned false; the loop answers with onReady. */
    volatile boolean wantsReady = true;
    private final Runnable readyCheck = () -> {
        if (wantsReady) {
            notifyReadyIfReady();
        }
    };
    private CloseStatus closeStatus;
    final WindowMode windowMode;

    DefaultStream(StreamHost connection, int id, boolean local, Map<String, String> metadata,
                  StreamOptions options) {
        this.connection = connection;
        this.id = id;
        this.local = local;
        this.metadata = metadata;
        this.sendQueue = new SendQueue(options.overflowPolicy(), options.sendQueueBytes(),
                options.sendQueueMessages(), options.maxPendingSends(), this::requestWrite);
        this.windowMode = options.windowMode();
        if (!local) {
            // The stream handler may hand the stream to a thread that polls before the handler returns.
            this.pullQueue = newPullQueue();
        }
    }

    private ReceiveQueue newPullQueue() {
        EndpointSettings s = connection.settings;
        return new ReceiveQueue(s.streamWindowBytes() / 4, s.streamWindowMessages() / 4);
    }

    /**
     * Chooses the receive mode: pull for any {@link PullListener} (including {@link StreamListener#PULL}),
     * push for every other listener; then calls its {@code onOpen}.
     */
    void bind(StreamListener listener) {
        if (listener instanceof PullListener) {
            if (pullQueue == null) {
                this.pullQueue = newPullQueue();
            }
        } else {
            this.pushMessage = new DefaultMessage(this);
            this.pushMode = true;
            ReceiveQueue early = pullQueue;
            this.pullQueue = null;
            if (early != null) {
                early.rejectPolls("poll is for pull-mode streams; this stream has a listener");
            }
        }
        this.listener = listener;
        listener.onOpen(this); // exceptions go to the caller, who refuses the stream
    }

    // ---------------------------------------------------------------- public API, any thread

    @Override
    public int id() {
        return id;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Connection connection() {
        return connection.connection();
    }

    private int checkSize(int size) {
        int max = connection.peerMaxMessageBytes();
        if (size > max) {
            throw new MessageTooLargeException(size, max);
        }
        return size;
    }

    @Override
    public OfferResult offer(byte[] message) {
        return afterOffer(sendQueue.offer(message, checkSize(message.length)));
    }

    @Override
    public OfferResult offer(ByteBuffer message) {
        return afterOffer(sendQueue.offer(message, checkSize(message.remaining())));
    }

    /**
     * An offer that found the queue full asks for onReady, as a false {@link #isReady()} does: the
     * queue may have had room for a smaller message, so isReady could have said true just before.
     */
    private OfferResult afterOffer(OfferResult result) {
        if (result == OfferResult.QUEUE_FULL || result == OfferResult.DROPPED) {
            wantReady();
        }
        return result;
    }

    @Override
    public CompletionStage<Void> send(byte[] message) {
        return sendQueue.sendAsync(message, checkSize(message.length));
    }

    @Override
    public CompletionStage<Void> send(ByteBuffer message) {
        return sendQueue.sendAsync(message, checkSize(message.remaining()));
    }

    @Override
    public void send(byte[] message, long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
        EventLoops.checkNotOnEventLoop("blocking send");
        sendQueue.sendBlocking(message, checkSize(message.length), unit.toNanos(timeout));
    }

    @Override
    public void send(ByteBuffer message, long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
        EventLoops.checkNotOnEventLoop("blocking send");
        sendQueue.sendBlocking(message, checkSize(message.remaining()), unit.toNanos(timeout));
    }

    @Override
    public boolean isReady() {
        boolean ready = readyNow();
        if (!ready) {
            wantReady();
        }
        return ready;
    }

    /**
     * The application saw "not ready" and waits for onReady. Off the loop, the loop may have made the
     * stream ready (written the queue out, taken credit) between our look and our flag, and checked the
     * flag before we set it: that onReady would be lost, and nothing else might ever come (an empty queue
     * and unused credit produce no event). So the first thread to set the flag also asks the loop to look
     * once more, with the loop's own view of the state.
     */
    private void wantReady() {
        if (!wantsReady) {
            wantsReady = true;
            if (!connection.inEventLoop()) {
                connection.execute(readyCheck);
            }
        }
    }

    /** Racy off the loop: credit fields are read without synchronisation; onReady corrects it. */
    private boolean readyNow() {
        if (!state.canSend() || sendQueue.isFinishing() || !sendQueue.hasRoom()) {
            return false;
        }
        Object head = staged;
        long queuedMessages = sendQueue.queuedMessages() + (head != null ? 1 : 0);
        long queuedBytes = sendQueue.queuedBytes() + (head != null ? Math.max(stagedSize, 0) : 0);
        return sendWindow.availableMessages() > queuedMessages && sendWindow.availableBytes() > queuedBytes;
    }

    @Override
    public void halfClose() {
        sendQueue.finish();
        requestWrite();
    }

    @Override
    public void cancel(String reason) {
        reset(ErrorCode.CANCEL, reason);
    }

    @Override
    public void reset(ErrorCode code, String reason) {
        if (code == null || code == ErrorCode.NO_ERROR) {
            throw new IllegalArgumentException("code: " + code + " (expected: an error code)");
        }
        connection.execute(() -> connection.resetStream(this, code, reason == null ? "" : reason));
    }

    @Override
    public void request(long n) {
        if (listener != null && !pushMode) {
            throw new IllegalStateException("request(n) is for push-mode streams; this stream is in pull mode");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: > 0)");
        }
        // Before the stream handler has returned its listener the mode is not known yet: the task runs
        // after it is bound, and counts only for a push-mode stream.
        connection.execute(() -> {
            if (!pushMode) {
                return;
            }
            if (receive == null) {
                // A local stream's onOpen runs before its Open is written: the demand waits for register().
                earlyDemand = Math.min(Long.MAX_VALUE - n, earlyDemand) + n;
            } else if (!receive.isClosed()) {
                connection.inbound().onDemand(receive, n);
                connection.flushIfNeeded();
            }
        });
    }

    @Override
    public Message poll(long timeout, TimeUnit unit) throws InterruptedException {
        ReceiveQueue queue = pullQueue;
        if (queue == null) {
            throw new IllegalStateException(listener == null ? "stream not yet accepted"
                    : "poll is for pull-mode streams; this stream has a listener");
        }
        if (timeout > 0) {
            EventLoops.checkNotOnEventLoop("poll with a timeout");
        }
        return queue.poll(timeout, unit);
    }

    @Override
    public int peekSize() {
        ReceiveQueue queue = pullQueue;
        if (queue == null) {
            throw new IllegalStateException("peekSize is for pull-mode streams");
        }
        return queue.peekSize();
    }

    @Override
    public boolean isReceiveFinished() {
        ReceiveQueue queue = pullQueue;
        return queue != null ? queue.isFinished() : !state.canReceive();
    }

    @Override
    public StreamStats stats() {
        long now = connection.settings.clock().nanoTime();
        long[] stalled = new long[StallReason.values().length];
        for (StallReason r : StallReason.values()) {
            stalled[r.ordinal()] = stalls.totalNanos(r, now);
        }
        ReceiveStream r = receive;
        Object head = staged;
        return new StreamStats(id, state, sendWindow.availableBytes(), sendWindow.availableMessages(),
                sendQueue.queuedBytes() + (head != null ? Math.max(stagedSize, 0) : 0),
                sendQueue.queuedMessages() + (head != null ? 1 : 0), sendQueue.pendingSends(),
                sendQueue.droppedMessages(), sendWindow.sentBytes(), sendWindow.sentMessages(),
                r == null ? 0 : r.windowBytes(), r == null ? 0 : r.bufferedBytes(),
                r == null ? 0 : r.bufferedMessages(), r == null ? 0 : r.receivedBytes(),
                r == null ? 0 : r.receivedMessages(), stalled, r == null ? 0 : r.windowTargetBytes(),
                r == null ? WindowReason.FIXED : r.windowReason(), r == null ? 0 : r.rttNanos(),
                r == null ? 0 : r.drainBytesPerSecond());
    }

    @Override
    public CompletionStage<CloseStatus> closeFuture() {
        return closeFuture.minimalCompletionStage();
    }

    @Override
    public String toString() {
        return "Stream(" + id + ", " + state + ')';
    }

    /** Any thread: something was queued (or half-close requested); ask the loop for a write pass. */
    void requestWrite() {
        connection.requestWrite(this);
    }

    // ---------------------------------------------------------------- event loop: sending

    @Override
    public SendWindow sendWindow() {
        return sendWindow;
    }

    @Override
    public int peekMessageBytes(long limitBytes) {
        if (staged != null) {
            return stagedSize;
        }
        if (closeStatus != null) {
            return -1;
        }
        Object next = sendQueue.pollIfAtMost(limitBytes);
        if (next != null) {
            staged = next;
            stagedSize = SendQueue.sizeOf(next);
            return stagedSize;
        }
        int head = sendQueue.lastHeadSize;
        if (head < 0 && sendQueue.isFinishing() && sendQueue.isEmpty() && !halfCloseWritten) {
            connection.writeHalfClose(this);
        }
        return head;
    }

    @Override
    public void writeMessage() {
        assert staged != null : "writeMessage without a message taken by peekMessageBytes";
        Object message = staged;
        int size = stagedSize;
        staged = null;
        stagedSize = -1;
        connection.writeData(id, message, size);
        if (stalls.isStalled(StallReason.NO_PEER_CREDIT)) {
            stalls.set(StallReason.NO_PEER_CREDIT, false, connection.settings.clock().nanoTime());
        }
        if (wantsReady) {
            notifyReadyIfReady();
        }
    }

    @Override
    public void onCreditStall(long neededBytes, boolean streamBytesShort) {
        if (!stalls.isStalled(StallReason.NO_PEER_CREDIT)) {
            stalls.set(StallReason.NO_PEER_CREDIT, true, connection.settings.clock().nanoTime());
        }
        if (streamBytesShort && sendWindow.markBlockedReported()) {
            connection.writeBlocked(id, neededBytes);
        }
    }

    @Override
    public boolean isScheduled() {
        return scheduled;
    }

    @Override
    public void setScheduled(boolean scheduled) {
        this.scheduled = scheduled;
    }

    /** Credit arrived from the peer. */
    void onCredit(long bytes, long messages) {
        sendWindow.addCredit(bytes, messages);
        if (wantsReady) {
            notifyReadyIfReady();
        }
    }

    void notifyReadyIfReady() {
        if (closeStatus == null && readyNow()) {
            wantsReady = false;
            StreamListener l = listener;
            if (l == null) {
                return;
            }
            try {
                l.onReady(this);
            } catch (RuntimeException e) {
                connection.onListenerFailure(this, "onReady", e);
            }
        }
    }

    /** The unwritten head message (for accounting on close). */
    boolean hasStaged() {
        return staged != null;
    }

    // ---------------------------------------------------------------- event loop: receiving

    /** A data frame arrived within credit. Push mode delivers it now; pull mode queues it. */
    void onData(ByteBuf payload, int wireBytes) {
        if (pushMode) {
            DefaultMessage m = pushMessage.reset(payload, wireBytes);
            try {
                listener.onMessage(this, m);
            } catch (RuntimeException e) {
                connection.onListenerFailure(this, "onMessage", e);
            } finally {
                m.close();
            }
        } else if (pullQueue.add(new DefaultMessage(this).reset(payload, wireBytes)) && !readablePending) {
            // Announced once the read batch is done, not per frame: the application then takes every message
            // the batch brought in one go (a broker appends them as one batch, one fsync).
            readablePending = true;
            connection.readableAfterBatch(this);
        }
    }

    /** Event loop, at the end of a read batch: tells a pull listener that its queue became non-empty. */
    void notifyReadable() {
        readablePending = false;
        if (isClosed()) {
            return;
        }
        try {
            ((PullListener) listener).onReadable(this);
        } catch (RuntimeException e) {
            connection.onListenerFailure(this, "onReadable", e);
        }
    }

    /** Any thread: the application closed a message. */
    void onMessageConsumed(int bytes, int wireBytes) {
        if (pushMode) {
            connection.onConsumed(this, bytes, 1, wireBytes);
        } else if (pullQueue.onConsumed(bytes, wireBytes, connection.isReadPaused())) {
            connection.execute(this::applyPulledConsumption);
        }
    }

    /**
     * Event loop: an adaptive target may have moved, so pull-mode consumption is handed over in
     * batches of a quarter of it (of the fixed window otherwise), or a slow reader's small target
     * would wait for a quarter of the configured window to be consumed.
     */
    void onWindowTargetChanged() {
        ReceiveStream r = receive;
        if (pullQueue != null && r != null && r.isAdaptive()) {
            pullQueue.applyThresholdBytes(r.windowTargetBytes() / 4);
        }
    }

    private void applyPulledConsumption() {
        long[] c = pullQueue.takeConsumed();
        if (c[1] > 0) {
            connection.onConsumed(this, c[0], c[1], c[2]);
            connection.flushIfNeeded();
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
        if (!pushMode) {
            pullQueue.finish();
        }
        try {
            listener.onHalfClose(this);
        } catch (RuntimeException e) {
            connection.onListenerFailure(this, "onHalfClose", e);
        }
    }

    // ---------------------------------------------------------------- event loop: closing

    boolean isClosed() {
        return closeStatus != null;
    }

    /**
     * Ends the stream: discards what is queued (counting it as unsent), releases received data, tells the
     * listener and completes {@link #closeFuture()}. Idempotent. The connection has already removed it.
     */
    void closeWith(CloseStatus status) {
        if (closeStatus != null) {
            return;
        }
        state = StreamState.CLOSED;
        long unsent = sendQueue.close(status) + (staged != null ? 1 : 0);
        staged = null;
        CloseStatus finalStatus = status.withUnsent(status.unsentMessages() + unsent);
        closeStatus = finalStatus;
        if (pullQueue != null) {
            pullQueue.close(finalStatus);
        }
        stalls.stopAll(connection.settings.clock().nanoTime());
        if (listener != null) {
            try {
                listener.onClose(this, finalStatus);
            } catch (RuntimeException e) {
                connection.onListenerFailure(this, "onClose", e);
            }
        }
        closeFuture.complete(finalStatus);
    }

    StreamClosedException closedException() {
        CloseStatus s = closeStatus;
        return new StreamClosedException("stream " + id + " closed", s == null ? CloseStatus.OK : s);
    }
}
