package io.creditflow.client;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
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

    ReconnectingConnection(Client client, String host, int port, Backoff backoff, ScheduledExecutorService timer,
                           Consumer<Connection> onConnected, Consumer<CloseStatus> onDisconnected) {
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
                scheduleRetry();
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

    /** Waits until a connection is live (the current one, or the next one). */
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
