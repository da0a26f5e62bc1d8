package io.creditflow.server;

import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.transport.CloseStatus;
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
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A creditflow server: accepts connections and hands the streams clients open to a
 * {@link StreamHandler}. One {@link MemoryBudget} bounds the receive memory of all connections.
 *
 * <pre>{@code
 * Server server = Server.builder()
 *         .port(7000)
 *         .streamHandler(stream -> new StreamListener() {
 *             public void onMessage(Stream s, Message m) { process(m.payload()); s.request(1); }
 *         })
 *         .build()
 *         .start();
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class Server implements AutoCloseable {
    private final EndpointSettings settings;
    private final String host;
    private final int requestedPort;
    private final EventLoopGroup bossGroup;
    private final EventLoopGroup workerGroup;
    private final boolean ownsGroups;
    private final Set<DefaultConnection> connections = ConcurrentHashMap.newKeySet();
    private final int maxConnections;
    /** Built once for all connections; null without TLS. */
    private final SslContext sslContext;

    private final int maxConnectionsPerAddress;
    private final AtomicInteger accepted = new AtomicInteger();
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private volatile Channel serverChannel;
    /** The event loops are (being) shut down: close() has nothing left to do. */
    private volatile boolean released;

    private Server(Builder b, EndpointSettings settings) {
        this.settings = settings;
        this.host = b.host;
        this.requestedPort = b.port;
        this.maxConnections = b.maxConnections;
        this.maxConnectionsPerAddress = b.maxConnectionsPerAddress;
        this.sslContext = settings.security().tls() == null
                ? null
                : TlsContexts.forServer(settings.security().tls());
        this.ownsGroups = settings.io().eventLoopGroup() == null;
        if (ownsGroups) {
            this.bossGroup = Transports.newGroup(settings.io().transport(), 1, "creditflow-accept");
            this.workerGroup =
                    Transports.newGroup(settings.io().transport(), settings.io().ioThreads(), "creditflow-server");
        } else {
            this.bossGroup = settings.io().eventLoopGroup();
            this.workerGroup = settings.io().eventLoopGroup();
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds and starts accepting. Returns this server. */
    public Server start() throws InterruptedException {
        if (serverChannel != null) {
            throw new IllegalStateException("already started");
        }
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(Transports.serverChannel(settings.io().transport()))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (!admit(ch)) {
                            refused.incrementAndGet();
                            ch.close(); // refused at accept: no handshake, no buffers
                            return;
                        }
                        ConnectionHandler handler = new ConnectionHandler(settings, false);
                        DefaultConnection connection = handler.connection();
                        connections.add(connection);
                        connection.closeFuture().whenComplete((s, e) -> connections.remove(connection));
                        if (sslContext != null) {
                            // First in the pipeline: the TLS handshake runs within the handshake timeout and no
                            // stream handler is called unless it succeeds.
                            ch.pipeline().addLast(TlsContexts.newHandler(sslContext, ch, null, 0));
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        if (settings.buffers().socketReceiveBufferBytes() > 0) {
            // Set on the listening socket so accepted sockets start with it (window scaling is fixed at SYN).
            bootstrap.option(ChannelOption.SO_RCVBUF, settings.buffers().socketReceiveBufferBytes());
        }
        ChannelSetup.apply(settings, bootstrap::childOption);
        serverChannel = bootstrap.bind(host, requestedPort).sync().channel();
        return this;
    }

    /** Counts the connection against the caps, or says no; the count is given back when it closes. */
    private boolean admit(Channel ch) {
        InetAddress address = ch.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
        if (accepted.incrementAndGet() > maxConnections) {
            accepted.decrementAndGet();
            return false;
        }
        if (address != null) {
            int[] count = new int[1];
            perAddress.compute(address, (a, c) -> {
                count[0] = (c == null ? 0 : c.get()) + 1;
                if (count[0] > maxConnectionsPerAddress) {
                    return c;
                }
                AtomicInteger n = c == null ? new AtomicInteger() : c;
                n.incrementAndGet();
                return n;
            });
            if (count[0] > maxConnectionsPerAddress) {
                accepted.decrementAndGet();
                return false;
            }
        }
        ch.closeFuture().addListener(f -> {
            accepted.decrementAndGet();
            if (address != null) {
                // Atomic with the increments above: a connection arriving meanwhile is never undercounted.
                perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() == 0 ? null : c);
            }
        });
        return true;
    }

    /** Connections refused at accept because of {@code maxConnections} or {@code maxConnectionsPerAddress}. */
    public long refusedConnections() {
        return refused.get();
    }

    /** The bound address (useful with port 0). */
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public int port() {
        return localAddress().getPort();
    }

    /** The receive memory budget shared by every connection of this server. */
    public MemoryBudget memoryBudget() {
        return settings.flow().memoryBudget();
    }

    /** Open connections. */
    public Set<? extends Connection> connections() {
        return Set.copyOf(connections);
    }

    /**
     * Graceful shutdown: stops accepting, sends GOAWAY on every connection, lets open streams finish
     * within {@code grace}, then closes what is left and releases the event loops.
     */
    public CompletionStage<Void> shutdown(Duration grace) {
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
        List<CompletableFuture<CloseStatus>> closing = new ArrayList<>();
        for (DefaultConnection c : connections) {
            closing.add(c.shutdown(grace).toCompletableFuture());
        }
        return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                .thenRun(this::releaseGroups);
    }

    private void releaseGroups() {
        released = true;
        if (ownsGroups) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    /** Closes at once: every connection is closed, streams end with CANCEL. */
    @Override
    public void close() {
        if (released) {
            return; // shut down already
        }
        Channel ch = serverChannel;
        if (ch != null) {
            ch.close().syncUninterruptibly();
        }
        for (DefaultConnection c : connections) {
            c.close();
        }
        for (DefaultConnection c : connections) {
            c.closeFuture()
                    .toCompletableFuture()
                    .orTimeout(5, TimeUnit.SECONDS)
                    .exceptionally(e -> null)
                    .join();
        }
        released = true;
        if (ownsGroups) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Builder; not thread-safe. */
    public static final class Builder extends EndpointBuilder<Builder> {
        /** Same as {@link Defaults#MAX_CONNECTIONS} (kept for source compatibility; the reason is there). */
        public static final int DEFAULT_MAX_CONNECTIONS = Defaults.MAX_CONNECTIONS;
        /** Same as {@link Defaults#MAX_CONNECTIONS_PER_ADDRESS} (kept for source compatibility). */
        public static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = Defaults.MAX_CONNECTIONS_PER_ADDRESS;

        private String host = "127.0.0.1";
        private int port;
        private int maxConnections = Defaults.MAX_CONNECTIONS;
        private int maxConnectionsPerAddress = Defaults.MAX_CONNECTIONS_PER_ADDRESS;

        private Builder() {
            super(StreamHandler.REFUSE_ALL);
        }

        /** Checks each client's handshake credential before any of its streams opens. */
        @Override
        public Builder authenticator(io.creditflow.transport.Authenticator authenticator) {
            return super.authenticator(authenticator);
        }

        /** The address to bind; default 127.0.0.1 (loopback only). Use "0.0.0.0" for every interface. */
        public Builder host(String host) {
            if (host == null || host.isEmpty()) {
                throw new IllegalArgumentException("host: " + host + " (expected: an address)");
            }
            this.host = host;
            return this;
        }

        /** The port; 0 (the default) picks a free one, see {@link Server#port()}. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        /**
         * Open connections in all; beyond it connections are refused at accept. Default
         * {@value Defaults#MAX_CONNECTIONS}.
         */
        public Builder maxConnections(int connections) {
            if (connections <= 0) {
                throw new IllegalArgumentException("maxConnections: " + connections + " (expected: > 0)");
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * Open connections from one remote address; beyond it that address's connections are refused at accept.
         * Default {@value Defaults#MAX_CONNECTIONS_PER_ADDRESS}.
         */
        public Builder maxConnectionsPerAddress(int connections) {
            if (connections <= 0) {
                throw new IllegalArgumentException("maxConnectionsPerAddress: " + connections + " (expected: > 0)");
            }
            this.maxConnectionsPerAddress = connections;
            return this;
        }

        public Server build() {
            return new Server(this, settings());
        }
    }
}
