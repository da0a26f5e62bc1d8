package io.creditflow.transport;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One bidirectional, flow-controlled stream of messages on a {@link Connection}. Either side may open
 * one; both ends may send and receive.
 *
 * <h2>Sending</h2>
 * Messages go into the stream's bounded send queue and are written as the peer's credit and the
 * channel's writability allow. Three ways in, all bounded:
 * <ul>
 * <li>{@link #offer(byte[])}: never blocks, never throws for back-pressure; returns an {@link OfferResult}.</li>
 * <li>{@link #send(byte[])}: returns a stage that completes when the message is accepted into the
 *     send queue (handed to the transport). Stages waiting for room are bounded; past the bound the
 *     stage fails at once with a retryable {@link SendRejectedException}.</li>
 * <li>{@link #send(byte[], long, TimeUnit)}: waits for room up to a timeout; throws
 *     {@link IllegalStateException} at once if called on an event loop thread.</li>
 * </ul>
 * What happens when the queue is full is the stream's {@link OverflowPolicy}. Arrays and buffers are
 * referenced, not copied: do not modify them after handing them over. Messages are never split: one
 * larger than the peer's {@code max_message_bytes} throws {@link MessageTooLargeException}.
 *
 * <h2>Receiving</h2>
 * A stream receives either in push mode (a {@link StreamListener}; messages arrive as
 * {@link #request(long) requested}) or in pull mode ({@link #poll}). Either way credit goes back to
 * the peer only as messages are consumed (closed).
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public interface Stream {
    /** The stream id: odd if the client opened it, even if the server did. */
    int id();

    /** The metadata the opener sent (for example a topic). */
    Map<String, String> metadata();

    Connection connection();

    /** Enqueues without blocking; see {@link OverflowPolicy} for a full queue. */
    OfferResult offer(byte[] message);

    /** Enqueues the buffer's remaining bytes without blocking (the buffer is referenced, not copied). */
    OfferResult offer(ByteBuffer message);

    /** Asynchronous send: the stage completes when the message is accepted into the send queue. */
    CompletionStage<Void> send(byte[] message);

    CompletionStage<Void> send(ByteBuffer message);

    /**
     * Blocking send: returns once the message is in the send queue.
     *
     * @throws TimeoutException if no room appeared within the timeout (BLOCK)
     * @throws IllegalStateException if called on an event loop thread (it would stall the transport)
     * @throws SendRejectedException under REJECT when full
     * @throws MessageDroppedException under DROP_NEWEST when full
     * @throws StreamClosedException if the stream can no longer send
     */
    void send(byte[] message, long timeout, TimeUnit unit) throws InterruptedException, TimeoutException;

    void send(ByteBuffer message, long timeout, TimeUnit unit) throws InterruptedException, TimeoutException;

    /**
     * True if a message sent now would be written without waiting: the send queue has room and the
     * peer's credit covers what is queued plus one more message. When false, {@link StreamListener#onReady}
     * follows once it becomes true.
     */
    boolean isReady();

    /**
     * Ends this side's sending once the queued messages are written (HalfClose). The stream stays open
     * for receiving. Idempotent.
     */
    void halfClose();

    /**
     * Abruptly ends the stream in both directions with CANCEL: queued messages are discarded (counted in
     * {@link CloseStatus#unsentMessages()}), buffered received data is released. Idempotent.
     */
    void cancel(String reason);

    /**
     * Like {@link #cancel(String)}, with the error code the peer sees (for example
     * {@code SLOW_CONSUMER} when a consumer is evicted). Idempotent.
     */
    void reset(ErrorCode code, String reason);

    /**
     * Push mode: asks for {@code n} more messages (adds to demand; {@link Long#MAX_VALUE} means
     * unlimited). This is what grants the peer message credit.
     */
    void request(long n);

    /**
     * Pull mode: takes the next message, waiting up to the timeout. The caller must
     * {@link Message#close() close} it.
     *
     * @return the message, or null on timeout or when the peer half-closed and every message was taken
     *         ({@link #isReceiveFinished()} tells which)
     * @throws StreamClosedException if the stream was reset or its connection failed
     * @throws IllegalStateException if the stream is in push mode, or a wait is attempted on an event loop
     */
    Message poll(long timeout, TimeUnit unit) throws InterruptedException;

    /**
     * Pull mode: the payload size of the message {@code poll} would return next, or -1 if none is
     * waiting. Lets an application check that it has room before it takes a message (and so before the
     * sender gets the credit back).
     */
    int peekSize();

    /** True once the peer half-closed (or the stream closed) and no received message is left to take. */
    boolean isReceiveFinished();

    /** Figures for this stream; a racy snapshot when read off the event loop. */
    StreamStats stats();

    /** Completes (never exceptionally) once the stream is fully closed, with why. */
    CompletionStage<CloseStatus> closeFuture();
}
