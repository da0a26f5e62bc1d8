package io.creditflow.client;

import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Defaults;
import io.creditflow.transport.EndpointBuilder;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.internal.ChannelSetup;
import io.creditflow.transport.internal.ConnectionHandler;
import io.creditflow.transport.internal.DefaultConnection;
import io.creditflow.transport.internal.EndpointSettings;
import io.creditflow.transport.internal.TlsContexts;
import io.creditflow.transport.internal.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * A creditflow client: connects to servers and multiplexes streams over each connection. One
 * {@link MemoryBudget} bounds the receive memory of all its connections together.
 *
 * <pre>{@code
 * try (Client client = Client.builder().build()) {
 *     Connection connection = client.connect("127.0.0.1", 7000);
 *     Stream stream = connection.openStream(StreamOptions.builder().metadata("name", "orders").build());
 *     stream.send(bytes, 5, TimeUnit.SECONDS);   // waits while the server withholds credit
 *     stream.halfClose();
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class Client implements AutoCloseable {
    private final EndpointSettings settings;
    private final EventLoopGroup group;
    private final boolean ownsGroup;
    private final Duration connectTimeout;
    /** Built once for all connections; null without TLS. */
    private final SslContext sslContext;

    private final Set<DefaultConnection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Client(Builder b, EndpointSettings settings) {
        this.settings = settings;
        this.connectTimeout = b.connectTimeout;
        this.sslContext = settings.security().tls() == null
                ? null
                : TlsContexts.forClient(settings.security().tls());
        this.ownsGroup = settings.io().eventLoopGroup() == null;
        this.group = ownsGroup
                ? Transports.newGroup(
                        settings.io().transport(),
                        settings.io().ioThreads() > 0 ? settings.io().ioThreads() : 1,
                        "creditflow-client")
                : settings.io().eventLoopGroup();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Connects and completes once both handshakes are exchanged (the peer's settings are then known).
     * Fails with a {@link io.creditflow.transport.StreamClosedException} carrying the close status (for
     * example AUTHENTICATION_FAILED), or, with TLS, an {@link SSLHandshakeException} if TLS failed.
     */
    public CompletionStage<Connection> connectAsync(String host, int port) {
        if (closed) {
            return CompletableFuture.failedStage(new IllegalStateException("client closed"));
        }
        ConnectionHandler handler = new ConnectionHandler(settings, true);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(Transports.socketChannel(settings.io().transport()))
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (sslContext != null) {
                            ch.pipeline().addLast(TlsContexts.newHandler(sslContext, ch, host, port));
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        ChannelSetup.apply(settings, bootstrap::option);
        CompletableFuture<Connection> result = new CompletableFuture<>();
        connections.add(handler.connection());
        handler.connection().closeFuture().whenComplete((s, e) -> connections.remove(handler.connection()));
        ChannelFuture connect = bootstrap.connect(host, port);
        connect.addListener(f -> {
            if (!f.isSuccess()) {
                connections.remove(handler.connection());
                result.completeExceptionally(f.cause());
            }
        });
        handler.connection().handshakeFuture().whenComplete((c, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(c);
            }
        });
        return result;
    }

    /**
     * Connects, waiting up to the connect timeout plus the handshake timeout.
     *
     * @throws java.io.IOException if the connection or the handshake fails; an {@link SSLHandshakeException}
     *         (message "... TLS handshake failed: ...") if TLS failed
     */
    public Connection connect(String host, int port) throws java.io.IOException, InterruptedException {
        long timeoutNanos = connectTimeout.toNanos() + settings.timeouts().handshakeTimeoutNanos();
        try {
            return connectAsync(host, port).toCompletableFuture().get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SSLException tls) {
                SSLHandshakeException x =
                        new SSLHandshakeException("connect to " + host + ":" + port + " failed: " + tls.getMessage());
                x.initCause(tls);
                throw x;
            }
            throw new java.io.IOException("connect to " + host + ":" + port + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new java.io.IOException("connect to " + host + ":" + port + " timed out", e);
        }
    }

    /**
     * Keeps a connection to {@code host:port}, reconnecting with {@code backoff} whenever it is lost,
     * until the returned object is closed. {@code onConnected} runs for each new connection (open your
     * streams there); {@code onDisconnected} for each loss, with why.
     */
    public ReconnectingConnection connectWithRetry(
            String host,
            int port,
            Backoff backoff,
            java.util.function.Consumer<Connection> onConnected,
            java.util.function.Consumer<io.creditflow.transport.CloseStatus> onDisconnected) {
        ReconnectingConnection r =
                new ReconnectingConnection(this, host, port, backoff, group.next(), onConnected, onDisconnected);
        r.start();
        return r;
    }

    /** The receive memory budget shared by every connection of this client. */
    public MemoryBudget memoryBudget() {
        return settings.flow().memoryBudget();
    }

    /** Open connections. */
    public Set<? extends Connection> connections() {
        return Set.copyOf(connections);
    }

    /** Closes every connection and, unless it was supplied, the event loop group. */
    @Override
    public void close() {
        closed = true;
        for (DefaultConnection c : connections) {
            c.close();
        }
        for (DefaultConnection c : connections) {
            try {
                c.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                // closing anyway
            }
        }
        if (ownsGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Builder; not thread-safe. The client refuses streams the server opens unless given a handler. */
    public static final class Builder extends EndpointBuilder<Builder> {
        private Duration connectTimeout = Defaults.CONNECT_TIMEOUT;

        private Builder() {
            super(StreamHandler.REFUSE_ALL);
        }

        /** The credential sent in the handshake, checked by the server's authenticator (for example a token). */
        @Override
        public Builder credential(byte[] credential) {
            return super.credential(credential);
        }

        /** The TCP connect; {@code connect} waits for it plus the handshake timeout. Default {@link Defaults#CONNECT_TIMEOUT}. */
        public Builder connectTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("connectTimeout: " + timeout + " (expected: > 0)");
            }
            this.connectTimeout = timeout;
            return this;
        }

        public Client build() {
            return new Client(this, settings());
        }
    }
}
