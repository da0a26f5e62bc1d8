package io.creditflow.transport.internal;

import io.creditflow.proto.core.ReceiveStream;
import io.creditflow.proto.core.SendWindow;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.WindowReason;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
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
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stream, its application half: the public {@link Stream} API, the bounded {@link SendQueue} and
 * {@link ReceiveQueue}, the listener and the close future. Its loop half, {@link StreamTransportState}
 * ({@link #transport}), holds the state the event loop drives (stream state, credit, the staged message,
 * receive accounting) and is the only writer of it.
 *
 * <p>Threading: the public methods are thread-safe. They reach the event loop only through the
 * bounded {@link SendQueue}, the {@link ReceiveQueue} (pull mode) and commands on the connection's
 * {@link CommandQueue}.
 * Fields without a comment are event-loop confined; {@link #state} is volatile for readers elsewhere.
 */
final class DefaultStream implements Stream {
    final StreamHost connection;
    final int id;
    final boolean local;
    private final Map<String, String> metadata;
    /** Set once by {@link #bind} before the stream is registered; volatile for other threads. */
    volatile StreamListener listener;

    volatile boolean pushMode;
    volatile ReceiveQueue pullQueue;
    DefaultMessage pushMessage;
    final SendQueue sendQueue;
    final CompletableFuture<CloseStatus> closeFuture = new CompletableFuture<>();
    /** Set while the stream sits in the connection's command queue as "writable" (any thread). */
    final AtomicBoolean writeRequested = new AtomicBoolean();
    /** Set by the application when isReady() returned false; the loop answers with onReady. */
    volatile boolean wantsReady = true;

    final WindowMode windowMode;
    /** The loop half: everything the event loop reads and writes. */
    final StreamTransportState transport;

    DefaultStream(StreamHost connection, int id, boolean local, Map<String, String> metadata, StreamOptions options) {
        this.connection = connection;
        this.id = id;
        this.local = local;
        this.metadata = metadata;
        this.sendQueue = new SendQueue(
                options.overflowPolicy(),
                options.sendQueueBytes(),
                options.sendQueueMessages(),
                options.maxPendingSends(),
                this::requestWrite);
        this.windowMode = options.windowMode();
        this.transport = new StreamTransportState(this);
        if (!local) {
            // The stream handler may hand the stream to a thread that polls before the handler returns.
            this.pullQueue = newPullQueue();
        }
    }

    private ReceiveQueue newPullQueue() {
        EndpointSettings s = connection.settings;
        return new ReceiveQueue(s.flow().streamWindowBytes() / 4, s.flow().streamWindowMessages() / 4);
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
                connection.enqueue(new CommandQueue.ReadyCheck(this));
            }
        }
    }

    /** Racy off the loop: credit fields are read without synchronisation; onReady corrects it. */
    boolean readyNow() {
        StreamTransportState t = transport;
        if (!t.state.canSend() || sendQueue.isFinishing() || !sendQueue.hasRoom()) {
            return false;
        }
        long stagedBytes = t.stagedBytes();
        long queuedMessages = sendQueue.queuedMessages() + (stagedBytes >= 0 ? 1 : 0);
        long queuedBytes = sendQueue.queuedBytes() + Math.max(stagedBytes, 0);
        SendWindow w = t.sendWindow();
        return w.availableMessages() > queuedMessages && w.availableBytes() > queuedBytes;
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
        connection.enqueue(new CommandQueue.Reset(this, code, reason == null ? "" : reason));
    }

    @Override
    public void request(long n) {
        if (listener != null && !pushMode) {
            throw new IllegalStateException("request(n) is for push-mode streams; this stream is in pull mode");
        }
        if (n <= 0) {
            throw new IllegalArgumentException("n: " + n + " (expected: > 0)");
        }
        // Before the stream handler has returned its listener the mode is not known yet: the command runs
        // after it is bound, and counts only for a push-mode stream.
        connection.enqueue(new CommandQueue.Request(this, n));
    }

    @Override
    public Message poll(long timeout, TimeUnit unit) throws InterruptedException {
        ReceiveQueue queue = pullQueue;
        if (queue == null) {
            throw new IllegalStateException(
                    listener == null
                            ? "stream not yet accepted"
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
        return queue != null ? queue.isFinished() : !transport.state.canReceive();
    }

    @Override
    public StreamStats stats() {
        long now = connection.settings.clock().nanoTime();
        StreamTransportState t = transport;
        long[] stalled = new long[StallReason.values().length];
        for (StallReason r : StallReason.values()) {
            stalled[r.ordinal()] = t.stalls.totalNanos(r, now);
        }
        ReceiveStream r = t.receive;
        long stagedBytes = t.stagedBytes();
        SendWindow w = t.sendWindow();
        return new StreamStats(
                id,
                t.state,
                w.availableBytes(),
                w.availableMessages(),
                sendQueue.queuedBytes() + Math.max(stagedBytes, 0),
                sendQueue.queuedMessages() + (stagedBytes >= 0 ? 1 : 0),
                sendQueue.pendingSends(),
                sendQueue.droppedMessages(),
                w.sentBytes(),
                w.sentMessages(),
                r == null ? 0 : r.windowBytes(),
                r == null ? 0 : r.bufferedBytes(),
                r == null ? 0 : r.bufferedMessages(),
                r == null ? 0 : r.receivedBytes(),
                r == null ? 0 : r.receivedMessages(),
                stalled,
                r == null ? 0 : r.windowTargetBytes(),
                r == null ? WindowReason.FIXED : r.windowReason(),
                r == null ? 0 : r.rttNanos(),
                r == null ? 0 : r.drainBytesPerSecond());
    }

    @Override
    public CompletionStage<CloseStatus> closeFuture() {
        return closeFuture.minimalCompletionStage();
    }

    @Override
    public String toString() {
        return "Stream(" + id + ", " + transport.state + ')';
    }

    /** Any thread: something was queued (or half-close requested); ask the loop for a write pass. */
    void requestWrite() {
        connection.requestWrite(this);
    }

    /** Any thread: the application closed a message. */
    void onMessageConsumed(int bytes, int wireBytes) {
        if (pushMode) {
            connection.onConsumed(this, bytes, 1, wireBytes);
        } else if (pullQueue.onConsumed(bytes, wireBytes, connection.isReadPaused())) {
            connection.enqueue(new CommandQueue.Consumed(this));
        }
    }

    StreamClosedException closedException() {
        CloseStatus s = transport.closeStatus;
        return new StreamClosedException("stream " + id + " closed", s == null ? CloseStatus.OK : s);
    }
}
