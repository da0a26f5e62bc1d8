package io.creditflow.transport.internal;

import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Settings;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ConnectionStats;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The public {@link Connection} of one channel: opening streams (checked against the peer's limits),
 * statistics, shutdown and close, the handshake and close futures, and what the peer's handshake told.
 * Model: gRPC's NettyClientTransport (the handler does not implement the transport).
 *
 * <p>Thread-safe: the public methods may be called from any thread and reach the event loop only through
 * tasks; the methods without javadoc saying otherwise are event-loop confined.
 */
public final class DefaultConnection implements Connection {
    private final EndpointSettings settings;
    private final boolean client;
    private final ConnectionLifecycle lifecycle = new ConnectionLifecycle();
    private final CompletableFuture<Connection> handshakeFuture = new CompletableFuture<>();
    private final CompletableFuture<CloseStatus> closeFuture = new CompletableFuture<>();
    /** The parts, once the handler was added to a channel; null before. */
    private volatile StreamHost host;

    private volatile ConnectionCloser closer;
    private volatile Channel channel;
    private volatile StallTimer stalls;
    private volatile Settings peerSettings;
    private volatile String principal = "";
    private volatile int peerMaxMessageBytes;
    private volatile long receivedBytes;

    DefaultConnection(EndpointSettings settings, boolean client) {
        this.settings = settings;
        this.client = client;
    }

    /** Event loop, once: the parts of the channel this connection runs on. */
    void bind(StreamHost host, ConnectionCloser closer, Channel channel, StallTimer stalls) {
        this.channel = channel;
        this.stalls = stalls;
        this.closer = closer;
        this.host = host;
    }

    ConnectionLifecycle lifecycle() {
        return lifecycle;
    }

    /** Any thread: the peer's handshake was accepted. */
    boolean handshaken() {
        return peerSettings != null;
    }

    /** The peer's handshake was accepted: streams may be opened, the handshake future completes. */
    void onHandshake(Settings peer, int peerMaxMessage, String peerPrincipal) {
        principal = peerPrincipal;
        peerSettings = peer;
        peerMaxMessageBytes = peerMaxMessage;
        lifecycle.onHandshake();
        handshakeFuture.complete(this);
    }

    /** Data of {@code bytes} arrived for a stream. */
    void onBytesReceived(long bytes) {
        receivedBytes += bytes;
    }

    /** Teardown: fails the handshake future if still pending, completes the close future. */
    void onClosed(CloseStatus status, SSLException tlsFailure) {
        if (tlsFailure != null) {
            SSLHandshakeException e = new SSLHandshakeException(OutboundFrames.truncate(status.reason()));
            e.initCause(tlsFailure);
            handshakeFuture.completeExceptionally(e);
        } else {
            handshakeFuture.completeExceptionally(
                    new StreamClosedException("connection closed before the handshake completed", status));
        }
        closeFuture.complete(status);
    }

    /** Completes when both handshakes have been exchanged; fails if the connection closes first. */
    public CompletionStage<Connection> handshakeFuture() {
        return handshakeFuture;
    }

    @Override
    public int peerMaxMessageBytes() {
        return peerMaxMessageBytes;
    }

    @Override
    public Stream openStream(StreamOptions options) {
        Settings peer = peerSettings;
        if (peer == null) {
            throw new IllegalStateException("handshake not complete");
        }
        Map<String, String> metadata = options.metadata();
        int metadataBytes = StreamAcceptor.metadataBytes(metadata);
        int openFrameBytes = Open.newBuilder()
                        .setStreamId(Integer.MAX_VALUE)
                        .putAllMetadata(metadata)
                        .build()
                        .getSerializedSize()
                + 8;
        if (metadata.size() > peer.getMaxMetadataEntries()
                || metadataBytes > peer.getMaxMetadataBytes()
                || Integer.toUnsignedLong(openFrameBytes) > Integer.toUnsignedLong(peer.getMaxFrameBytes())) {
            throw new IllegalArgumentException("metadata: " + metadata.size() + " entries, " + metadataBytes
                    + " bytes, Open frame " + openFrameBytes + " bytes (expected: <= " + peer.getMaxMetadataEntries()
                    + " entries, <= " + peer.getMaxMetadataBytes() + " bytes, frame <= "
                    + Integer.toUnsignedString(peer.getMaxFrameBytes()) + " bytes: the peer's limits)");
        }
        StreamHost parts = host;
        StreamRegistry registry = parts.registry;
        synchronized (registry.idLock()) {
            ConnectionState state = lifecycle.state();
            CloseStatus status = closer.closeStatus(); // published before CLOSED: see ConnectionCloser.teardown
            if (state == ConnectionState.CLOSED && status != null && status.code() != ErrorCode.NO_ERROR) {
                throw new StreamClosedException("cannot open a stream", status);
            }
            if (!state.canOpenStreams() || lifecycle.goAwaySent() || lifecycle.goAwayReceived()) {
                throw new StreamClosedException(
                        "cannot open a stream",
                        new CloseStatus(
                                ErrorCode.REFUSED_STREAM,
                                "connection is draining or closed; open the stream on a new connection",
                                false,
                                0));
            }
            long maxStreams = Integer.toUnsignedLong(peer.getMaxConcurrentStreams());
            if (registry.localOpen() >= maxStreams) {
                throw new StreamClosedException(
                        "cannot open a stream",
                        new CloseStatus(
                                ErrorCode.REFUSED_STREAM,
                                "the peer allows " + maxStreams + " concurrent streams",
                                false,
                                0));
            }
            int id = registry.allocateLocalId();
            if (id < 0) {
                throw new StreamClosedException(
                        "cannot open a stream",
                        new CloseStatus(
                                ErrorCode.REFUSED_STREAM,
                                "stream ids exhausted on this connection; open a new connection",
                                false,
                                0));
            }
            DefaultStream stream = new DefaultStream(parts, id, true, metadata, options);
            stream.bind(options.listener()); // an exception from onOpen reaches the caller; nothing is sent
            registry.countLocalOpen();
            parts.enqueue(new CommandQueue.OpenStream(stream));
            return stream;
        }
    }

    /**
     * Event loop, the {@link CommandQueue.OpenStream} command: writes Open, then starts the stream (in id order:
     * opens are queued under a lock). On a connection that closed or is going away the stream is refused: with
     * the connection's error, or REFUSED_STREAM (never a clean status: nothing of it was sent).
     */
    void openLocal(DefaultStream stream) {
        assert host.inEventLoop();
        StreamHost parts = host;
        if (lifecycle.isClosed() || lifecycle.goAwayReceived()) {
            parts.registry.uncountLocalOpen();
            CloseStatus status = closer.closeStatus();
            stream.transport.closeWith(
                    status != null && status.code() != ErrorCode.NO_ERROR
                            ? status
                            : new CloseStatus(
                                    ErrorCode.REFUSED_STREAM,
                                    "connection closed before the stream was opened",
                                    false,
                                    0));
            return;
        }
        parts.registry.onLocalOpenWritten(stream.id);
        parts.out.writeControl(Frame.newBuilder()
                .setOpen(Open.newBuilder().setStreamId(stream.id).putAllMetadata(stream.metadata()))
                .build());
        parts.registry.register(stream);
        parts.out.flushIfNeeded();
    }

    @Override
    public SocketAddress remoteAddress() {
        return channel.remoteAddress();
    }

    @Override
    public String principal() {
        return principal;
    }

    @Override
    public SocketAddress localAddress() {
        return channel.localAddress();
    }

    @Override
    public boolean isActive() {
        return lifecycle.state().canOpenStreams();
    }

    @Override
    public ConnectionStats stats() {
        StreamHost parts = host;
        long now = settings.clock().nanoTime();
        long[] stalled = new long[StallReason.values().length];
        for (StallReason r : StallReason.values()) {
            stalled[r.ordinal()] = stalls.totalNanos(r, now);
        }
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        OutboundFlowController<StreamTransportState> o = parts.writes.flow();
        return new ConnectionStats(
                parts.registry.size(),
                o == null ? 0 : o.connectionAvailableBytes(),
                parts.flow.connectionWindowBytes(),
                parts.flow.connectionHoldBytes(),
                parts.pressure.unconsumedBytes(),
                out == null ? 0 : out.totalPendingWriteBytes(),
                channel.isWritable(),
                parts.pressure.isPaused(),
                parts.flow.starvedStreams(),
                o == null ? 0 : o.connectionSentBytes(),
                receivedBytes,
                stalled);
    }

    @Override
    public CompletionStage<CloseStatus> shutdown(Duration grace) {
        host.enqueue(new CommandQueue.Shutdown(grace.toNanos()));
        return closeFuture();
    }

    /** Event loop, the {@link CommandQueue.Shutdown} command: GoAway, then a grace period for the streams. */
    void shutdownNow(long graceNanos) {
        assert host.inEventLoop();
        StreamHost parts = host;
        if (lifecycle.isClosed() || lifecycle.goAwaySent()) {
            return;
        }
        closer.writeGoAway(ErrorCode.NO_ERROR, "shutting down");
        closer.recordIfAbsent(new CloseStatus(ErrorCode.NO_ERROR, "shut down", false, 0));
        parts.out.flushIfNeeded();
        parts.loop.schedule(
                () -> {
                    if (!lifecycle.isClosed()) {
                        for (DefaultStream s : parts.registry.snapshot()) {
                            parts.registry.resetStream(s, ErrorCode.CANCEL, "shutdown grace period expired");
                        }
                        closer.closeWith(
                                new CloseStatus(ErrorCode.CANCEL, "shutdown grace period expired", false, 0), false);
                    }
                },
                graceNanos,
                TimeUnit.NANOSECONDS);
        closer.closeIfDrained();
    }

    @Override
    public void close() {
        host.enqueue(new CommandQueue.Close());
    }

    @Override
    public CompletionStage<CloseStatus> closeFuture() {
        return closeFuture.minimalCompletionStage();
    }

    @Override
    public String toString() {
        Channel ch = channel;
        return "Connection(" + (ch == null ? "unbound" : ch.remoteAddress()) + ", " + (client ? "client" : "server")
                + ')';
    }
}
