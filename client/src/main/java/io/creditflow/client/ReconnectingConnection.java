package io.creditflow.client;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamClosedException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Keeps a connection to one server: when the current connection ends (reset, black hole detected by
 * keepalive, GOAWAY), it connects again after a {@link Backoff} delay, and again, until it succeeds or
 * is closed. Streams belong to one connection and end with it (their {@code CloseStatus} says why and
 * how many queued messages were not sent); open new ones in {@code onConnected}.
 *
 * <p>It gives up, instead of retrying forever, when the server refuses the client itself: a rejected
 * credential or a failed TLS handshake (AUTHENTICATION_FAILED) or an unsupported protocol version
 * (UNSUPPORTED_VERSION). Retrying those cannot succeed until someone changes a configuration, and
 * would only load the server. {@code onDisconnected} then receives that status, {@link #failure()}
 * returns it, and {@link #awaitConnected} throws. Every other failure (refused connection, reset, black
 * hole, GoAway, handshake timeout) is retried.
 *
 * <p>Thread-safe. Callbacks run on the client's event loop or the reconnect timer; keep them short.
 */
public final class ReconnectingConnection implements AutoCloseable {
    private final Client client;
    private final String host;
    private final int port;
    private final Backoff backoff;
    private final ScheduledExecutorService timer;
    private final Consumer<Connection> onConnected;
    private final Consumer<CloseStatus> onDisconnected;
    private final AtomicInteger attempt = new AtomicInteger();
    private final AtomicLong reconnects = new AtomicLong();
    private volatile Connection current;
    private volatile CompletableFuture<Connection> next = new CompletableFuture<>();
    private volatile boolean closed;
    private volatile CloseStatus failure;

    ReconnectingConnection(
            Client client,
            String host,
            int port,
            Backoff backoff,
            ScheduledExecutorService timer,
            Consumer<Connection> onConnected,
            Consumer<CloseStatus> onDisconnected) {
        this.client = client;
        this.host = host;
        this.port = port;
        this.backoff = backoff;
        this.timer = timer;
        this.onConnected = onConnected;
        this.onDisconnected = onDisconnected;
    }

    void start() {
        connect();
    }

    private void connect() {
        if (closed) {
            return;
        }
        client.connectAsync(host, port).whenComplete((c, e) -> {
            if (e != null || closed) {
                if (c != null) {
                    c.close();
                }
                CloseStatus refusal = e == null ? null : permanentRefusal(e);
                if (refusal != null) {
                    giveUp(refusal);
                } else {
                    scheduleRetry();
                }
                return;
            }
            attempt.set(0);
            current = c;
            CompletableFuture<Connection> ready = next;
            c.closeFuture().whenComplete((status, x) -> onClosed(c, status));
            try {
                onConnected.accept(c);
            } finally {
                ready.complete(c);
            }
        });
    }

    private void onClosed(Connection c, CloseStatus status) {
        if (current == c) {
            current = null;
            next = new CompletableFuture<>();
        }
        try {
            onDisconnected.accept(status);
        } finally {
            if (!closed) {
                reconnects.incrementAndGet();
                scheduleRetry();
            }
        }
    }

    /** The close status of a failed connect that retrying cannot fix, or null if a retry may succeed. */
    static CloseStatus permanentRefusal(Throwable e) {
        Throwable cause =
                e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof StreamClosedException closed) {
            ErrorCode code = closed.status().code();
            return code == ErrorCode.AUTHENTICATION_FAILED || code == ErrorCode.UNSUPPORTED_VERSION
                    ? closed.status()
                    : null;
        }
        if (cause instanceof javax.net.ssl.SSLException tls) {
            return new CloseStatus(
                    ErrorCode.AUTHENTICATION_FAILED, "TLS handshake failed: " + tls.getMessage(), false, 0);
        }
        return null;
    }

    private void giveUp(CloseStatus refusal) {
        failure = refusal;
        closed = true;
        next.completeExceptionally(
                new StreamClosedException("gave up connecting to " + host + ":" + port + ": " + refusal, refusal));
        onDisconnected.accept(refusal);
    }

    private void scheduleRetry() {
        if (!closed) {
            try {
                timer.schedule(this::connect, backoff.delayNanos(attempt.getAndIncrement()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                closed = true; // the client was closed under us
            }
        }
    }

    /** The live connection, or null while reconnecting. */
    public Connection current() {
        return current;
    }

    /**
     * Waits until a connection is live (the current one, or the next one).
     *
     * @throws IllegalStateException if it gave up (see {@link #failure()}); the cause is a
     *         {@link StreamClosedException} carrying the refusal
     */
    public Connection awaitConnected(long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
        Connection c = current;
        if (c != null && c.isActive()) {
            return c;
        }
        try {
            return next.get(timeout, unit);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * The refusal it gave up on (AUTHENTICATION_FAILED, for a credential or TLS, or UNSUPPORTED_VERSION),
     * or null if it has not given up.
     */
    public CloseStatus failure() {
        return failure;
    }

    /** Connections lost and replaced (or being replaced) so far. */
    public long reconnects() {
        return reconnects.get();
    }

    /** Stops reconnecting and closes the current connection. */
    @Override
    public void close() {
        closed = true;
        Connection c = current;
        if (c != null) {
            c.close();
        }
    }
}
