package io.creditflow.transport;

import java.nio.ByteBuffer;

/**
 * A received message. Its payload is a view of the transport's receive buffer, not a copy.
 *
 * <p><b>Closing is consuming.</b> The stream's credit is returned to the sender only when the message
 * is closed: pushed messages ({@link StreamListener#onMessage}) are closed by the transport when the
 * callback returns; polled messages ({@link Stream#poll}) must be closed by the caller, best with
 * try-with-resources. A message that is never closed holds its credit, so the sender stops once the
 * window is spent: memory stays bounded, and the leak is visible in
 * {@link StreamStats#receiveBufferedBytes()}.
 *
 * <p>Not thread-safe: use and close a message on one thread at a time. After {@link #close()} the
 * payload must not be touched.
 */
public interface Message extends AutoCloseable {
    /** Payload size in bytes. */
    int size();

    /** A read-only view of the payload, valid until {@link #close()}. */
    ByteBuffer payload();

    /** A copy of the payload, valid forever. */
    byte[] toByteArray();

    /** Releases the payload and returns its credit to the sender. Idempotent. */
    @Override
    void close();
}
