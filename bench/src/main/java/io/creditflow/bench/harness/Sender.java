package io.creditflow.bench.harness;

import java.util.Map;

/**
 * The sending side of one system for one run. {@link #open} connects and opens the scenario's streams;
 * the shared {@link SendLoop} then drives {@link #trySend}, which must respect the system's own
 * back-pressure signal (creditflow's send queue and credit, gRPC's {@code isReady}, Netty's
 * writability) and say false rather than queue without bound.
 */
public interface Sender extends AutoCloseable {
    /** Connects to the receiver and opens the streams (or connections) of the run. */
    void open(RunContext ctx, String host, int port) throws Exception;

    /** Streams the send loop drives. */
    int streams();

    /** Hands one message to the transport if it can take it now; false means back-pressure. */
    boolean trySend(int stream, byte[] payload);

    /** Pushes out what {@link #trySend} batched (no-op where the transport flushes itself). */
    default void flush() {}

    /** Waits until some stream may be ready again, or the timeout passes. */
    void awaitReady(long timeoutNanos) throws InterruptedException;

    /** System-specific figures for the result line. */
    default Map<String, Object> figures() {
        return Map.of();
    }

    @Override
    void close();
}
