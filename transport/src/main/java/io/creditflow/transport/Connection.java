package io.creditflow.transport;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * One TCP connection carrying multiplexed streams. Thread-safe.
 */
public interface Connection extends AutoCloseable {
    /**
     * Opens a stream. Returns at once; the Open frame is written in order with everything else.
     *
     * @throws StreamClosedException if the connection is closed or shutting down, or the peer's
     *         {@code max_concurrent_streams} is reached (retryable)
     */
    Stream openStream(StreamOptions options);

    SocketAddress remoteAddress();

    /**
     * The largest message the peer accepts: the {@code max_message_bytes} of its handshake. A larger send
     * throws {@link MessageTooLargeException}; an application that relays messages can check a peer
     * against the largest message it may have to relay before it accepts the peer's streams.
     */
    int peerMaxMessageBytes();

    /**
     * Who the peer is: on a server, the principal its {@link Authenticator} returned for the client's
     * credential (empty without authentication); on a client, empty.
     */
    String principal();

    SocketAddress localAddress();

    /** True until the connection closes or starts to shut down. */
    boolean isActive();

    ConnectionStats stats();

    /**
     * Graceful shutdown: sends GOAWAY, refuses new streams, lets open streams finish, then closes; after
     * {@code grace} the streams still open are cancelled and the connection closes anyway.
     */
    CompletionStage<CloseStatus> shutdown(Duration grace);

    /** Closes at once: open streams end with CANCEL, queued messages are counted as unsent. */
    @Override
    void close();

    /** Completes (never exceptionally) once the connection has closed, with why. */
    CompletionStage<CloseStatus> closeFuture();
}
