package io.creditflow.transport;

/**
 * Push-mode callbacks for one stream. All callbacks run on the stream's connection event loop, one at a
 * time, in order: they must not block (a blocking {@link Stream#send(byte[], long, java.util.concurrent.TimeUnit)}
 * there fails fast). Do slow work on your own executor and call {@link Stream#request(long)} when ready
 * for more.
 *
 * <p>Messages are delivered only as demanded: {@link Stream#request(long)} is what grants the peer
 * message credit, so a listener that requests nothing receives nothing and the peer is held back.
 */
public interface StreamListener {

    /**
     * Returned by a {@link StreamHandler} to receive the stream in pull mode ({@link Stream#poll})
     * instead of through callbacks, with no notifications. Implement {@link PullListener} instead to be
     * told when messages become available.
     */
    StreamListener PULL = new PullListener() {};

    /**
     * The listener is now bound to {@code stream}: called once, first (for a stream this side opens, on
     * the thread calling {@code openStream}, before it returns; for a stream the peer opened, on the
     * event loop after the {@link StreamHandler} returned).
     */
    default void onOpen(Stream stream) {}

    /**
     * A message, within the demand requested. The message is closed (its credit returned) when this
     * method returns: copy it ({@link Message#toByteArray()}) to keep it.
     */
    default void onMessage(Stream stream, Message message) {}

    /**
     * The stream may accept more data without waiting: called after {@link Stream#isReady()} returned
     * false and it has become true (and once when the peer first grants credit). May be spurious;
     * check {@link Stream#isReady()} again.
     */
    default void onReady(Stream stream) {}

    /** The peer will send no more messages (every message it sent was delivered before this). */
    default void onHalfClose(Stream stream) {}

    /** The stream ended; called exactly once, last. */
    default void onClose(Stream stream, CloseStatus status) {}
}
