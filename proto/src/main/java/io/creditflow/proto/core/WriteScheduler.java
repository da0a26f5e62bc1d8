package io.creditflow.proto.core;

/**
 * Decides which stream writes next. Separate from "how many bytes may move" (credit), which
 * {@link OutboundFlowController} checks: a scheduler only orders the streams that are ready.
 *
 * <p>Not thread-safe; confine to the connection's event loop.
 *
 * @param <S> the stream type
 */
public interface WriteScheduler<S> {
    /** Adds a stream that has data and credit; the caller ensures it is not already scheduled. */
    void add(S stream);

    /** Removes and returns the stream to serve next, or null if none. */
    S poll();

    boolean isEmpty();

    int size();

    /** Round robin: every ready stream gets one turn (one quantum of bytes) before any gets two. */
    static <S> WriteScheduler<S> roundRobin() {
        return new WriteScheduler<>() {
            private final java.util.ArrayDeque<S> ring = new java.util.ArrayDeque<>();

            @Override
            public void add(S stream) {
                ring.addLast(stream);
            }

            @Override
            public S poll() {
                return ring.pollFirst();
            }

            @Override
            public boolean isEmpty() {
                return ring.isEmpty();
            }

            @Override
            public int size() {
                return ring.size();
            }
        };
    }
}
