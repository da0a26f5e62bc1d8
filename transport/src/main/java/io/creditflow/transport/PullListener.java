package io.creditflow.transport;

/**
 * A listener that receives its stream in <em>pull</em> mode: messages wait in the stream's receive
 * queue (bounded by the credit this side granted) until the application takes them with
 * {@link Stream#poll}; {@link #onReadable} says when there is something to take, so an application can
 * poll without a thread blocked per stream.
 *
 * <p>{@link #onMessage} is never called for a pull-mode stream. Callbacks run on the connection's
 * event loop and must not block; {@code poll(0, unit)} there is fine.
 */
public interface PullListener extends StreamListener {
    /**
     * The receive queue went from empty to non-empty (edge-triggered: drain it with {@code poll(0, ...)}
     * until it returns null; if you stop early, call again when you are ready, nothing more will
     * announce the messages already waiting). Called once per read batch, when the connection has
     * processed every frame the batch brought, so one drain takes them all.
     */
    default void onReadable(Stream stream) {}
}
