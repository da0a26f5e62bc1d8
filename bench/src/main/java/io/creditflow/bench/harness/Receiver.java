package io.creditflow.bench.harness;

import java.util.Map;

/**
 * The receiving side of one system for one run: a server on 127.0.0.1 that accepts the scenario's
 * streams and consumes them as the {@link RunContext} says (at once, by the paced slow reader, or not
 * at all once stalled), counting what it consumes in the context's {@link Meter}.
 */
public interface Receiver extends AutoCloseable {
    /** Starts the server and returns its port. */
    int start(RunContext ctx) throws Exception;

    /** Streams accepted so far (connections, for a system without streams). */
    int accepted();

    /** The paced slow reader's turn on {@code stream}: consume one waiting message, if any. */
    void consumeOne(int stream);

    /**
     * The measured window is over and the drain starts: a receiver that holds back reading for the
     * sake of a held stream (raw Netty's {@code autoRead} pause, which stops the whole connection) reads
     * on, so the streams read at once can be checked in full. Default: nothing to do.
     */
    default void beforeDrain() {}

    /** Bytes received and not yet consumed, as the system itself counts them, or -1 if it cannot tell. */
    default long heldBytes() {
        return -1;
    }

    /** System-specific figures for the result line (transport, window, broker figures...). */
    default Map<String, Object> figures() {
        return Map.of();
    }

    @Override
    void close();
}
