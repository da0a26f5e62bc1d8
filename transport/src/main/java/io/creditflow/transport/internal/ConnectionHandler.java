package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.EventBudget;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.core.WriteScheduler;
import io.creditflow.proto.wire.Blocked;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.GoAway;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Pong;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.proto.wire.RevokeAck;
import io.creditflow.proto.wire.Settings;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ConnectionStats;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * The Netty glue for one connection, for both roles: decodes frames, drives the flow-control core
 * ({@link InboundFlowController}, {@link OutboundFlowController}), gates writes on channel writability,
 * pauses reading (autoRead) above the read high watermark, and implements {@link Connection}.
 *
 * <p>Threading: event-loop confined, except the {@link Connection} methods and
 * {@link #requestWrite}/{@link #execute}, which are thread-safe and reach the loop only through one
 * write-request queue and tasks. Application threads never touch channel state directly.
 *
 * <p>Read path: {@code channelRead} decodes complete frames in place (payloads are retained slices of
 * the read buffer); only a frame that straddles two reads is assembled in a separate buffer, which is
 * at most one frame ({@code maxFrameBytes}, checked from the length prefix before anything is allocated).
 *
 * <p>Write path: application threads enqueue into a stream's bounded {@link SendQueue} and post the
 * stream on {@link #writeRequests}; one task per batch runs a write pass (credit, fairness,
 * writability) and one flush.
 *
 * <p>TLS: with an {@link SslHandler} ahead of this handler the TLS handshake runs first; this handler's
 * handshake timer (started at channelActive) covers it, the client's {@code Handshake} waits in the
 * SslHandler until TLS is up, and a TLS failure before the creditflow handshake closes the connection
 * with AUTHENTICATION_FAILED and fails {@link #handshakeFuture()} with an {@link SSLHandshakeException}.
 */
public final class ConnectionHandler extends ChannelDuplexHandler
        implements Connection, FrameReader.Listener, InboundFlowController.CreditSink {

    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());
    /** The protocol version this implementation speaks. */
    public static final int PROTOCOL_VERSION = 1;
    public static final String MAGIC = "creditflow";
    /** How long a closing connection may take to flush its last frames (the GoAway) before it is cut. */
    static final long CLOSE_FLUSH_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * Size of the pooled buffers small data frames are gathered into: large enough to take a write pass's
     * turn of one stream (16 KiB), small enough that the channel's writability lags by little.
     */
    static final int COALESCE_BYTES = 16 * 1024;
    /** The first body byte of a {@code Frame} carrying a {@code Handshake}: field 1, length-delimited. */
    private static final int HANDSHAKE_TAG = Frame.HANDSHAKE_FIELD_NUMBER << 3 | 2;
    /** The first body byte of a {@code Frame} carrying a {@code GoAway}: field 9, length-delimited. */
    private static final int GO_AWAY_TAG = Frame.GO_AWAY_FIELD_NUMBER << 3 | 2;

    final EndpointSettings settings;
    private final boolean client;
    private final FrameReader reader;
    private final MemoryBudget budget;
    private final CompletableFuture<Connection> handshakeFuture = new CompletableFuture<>();
    private final CompletableFuture<CloseStatus> closeFuture = new CompletableFuture<>();
    private final IntObjectHashMap<DefaultStream> streams = new IntObjectHashMap<>();
    private final ConcurrentLinkedQueue<DefaultStream> writeRequests = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean writeTaskScheduled = new AtomicBoolean();
    private final Runnable writeTask = this::runWriteTask;
    private final BooleanSupplier writable = this::isChannelWritable;
    private final StallTimer stalls = new StallTimer();
    private final Object openLock = new Object();
    private final AtomicInteger localStreamsOpen = new AtomicInteger();
    private final EndpointSettings.Limits limits;
    private final EventBudget resetsReceived;
    private final EventBudget resetsSent;

    private ChannelHandlerContext ctx;
    private Channel channel;
    private EventLoop loop;
    private InboundFlowController inbound;
    private OutboundFlowController<DefaultStream> outbound;
    private ByteBuf partial;
    /** Data frames of the current write pass, gathered into one pooled buffer; see {@link #writeData}. */
    private ByteBuf coalesce;
    private int partialFrameBytes = -1;

    /** Guarded by {@link #openLock}. */
    private int nextLocalStreamId;
    private int highestLocalStreamId;
    private int lastRemoteStreamId;
    private int remoteStreamsOpen;
    private volatile Settings peerSettings;
    private volatile String principal = "";
    private volatile int peerMaxMessageBytes;
    private volatile boolean active;
    private boolean handshakeReceived;
    private volatile boolean goAwaySent;
    private boolean goAwayReceived;
    private boolean flushNeeded;
    private boolean writePassNeeded;
    private volatile long unconsumedInboundBytes;
    private volatile boolean readPaused;
    private volatile long bytesReceived;
    private ScheduledFuture<?> tickFuture;
    private ScheduledFuture<?> timeoutFuture;
    /** The TLS handler ahead of this one, or null for plain TCP. */
    private SslHandler tls;
    /** TLS is configured and its handshake has not finished: nothing can be written or sent yet. */
    private boolean tlsPending;
    /** Why TLS failed before the creditflow handshake completed, or null. */
    private SSLException tlsFailure;
    /** Closes the channel if the GoAway flush of {@link #closeWith} never completes (a peer that stopped reading). */
    private ScheduledFuture<?> forcedCloseFuture;
    // Defenses (docs/protocol.md, "Limits and defaults"), all event-loop confined, timed by settings.clock().
    private long lastReadNanos;
    /** When the connection last had no stream (-1 while it has one): the idle timeout counts from here. */
    private long idleSinceNanos;
    private long lastPingReceivedNanos = Long.MIN_VALUE;
    private int pingStrikes;
    private long pingSentNanos = -1;
    private int consecutiveEmptyFrames;
    /** The first frame's body started with the Handshake (or GoAway) tag; see {@link #checkFirstFrameStart}. */
    private boolean firstFrameStartChecked;
    private int controlBacklog;
    private long partialSinceNanos;
    private long unwritableSinceNanos = -1;
    private CloseStatus closeStatus;
    /** closeWith ran: the channel is closing and further input is ignored. */
    private boolean closing;
    private volatile boolean closed;

    /**
     * @param client true on the connecting side (odd stream ids), false on the accepting side (even ids)
     */
    public ConnectionHandler(EndpointSettings settings, boolean client) {
        this.settings = settings;
        this.client = client;
        this.reader = new FrameReader(settings.maxFrameBytes(), settings.maxControlFrameBytes());
        this.budget = settings.memoryBudget();
        this.nextLocalStreamId = client ? 1 : 2;
        this.limits = settings.limits();
        this.resetsReceived = new EventBudget(limits.maxResetsReceived(), limits.resetWindowNanos());
        this.resetsSent = new EventBudget(limits.maxResetsSent(), limits.resetWindowNanos());
    }

    /** Completes when both handshakes have been exchanged; fails if the connection closes first. */
    public CompletionStage<Connection> handshakeFuture() {
        return handshakeFuture;
    }

    // ==================================================================== lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.loop = channel.eventLoop();
        this.tls = ctx.pipeline().get(SslHandler.class);
        this.inbound = new InboundFlowController(settings.receiveConfig(), budget, this, settings.clock(),
                () -> execute(this::onBudgetAvailable));
        if (channel.isActive()) {
            onActive();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        onActive();
        ctx.fireChannelActive();
    }

    private void onActive() {
        if (timeoutFuture != null) {
            return;
        }
        lastReadNanos = settings.clock().nanoTime();
        idleSinceNanos = lastReadNanos;
        if (tls != null && !tls.handshakeFuture().isDone()) {
            tlsPending = true;
            tls.handshakeFuture().addListener(f -> {
                tlsPending = false;
                if (!f.isSuccess()) {
                    onTlsFailure(f.cause());
                }
            });
        }
        if (client) {
            writeHandshake(); // the server answers with its own once it has checked ours (after TLS, if any)
        }
        flushIfNeeded();
        // One budget for the TLS handshake and the creditflow handshake together.
        timeoutFuture = loop.schedule(() -> {
            if (!handshakeReceived) {
                long millis = TimeUnit.NANOSECONDS.toMillis(settings.handshakeTimeoutNanos());
                connectionError(ProtocolException.connectionError(ErrorCode.HANDSHAKE_TIMEOUT, tlsPending
                        ? "TLS handshake not complete within " + millis + " ms"
                        : "no handshake within " + millis + " ms"));
            }
        }, settings.handshakeTimeoutNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * TLS failed before the creditflow handshake completed (a certificate not trusted, no client
     * certificate for mutual TLS, a peer that does not speak TLS): close without a GoAway, which could
     * not be encrypted anyway. The first call wins; a connection already closing for another reason
     * (the handshake timeout) keeps that reason.
     */
    private void onTlsFailure(Throwable cause) {
        if (closed || closing || tlsFailure != null || handshakeReceived) {
            return;
        }
        SSLException ssl = sslCause(cause);
        String why = ssl instanceof NotSslRecordException ? "the peer does not speak TLS"
                : ssl != null ? String.valueOf(ssl.getMessage())
                : cause instanceof java.nio.channels.ClosedChannelException ? "the connection closed during it"
                : String.valueOf(cause);
        tlsFailure = ssl != null ? ssl : new SSLException(why, cause);
        LOG.log(System.Logger.Level.DEBUG, "TLS handshake with " + channel.remoteAddress() + " failed: " + why);
        closeWith(new CloseStatus(ErrorCode.AUTHENTICATION_FAILED, "TLS handshake failed: " + why, false, 0), false);
    }

    /** The first SSLException in the cause chain (SslHandler's decode failures arrive wrapped), or null. */
    private static SSLException sslCause(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    private void writeHandshake() {
        Settings ours = Settings.newBuilder()
                .setMaxFrameBytes(settings.maxFrameBytes())
                .setMaxMessageBytes(settings.maxMessageBytes())
                .setMaxConcurrentStreams(settings.maxConcurrentStreams())
                .setInitialConnectionWindowBytes(settings.connectionWindowBytes())
                .setInitialStreamWindowBytes(settings.streamWindowBytes())
                .setInitialStreamWindowMessages(settings.streamWindowMessages())
                .setMaxMetadataBytes(settings.maxMetadataBytes())
                .setMaxMetadataEntries(settings.maxMetadataEntries())
                .build();
        writeControl(Frame.newBuilder().setHandshake(Handshake.newBuilder()
                .setMagic(MAGIC).setProtocolVersion(PROTOCOL_VERSION).setSettings(ours)
                .setCredential(com.google.protobuf.ByteString.copyFrom(client ? settings.credential() : new byte[0])))
                .build());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        teardown(new CloseStatus(ErrorCode.CANCEL, "connection lost", true, 0));
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        teardown(new CloseStatus(ErrorCode.CANCEL, "handler removed", false, 0));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!handshakeReceived && sslCause(cause) != null) {
            // With TLS 1.3 a client's TLS handshake completes before the server has checked the client's
            // certificate: the server's refusal then arrives as an alert, after TLS looked established.
            onTlsFailure(cause);
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "connection " + channel + " failed", cause);
        if (cause instanceof java.io.IOException) {
            // The network failed (reset, broken pipe): nobody to tell, nothing internal went wrong.
            closeWith(new CloseStatus(ErrorCode.CANCEL, "connection lost: " + cause.getMessage(), true, 0), false);
        } else {
            closeWith(new CloseStatus(ErrorCode.INTERNAL_ERROR, String.valueOf(cause), false, 0), true);
        }
    }

    /** Releases everything once the channel is gone. Idempotent. */
    private void teardown(CloseStatus fallback) {
        if (closed) {
            return;
        }
        closed = true;
        active = false;
        CloseStatus status = closeStatus != null ? closeStatus : fallback;
        closeStatus = status;
        if (tickFuture != null) {
            tickFuture.cancel(false);
        }
        if (timeoutFuture != null) {
            timeoutFuture.cancel(false);
        }
        if (forcedCloseFuture != null) {
            forcedCloseFuture.cancel(false);
        }
        if (partial != null) {
            partial.release();
            partial = null;
        }
        if (coalesce != null) {
            coalesce.release();
            coalesce = null;
        }
        // A clean status (a drain under way, ours or the peer's) is only true of streams that ended both ways;
        // the others were cut short by the connection going away and must not look complete.
        CloseStatus cut = status.code() != ErrorCode.NO_ERROR ? status : fallback.code() != ErrorCode.NO_ERROR
                ? fallback : new CloseStatus(ErrorCode.CANCEL, "connection closed before the stream ended", false, 0);
        List<DefaultStream> all = new ArrayList<>(streams.values());
        streams.clear();
        for (DefaultStream s : all) {
            if (s.receive != null) {
                inbound.onStreamClosed(s.receive);
            }
            s.closeWith(s.state == StreamState.CLOSED ? status : cut);
        }
        inbound.close();
        stalls.stopAll(settings.clock().nanoTime());
        DefaultStream s;
        while ((s = writeRequests.poll()) != null) {
            s.closeWith(cut); // opened locally but never registered
        }
        if (tlsFailure != null) {
            SSLHandshakeException e = new SSLHandshakeException(truncate(status.reason()));
            e.initCause(tlsFailure);
            handshakeFuture.completeExceptionally(e);
        } else {
            handshakeFuture.completeExceptionally(
                    new StreamClosedException("connection closed before the handshake completed", status));
        }
        closeFuture.complete(status);
    }

    // ==================================================================== reading

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (closed || closing) {
                return; // after a connection error or close, input is discarded
            }
            lastReadNanos = settings.clock().nanoTime();
            pingSentNanos = -1; // anything from the peer proves it is alive
            if (!firstFrameStartChecked) {
                checkFirstFrameStart(in);
            }
            if (partial != null && !completePartial(in)) {
                return;
            }
            if (reader.decode(in, this) && !closing && !closed) {
                // Not once the connection started closing: the rest is discarded, and teardown may already
                // have run (a close can complete within this read), which would leave the copy unreleased.
                keepPartial(in);
            }
        } catch (ProtocolException e) {
            onProtocolException(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "internal error on " + channel, e);
            connectionError(ProtocolException.connectionError(ErrorCode.INTERNAL_ERROR, e.toString()));
        } finally {
            in.release();
        }
    }

    /**
     * The first frame must be a {@code Handshake} (or a {@code GoAway} refusing us), so its body starts with
     * that field's tag. Checked from its first body byte: an HTTP request, a TLS ClientHello sent to a
     * plain port or any other protocol is refused at once, instead of waiting out the handshake timeout for
     * the frame its first byte only seems to announce ({@code 'G'} reads as a 71-byte prefix).
     */
    private void checkFirstFrameStart(ByteBuf in) {
        int buffered = partial == null ? 0 : partial.readableBytes();
        int available = buffered + in.readableBytes();
        int prefixBytes = 0;
        long length = 0;
        while (true) {
            if (prefixBytes >= available || prefixBytes >= 5) {
                return; // prefix incomplete, or malformed (the reader says so)
            }
            int b = byteAt(in, buffered, prefixBytes);
            length |= (long) (b & 0x7F) << (7 * prefixBytes);
            prefixBytes++;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (length == 0) {
            firstFrameStartChecked = true; // an empty first frame: the reader refuses it
            return;
        }
        if (prefixBytes >= available) {
            return;
        }
        int tag = byteAt(in, buffered, prefixBytes);
        if (tag != HANDSHAKE_TAG && tag != GO_AWAY_TAG) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "not a creditflow peer: the first "
                    + "frame must be a Handshake, got " + describeFirstBytes(in, buffered, available));
        }
        firstFrameStartChecked = true;
    }

    private int byteAt(ByteBuf in, int buffered, int i) {
        return i < buffered ? partial.getUnsignedByte(partial.readerIndex() + i)
                : in.getUnsignedByte(in.readerIndex() + i - buffered);
    }

    /** The first bytes in hex and, where they are printable, as text: enough to recognise HTTP or TLS. */
    private String describeFirstBytes(ByteBuf in, int buffered, int available) {
        int n = Math.min(available, 8);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = byteAt(in, buffered, i);
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", b));
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        String guess = byteAt(in, buffered, 0) == 0x16 && available > 1 && byteAt(in, buffered, 1) == 0x03
                ? " (a TLS handshake: this endpoint does not use TLS)"
                : text.toString().matches("[A-Z]{3,7} .*|PRI .*|[A-Z]{3,7}") ? " (an HTTP request?)" : "";
        return "bytes " + hex + " '" + text + "'" + guess;
    }

    /**
     * Feeds {@code in} into the frame that straddled the previous read.
     *
     * @return true if the partial frame was completed and decoded (the rest of {@code in} follows)
     */
    private boolean completePartial(ByteBuf in) {
        if (partialFrameBytes < 0) {
            while (in.isReadable() && partialFrameBytes < 0) {
                partial.writeByte(in.readByte());
                partialFrameBytes = reader.frameBytesAt(partial);
            }
            if (partialFrameBytes < 0) {
                return false;
            }
            ByteBuf sized = ctx.alloc().directBuffer(Math.min(partialFrameBytes, partial.readableBytes() + in
                    .readableBytes()), partialFrameBytes);
            sized.writeBytes(partial);
            partial.release();
            partial = sized;
        }
        int missing = partialFrameBytes - partial.readableBytes();
        int take = Math.min(missing, in.readableBytes());
        partial.writeBytes(in, take);
        if (take < missing) {
            // A control frame over its limit is refused as soon as its first body byte is here,
            // not after buffering up to maxFrameBytes of it.
            reader.checkFrameStart(partial);
            return false;
        }
        ByteBuf frame = partial;
        partial = null;
        partialFrameBytes = -1;
        try {
            reader.decode(frame, this);
        } finally {
            frame.release();
        }
        return true;
    }

    /** Copies the incomplete tail of {@code in} (at most one frame) into {@link #partial}. */
    private void keepPartial(ByteBuf in) {
        int frameBytes = reader.frameBytesAt(in);
        int available = in.readableBytes();
        int capacity = frameBytes < 0 ? 8 : Math.min(frameBytes, Math.max(available * 2, 256));
        partial = ctx.alloc().directBuffer(capacity, frameBytes < 0 ? 8 : frameBytes);
        partial.writeBytes(in);
        partialFrameBytes = frameBytes;
        partialSinceNanos = lastReadNanos; // the frame must be complete within the partial-frame timeout
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closed) {
            if (inbound != null && !closing) {
                inbound.onReadComplete(); // one connection Credit for the data this batch discarded
            }
            if (writePassNeeded) {
                writePassNeeded = false;
                writePass();
            }
            if (!readPaused && unconsumedInboundBytes > settings.readHighWatermarkBytes()) {
                setReadPaused(true);
            }
            flushIfNeeded();
        }
        ctx.fireChannelReadComplete();
    }

    private void setReadPaused(boolean paused) {
        long now = settings.clock().nanoTime();
        if (!paused) {
            // While paused nothing was read, so the read-side clocks restart: the peer's silence, its unread
            // answer to a ping or the unread rest of a frame during a pause say nothing about the peer.
            lastReadNanos = now;
            if (pingSentNanos >= 0) {
                pingSentNanos = now;
            }
            if (partial != null) {
                partialSinceNanos = now;
            }
        }
        readPaused = paused;
        channel.config().setAutoRead(!paused);
        stalls.set(StallReason.APPLICATION_NOT_READING, paused, now);
    }

    @Override
    public void onData(int streamId, ByteBuf payload, int frameBytes) {
        try {
            handleData(streamId, payload, frameBytes);
        } catch (ProtocolException e) {
            if (e.isConnectionError()) {
                throw e; // decoding stops; the connection closes
            }
            onProtocolException(e); // a stream error: reset that stream and keep decoding this read
        }
    }

    private void countEmptyFrame() {
        if (++consecutiveEmptyFrames > limits.maxConsecutiveEmptyFrames()) {
            throw ProtocolException.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "more than "
                    + limits.maxConsecutiveEmptyFrames() + " consecutive empty or unknown frames");
        }
    }

    private void handleData(int streamId, ByteBuf payload, int frameBytes) {
        boolean handedOver = false;
        try {
            if (closing) {
                return; // frames after a close in the same read are discarded
            }
            requireHandshake();
            int size = payload.readableBytes();
            if (size > settings.maxMessageBytes()) {
                throw ProtocolException.connectionError(ErrorCode.MESSAGE_TOO_LARGE, "message of " + size
                        + " bytes exceeds max_message_bytes " + settings.maxMessageBytes());
            }
            DefaultStream s = streams.get(streamId);
            if (s == null || s.receive == null) {
                classifyUnknownStream(streamId, "Data");
                if (size == 0) {
                    countEmptyFrame(); // discarded for free: bounded only by this limit
                }
                inbound.onDiscardedData(size);
                return;
            }
            if (!s.state.canReceive()) {
                inbound.onDiscardedData(size);
                throw ProtocolException.streamError(ErrorCode.STREAM_CLOSED, streamId,
                        "data after the peer half-closed");
            }
            if (size == 0 && s.receive.windowMessages() == Credits.UNLIMITED) {
                // Empty messages cost no byte credit; with unlimited message credit they would cost nothing.
                countEmptyFrame();
            } else {
                consecutiveEmptyFrames = 0;
            }
            inbound.onData(s.receive, size);
            bytesReceived += size;
            unconsumedInboundBytes += frameBytes;
            s.unconsumedWireBytes += frameBytes;
            handedOver = true;
            s.onData(payload, frameBytes);
        } finally {
            if (!handedOver) {
                payload.release();
            }
        }
    }

    @Override
    public void onControl(Frame frame, int frameBytes) {
        try {
            handleControl(frame, frameBytes);
        } catch (ProtocolException e) {
            if (e.isConnectionError()) {
                throw e;
            }
            onProtocolException(e);
        }
    }

    private void handleControl(Frame frame, int frameBytes) {
        if (closing) {
            return; // frames after a close in the same read are discarded
        }
        if (!handshakeReceived) {
            if (frame.hasGoAway()) {
                onGoAway(frame.getGoAway()); // refused before the handshake (authentication, version)
                return;
            }
            if (!frame.hasHandshake()) {
                throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR,
                        "expected Handshake as the first frame, got " + frame.getBodyCase());
            }
            onHandshake(frame.getHandshake());
            return;
        }
        switch (frame.getBodyCase()) {
            case HANDSHAKE -> throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "second Handshake");
            case OPEN -> onOpen(frame.getOpen());
            case DATA -> handleData(frame.getData().getStreamId(), FrameReader.payloadOf(frame), frameBytes);
            case CREDIT -> onCredit(frame.getCredit());
            case HALF_CLOSE -> onHalfClose(frame.getHalfClose().getStreamId());
            case RESET -> onReset(frame.getReset());
            case PING -> onPing(frame.getPing());
            case PONG -> pingSentNanos = -1;
            case GO_AWAY -> onGoAway(frame.getGoAway());
            case REVOKE -> onRevoke(frame.getRevoke());
            case REVOKE_ACK -> onRevokeAck(frame.getRevokeAck());
            case BLOCKED -> onBlocked(frame.getBlocked());
            case BODY_NOT_SET -> {
                // An empty frame or a frame type from a newer version: ignored (extension point), but counted
                // like empty data frames: they cost parsing and carry nothing, so a run of them is bounded.
                countEmptyFrame();
            }
        }
    }

    private void requireHandshake() {
        if (!handshakeReceived) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "expected Handshake as the first frame");
        }
    }

    private void onHandshake(Handshake h) {
        if (!MAGIC.equals(h.getMagic())) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "not a creditflow peer");
        }
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            throw ProtocolException.connectionError(ErrorCode.UNSUPPORTED_VERSION, "peer speaks protocol version "
                    + h.getProtocolVersion() + ", this endpoint speaks " + PROTOCOL_VERSION);
        }
        Settings s = h.getSettings();
        long maxFrame = Integer.toUnsignedLong(s.getMaxFrameBytes());
        long maxMessage = Integer.toUnsignedLong(s.getMaxMessageBytes());
        if (maxMessage == 0 || maxMessage > EndpointSettings.MAX_MESSAGE_BYTES_LIMIT
                || maxFrame < maxMessage + FrameWriter.MAX_DATA_HEADER_BYTES
                || Long.compareUnsigned(s.getInitialConnectionWindowBytes(), maxMessage) < 0
                || s.getMaxMetadataBytes() == 0) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "bad settings: max_frame_bytes="
                    + maxFrame + ", max_message_bytes=" + maxMessage + ", initial_connection_window_bytes="
                    + s.getInitialConnectionWindowBytes() + ", max_metadata_bytes=" + s.getMaxMetadataBytes());
        }
        if (!client) {
            if (h.getCredential().size() > EndpointSettings.MAX_CREDENTIAL_BYTES) {
                throw ProtocolException.connectionError(ErrorCode.AUTHENTICATION_FAILED, "credential of "
                        + h.getCredential().size() + " bytes exceeds the limit of "
                        + EndpointSettings.MAX_CREDENTIAL_BYTES);
            }
            String who;
            try {
                who = settings.authenticator().authenticate(h.getCredential().toByteArray(), channel.remoteAddress());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "authenticator failed for " + channel.remoteAddress(), e);
                who = null;
            }
            if (who == null) {
                throw ProtocolException.connectionError(ErrorCode.AUTHENTICATION_FAILED, "credential rejected");
            }
            principal = who;
            writeHandshake();
        }
        peerSettings = s;
        peerMaxMessageBytes = (int) maxMessage;
        outbound = new OutboundFlowController<>(WriteScheduler.roundRobin(), EndpointSettings.WRITE_QUANTUM_BYTES,
                Credits.fromUint64(s.getInitialConnectionWindowBytes()));
        handshakeReceived = true;
        active = true;
        timeoutFuture.cancel(false);
        tickFuture = loop.scheduleAtFixedRate(this::tick, EndpointSettings.TICK_NANOS, EndpointSettings.TICK_NANOS,
                TimeUnit.NANOSECONDS);
        handshakeFuture.complete(this);
    }

    private boolean isRemoteId(int id) {
        return (id & 1) == (client ? 0 : 1);
    }

    /**
     * A frame named a stream that is not open: fine if the stream existed and closed (frames in flight),
     * a connection error if it never existed.
     */
    private void classifyUnknownStream(int streamId, String frameType) {
        if (streamId <= 0) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR,
                    frameType + " on invalid stream id " + Integer.toUnsignedString(streamId));
        }
        boolean idle = isRemoteId(streamId) ? streamId > lastRemoteStreamId : streamId > highestLocalStreamId;
        if (idle) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR,
                    frameType + " on idle stream " + streamId + " (never opened)");
        }
    }

    private void onOpen(Open open) {
        int id = open.getStreamId();
        if (id <= 0 || !isRemoteId(id)) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "Open with stream id "
                    + Integer.toUnsignedString(id) + " (expected: " + (client ? "even" : "odd") + ", > 0)");
        }
        if (id <= lastRemoteStreamId) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR,
                    "Open with stream id " + id + " not above the last one, " + lastRemoteStreamId);
        }
        lastRemoteStreamId = id;
        if (goAwaySent) {
            writeReset(id, ErrorCode.REFUSED_STREAM, "endpoint is shutting down");
            return;
        }
        if (remoteStreamsOpen >= settings.maxConcurrentStreams()) {
            countPeerCausedReset();
            writeReset(id, ErrorCode.REFUSED_STREAM, "max_concurrent_streams " + settings.maxConcurrentStreams()
                    + " reached");
            return;
        }
        Map<String, String> metadata = open.getMetadataMap();
        if (metadata.size() > settings.maxMetadataEntries() || metadataBytes(metadata) > settings.maxMetadataBytes()) {
            countPeerCausedReset();
            writeReset(id, ErrorCode.PROTOCOL_ERROR, "metadata exceeds " + settings.maxMetadataEntries()
                    + " entries or " + settings.maxMetadataBytes() + " bytes");
            return;
        }
        DefaultStream stream = new DefaultStream(this, id, false, metadata, settings.acceptedStreamOptions());
        StreamListener listener;
        try {
            listener = settings.streamHandler().onStream(stream);
        } catch (io.creditflow.transport.StreamRejectedException e) {
            refuseOpen(stream, e.code(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream handler failed for stream " + id, e);
            refuseOpen(stream, ErrorCode.APPLICATION_ERROR, "stream handler failed: " + e);
            return;
        }
        if (listener == null) {
            refuseOpen(stream, ErrorCode.REFUSED_STREAM, "refused by the stream handler");
            return;
        }
        try {
            stream.bind(listener);
        } catch (io.creditflow.transport.StreamRejectedException e) {
            refuseOpen(stream, e.code(), e.getMessage()); // onOpen refused it, with its own code
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream " + id + ": onOpen threw", e);
            refuseOpen(stream, ErrorCode.APPLICATION_ERROR, "onOpen threw " + e);
            return;
        }
        remoteStreamsOpen++;
        register(stream);
    }

    /**
     * The application refused a stream the peer opened. The refusal is a reset the peer caused (bad
     * metadata, a denied permission): it counts against the same budget as the protocol's own refusals, so
     * a client cannot make us reset streams without bound by asking for what it may not have.
     */
    private void refuseOpen(DefaultStream stream, ErrorCode code, String reason) {
        stream.closeWith(new CloseStatus(code, reason, false, 0));
        countPeerCausedReset();
        writeReset(stream.id, code, reason);
    }

    static int metadataBytes(Map<String, String> metadata) {
        int bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            bytes += utf8Length(e.getKey()) + utf8Length(e.getValue());
        }
        return bytes;
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Makes the stream live on this loop: receive accounting, initial credit, pending writes. */
    private void register(DefaultStream stream) {
        streams.put(stream.id, stream);
        idleSinceNanos = -1;
        stream.receive = inbound.openStream(stream.id, stream.pushMode, stream.stalls);
        stream.registered = true;
        if (!stream.sendQueue.isEmpty() || stream.sendQueue.isFinishing()) {
            requestWrite(stream);
        }
    }

    private void onCredit(Credit credit) {
        int id = credit.getStreamId();
        long bytes = Credits.fromUint64(credit.getBytes());
        long messages = Credits.fromUint64(credit.getMessages());
        if (bytes == 0 && messages == 0) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "Credit of zero on stream " + id);
        }
        if (id == 0) {
            if (messages != 0) {
                throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR,
                        "connection-scope Credit with messages");
            }
            outbound.addConnectionCredit(bytes);
            writePassNeeded = true;
            return;
        }
        DefaultStream s = streams.get(id);
        if (s == null) {
            classifyUnknownStream(id, "Credit");
            return;
        }
        s.onCredit(bytes, messages);
        if (s.registered) {
            outbound.onStreamReady(s);
            writePassNeeded = true;
        }
    }

    private void onHalfClose(int id) {
        DefaultStream s = streams.get(id);
        if (s == null) {
            classifyUnknownStream(id, "HalfClose");
            return;
        }
        if (!s.state.canReceive()) {
            throw ProtocolException.streamError(ErrorCode.STREAM_CLOSED, id, "second HalfClose");
        }
        s.state = s.state.remoteHalfClosed();
        inbound.onRemoteHalfClosed(s.receive);
        s.onRemoteHalfClose();
        maybeFinishStream(s);
    }

    private void onReset(Reset reset) {
        if (!resetsReceived.tryAcquire(settings.clock().nanoTime())) {
            throw ProtocolException.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "more than "
                    + resetsReceived.maxEvents() + " resets received in "
                    + TimeUnit.NANOSECONDS.toMillis(resetsReceived.windowNanos()) + " ms");
        }
        int id = reset.getStreamId();
        DefaultStream s = streams.get(id);
        if (s == null) {
            classifyUnknownStream(id, "Reset");
            return;
        }
        removeStream(s);
        s.closeWith(new CloseStatus(reset.getCode(), truncate(reset.getReason()), true, 0));
    }

    private void onPing(Ping ping) {
        long now = settings.clock().nanoTime();
        boolean early = lastPingReceivedNanos != Long.MIN_VALUE
                && now - lastPingReceivedNanos < limits.minPingIntervalNanos();
        if (!early) {
            pingStrikes = 0; // strikes are for a burst: a ping at the allowed pace forgives them
        } else if (++pingStrikes > limits.maxPingStrikes()) {
            throw ProtocolException.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "pings closer than "
                    + TimeUnit.NANOSECONDS.toMillis(limits.minPingIntervalNanos()) + " ms apart, " + pingStrikes
                    + " times");
        }
        lastPingReceivedNanos = now;
        writeControl(Frame.newBuilder().setPong(Pong.newBuilder().setPayload(ping.getPayload())).build());
    }

    private void onGoAway(GoAway goAway) {
        goAwayReceived = true;
        active = false;
        int last = goAway.getLastStreamId();
        String reason = truncate(goAway.getReason());
        List<DefaultStream> refused = new ArrayList<>();
        for (DefaultStream s : streams.values()) {
            if (s.local && Integer.compareUnsigned(s.id, last) > 0) {
                refused.add(s);
            }
        }
        for (DefaultStream s : refused) {
            removeStream(s);
            s.closeWith(new CloseStatus(ErrorCode.REFUSED_STREAM, "peer is going away: " + reason, true, 0));
        }
        if (goAway.getCode() != ErrorCode.NO_ERROR) {
            closeWith(new CloseStatus(goAway.getCode(), reason, true, 0), false);
        } else {
            if (closeStatus == null) {
                closeStatus = new CloseStatus(ErrorCode.NO_ERROR, reason, true, 0);
            }
            closeIfDrained();
        }
    }

    private void onRevoke(Revoke revoke) {
        int id = revoke.getStreamId();
        DefaultStream s = streams.get(id);
        long returned = 0;
        if (s == null) {
            classifyUnknownStream(id, "Revoke");
        } else if (s.state.canSend()) {
            returned = s.sendWindow.revoke(Credits.fromUint64(revoke.getKeepBytes()));
            if (s.registered) {
                outbound.onStreamReady(s); // re-evaluate: a waiting message is reported as Blocked again
                writePassNeeded = true;
            }
        }
        writeControl(Frame.newBuilder()
                .setRevokeAck(RevokeAck.newBuilder().setStreamId(id).setReturnedBytes(returned)).build());
    }

    private void onRevokeAck(RevokeAck ack) {
        int id = ack.getStreamId();
        DefaultStream s = streams.get(id);
        if (s == null) {
            classifyUnknownStream(id, "RevokeAck");
            return;
        }
        inbound.onRevokeAck(s.receive, Credits.fromUint64(ack.getReturnedBytes()));
    }

    private void onBlocked(Blocked blocked) {
        int id = blocked.getStreamId();
        long needed = Credits.fromUint64(blocked.getNeededBytes());
        if (needed > settings.maxMessageBytes()) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "Blocked for " + needed
                    + " bytes, more than max_message_bytes " + settings.maxMessageBytes());
        }
        DefaultStream s = streams.get(id);
        if (s == null) {
            classifyUnknownStream(id, "Blocked");
            return;
        }
        if (s.state.canReceive()) {
            inbound.onBlocked(s.receive, needed);
        }
    }

    private void onProtocolException(ProtocolException e) {
        if (e.isConnectionError()) {
            connectionError(e);
            return;
        }
        countPeerCausedReset();
        DefaultStream s = streams.get(e.streamId());
        if (s != null) {
            resetStream(s, e.code(), e.getMessage());
        } else {
            writeReset(e.streamId(), e.code(), e.getMessage());
        }
        flushIfNeeded();
    }

    /** A reset the peer made us send (a refusal or its stream error): budgeted against MadeYouReset. */
    private void countPeerCausedReset() {
        if (!resetsSent.tryAcquire(settings.clock().nanoTime())) {
            throw ProtocolException.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "the peer caused more than "
                    + resetsSent.maxEvents() + " stream resets in "
                    + TimeUnit.NANOSECONDS.toMillis(resetsSent.windowNanos()) + " ms");
        }
    }

    // ==================================================================== consumption and autoRead

    /** The application consumed data from {@code s} (push: after onMessage; pull: messages closed). */
    void onConsumed(DefaultStream s, long bytes, long messages, long wireBytes) {
        if (s.receive == null || s.receive.isClosed()) {
            return; // already released in full when the stream was removed
        }
        unconsumedInboundBytes -= wireBytes;
        s.unconsumedWireBytes -= wireBytes;
        inbound.onConsumed(s.receive, bytes, messages);
        if (readPaused && unconsumedInboundBytes <= settings.readLowWatermarkBytes()) {
            setReadPaused(false);
        }
        maybeFinishStream(s);
    }

    private void onBudgetAvailable() {
        inbound.onBudgetAvailable();
        flushIfNeeded();
    }

    private void tick() {
        if (closed || closing) {
            return;
        }
        inbound.tick();
        long now = settings.clock().nanoTime();
        stalls.set(StallReason.BUDGET_EXHAUSTED, inbound.starvedStreams() > 0, now);
        checkTimeouts(now);
        flushIfNeeded();
    }

    /**
     * The time limits, at most one acting per tick, in this order: write stall; then, unless reading is
     * paused (which suspends them), partial frame, keepalive timeout, idle (no stream), keepalive ping.
     */
    private void checkTimeouts(long now) {
        if (unwritableSinceNanos >= 0 && now - unwritableSinceNanos > limits.writeStallTimeoutNanos()) {
            LOG.log(System.Logger.Level.INFO, "closing " + channel + ": the peer read nothing for "
                    + TimeUnit.NANOSECONDS.toMillis(now - unwritableSinceNanos) + " ms while writes waited");
            connectionError(ProtocolException.connectionError(ErrorCode.WRITE_STALLED, "the peer read nothing for "
                    + TimeUnit.NANOSECONDS.toMillis(now - unwritableSinceNanos) + " ms while writes waited"));
        } else if (readPaused) {
            // Our application is not reading, so neither are we: the read-side clocks (partial frame, keepalive)
            // are suspended and restart on resume. The write-stall timeout above still covers a peer that stops
            // reading from us.
            return;
        } else if (partial != null && now - partialSinceNanos > limits.partialFrameTimeoutNanos()) {
            connectionError(ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "frame incomplete for "
                    + TimeUnit.NANOSECONDS.toMillis(now - partialSinceNanos) + " ms"));
        } else if (pingSentNanos >= 0 && now - pingSentNanos > limits.keepaliveTimeoutNanos()) {
            closeWith(new CloseStatus(ErrorCode.IDLE_TIMEOUT, "keepalive: no answer from the peer within "
                    + TimeUnit.NANOSECONDS.toMillis(limits.keepaliveTimeoutNanos()) + " ms", false, 0), true);
        } else if (streams.isEmpty() && localStreamsOpen.get() == 0 && idleSinceNanos >= 0
                && now - idleSinceNanos > limits.idleTimeoutNanos()) {
            // Idle means no stream, whatever else arrives: pings or stray bytes do not keep a slot forever.
            closeWith(new CloseStatus(ErrorCode.IDLE_TIMEOUT, "no stream for "
                    + TimeUnit.NANOSECONDS.toMillis(now - idleSinceNanos) + " ms", false, 0), true);
        } else if (pingSentNanos < 0 && now - lastReadNanos > limits.keepaliveIntervalNanos()) {
            pingSentNanos = now;
            writeControl(Frame.newBuilder().setPing(Ping.newBuilder().setPayload(now)).build());
        }
    }

    // ==================================================================== writing

    /** Any thread: {@code s} has something to write (or to half-close); coalesced into one task per batch. */
    void requestWrite(DefaultStream s) {
        if (s.writeRequested.compareAndSet(false, true)) {
            writeRequests.add(s);
            if (writeTaskScheduled.compareAndSet(false, true)) {
                execute(writeTask);
            }
        }
    }

    private void runWriteTask() {
        writeTaskScheduled.set(false);
        DefaultStream s;
        while ((s = writeRequests.poll()) != null) {
            s.writeRequested.set(false);
            if (s.registered && !s.isClosed() && outbound != null) {
                outbound.onStreamReady(s);
            }
        }
        writePass();
        flushIfNeeded();
    }

    private void writePass() {
        if (outbound == null || closed) {
            return;
        }
        outbound.writePass(writable);
        long now = settings.clock().nanoTime();
        stalls.set(StallReason.CHANNEL_NOT_WRITABLE, !channel.isWritable() && outbound.scheduledStreams() > 0, now);
        stalls.set(StallReason.NO_PEER_CREDIT, outbound.isConnectionCreditStalled(), now);
    }

    /** Writable, counting the frames gathered but not yet handed to the channel ({@link #coalesce}). */
    private boolean isChannelWritable() {
        ByteBuf out = coalesce;
        return channel.isWritable() && (out == null || out.readableBytes() < channel.bytesBeforeUnwritable());
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (channel.isWritable()) {
            controlBacklog = 0;
            unwritableSinceNanos = -1;
            writePass();
            flushIfNeeded();
        } else {
            long now = settings.clock().nanoTime();
            unwritableSinceNanos = now;
            stalls.set(StallReason.CHANNEL_NOT_WRITABLE, true, now);
        }
        ctx.fireChannelWritabilityChanged();
    }

    /**
     * Writes one data frame. A direct payload is appended by reference after our header (no copy). A heap
     * payload ({@code byte[]} or a heap {@code ByteBuffer}) must reach the socket in native memory, so
     * every JVM transport copies it once; we make that one copy ourselves, straight into a pooled direct
     * buffer shared by the frames of this write pass ({@link #COALESCE_BYTES}): one outbound entry for
     * many small messages instead of two each, and none of the wrapper and view objects Netty's own
     * heap-to-direct copy allocates per message.
     */
    void writeData(int streamId, Object message, int size) {
        int headerBytes = FrameWriter.dataHeaderLength(streamId, size);
        if (message instanceof ByteBuffer buffer && buffer.isDirect() && size > 0) {
            flushCoalesced();
            ByteBuf header = ctx.alloc().directBuffer(headerBytes);
            FrameWriter.writeDataHeader(header, streamId, size);
            ctx.write(header, ctx.voidPromise());
            ctx.write(Unpooled.wrappedBuffer(buffer.duplicate()), ctx.voidPromise());
        } else {
            int frameBytes = headerBytes + size;
            ByteBuf out = coalesce;
            // Gather no more than the channel can take before it turns unwritable, so that what is queued
            // stays within the write high watermark plus one frame, as without gathering.
            if (out != null && (out.writableBytes() < frameBytes
                    || out.readableBytes() + frameBytes > channel.bytesBeforeUnwritable())) {
                flushCoalesced();
                out = null;
            }
            if (out == null) {
                out = coalesce = ctx.alloc().directBuffer(Math.max(COALESCE_BYTES, frameBytes));
            }
            FrameWriter.writeDataHeader(out, streamId, size);
            if (message instanceof byte[] bytes) {
                out.writeBytes(bytes);
            } else if (size > 0) {
                out.writeBytes(((ByteBuffer) message).duplicate());
            }
            if (out.writableBytes() < FrameWriter.MAX_DATA_HEADER_BYTES) {
                flushCoalesced();
            }
        }
        flushNeeded = true;
    }

    /** Hands the frames gathered so far to the channel (before anything else is written, and before a flush). */
    private void flushCoalesced() {
        ByteBuf out = coalesce;
        if (out != null) {
            coalesce = null;
            ctx.write(out, ctx.voidPromise());
        }
    }

    void writeHalfClose(DefaultStream s) {
        s.halfCloseWritten = true;
        writeControl(Frame.newBuilder().setHalfClose(HalfClose.newBuilder().setStreamId(s.id)).build());
        s.state = s.state.localHalfClosed();
        maybeFinishStream(s);
    }

    void writeBlocked(int streamId, long neededBytes) {
        writeControl(Frame.newBuilder()
                .setBlocked(Blocked.newBuilder().setStreamId(streamId).setNeededBytes(neededBytes)).build());
    }

    private void writeReset(int streamId, ErrorCode code, String reason) {
        writeControl(Frame.newBuilder()
                .setReset(Reset.newBuilder().setStreamId(streamId).setCode(code).setReason(truncate(reason))).build());
    }

    private void writeControl(Frame frame) {
        flushCoalesced(); // keep the order: data gathered before this frame goes first
        if (!channel.isWritable() && !closing && flushNeeded) {
            // What this read batch queued is not yet the peer's backlog: hand it to the socket first, so that
            // only what stays queued because the peer does not read is counted below.
            flushNeeded = false;
            ctx.flush();
        }
        if (!channel.isWritable() && ++controlBacklog > limits.maxQueuedControlFrames() && !closing) {
            // The peer makes us answer but does not read the answers: stop before they pile up.
            closeWith(new CloseStatus(ErrorCode.ENHANCE_YOUR_CALM, "more than " + limits.maxQueuedControlFrames()
                    + " control frames queued for a peer that does not read", false, 0), true);
            ctx.close(); // it reads nothing: waiting for the flush would keep the connection (and its buffers) forever
            return;
        }
        ctx.write(FrameWriter.encode(ctx.alloc(), frame), ctx.voidPromise());
        flushNeeded = true;
    }

    void flushIfNeeded() {
        if (flushNeeded) {
            flushNeeded = false;
            flushCoalesced();
            ctx.flush();
        }
    }

    @Override
    public void writeStreamCredit(int streamId, long bytes, long messages) {
        writeControl(Frame.newBuilder()
                .setCredit(Credit.newBuilder().setStreamId(streamId).setBytes(bytes).setMessages(messages)).build());
    }

    @Override
    public void writeConnectionCredit(long bytes) {
        writeControl(Frame.newBuilder().setCredit(Credit.newBuilder().setStreamId(0).setBytes(bytes)).build());
    }

    @Override
    public void writeRevoke(int streamId, long keepBytes) {
        writeControl(Frame.newBuilder()
                .setRevoke(Revoke.newBuilder().setStreamId(streamId).setKeepBytes(keepBytes)).build());
    }

    private static String truncate(String reason) {
        if (reason == null) {
            return "";
        }
        return reason.length() <= EndpointSettings.MAX_REASON_CHARS ? reason
                : reason.substring(0, EndpointSettings.MAX_REASON_CHARS);
    }

    // ==================================================================== stream ends

    /** Resets a stream (event loop): tells the peer, then closes it locally. */
    void resetStream(DefaultStream s, ErrorCode code, String reason) {
        if (s.isClosed()) {
            return;
        }
        if (s.registered) {
            writeReset(s.id, code, reason);
            removeStream(s);
        }
        s.closeWith(new CloseStatus(code, truncate(reason), false, 0));
        flushIfNeeded();
    }

    /** Closes a stream whose both directions ended cleanly once the application took everything. */
    private void maybeFinishStream(DefaultStream s) {
        if (s.state == StreamState.CLOSED && !s.isClosed() && s.receiveDrained()) {
            removeStream(s);
            s.closeWith(CloseStatus.OK);
        }
    }

    private void removeStream(DefaultStream s) {
        if (streams.remove(s.id) == null) {
            return;
        }
        if (s.receive != null) {
            inbound.onStreamClosed(s.receive);
        }
        unconsumedInboundBytes -= s.unconsumedWireBytes;
        s.unconsumedWireBytes = 0;
        if (readPaused && unconsumedInboundBytes <= settings.readLowWatermarkBytes()) {
            setReadPaused(false);
        }
        if (streams.isEmpty()) {
            idleSinceNanos = settings.clock().nanoTime();
        }
        if (s.local) {
            localStreamsOpen.decrementAndGet();
        } else {
            remoteStreamsOpen--;
        }
        closeIfDrained();
    }

    void onListenerFailure(DefaultStream s, String callback, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "stream " + s.id + ": " + callback + " threw", e);
        if (!"onClose".equals(callback)) {
            resetStream(s, ErrorCode.APPLICATION_ERROR, callback + " threw " + e);
        }
    }

    /** During a drain (GoAway sent or received), closes the connection once no stream is left. */
    private void closeIfDrained() {
        if ((goAwaySent || goAwayReceived) && streams.isEmpty() && localStreamsOpen.get() == 0 && !closed) {
            closeWith(closeStatus != null ? closeStatus : CloseStatus.OK, false);
        }
    }

    private void connectionError(ProtocolException e) {
        LOG.log(System.Logger.Level.DEBUG, "connection error on " + channel + ": " + e.code() + " " + e.getMessage());
        closeWith(new CloseStatus(e.code(), truncate(e.getMessage()), false, 0), true);
    }

    /**
     * Closes the connection (event loop): optionally sends GoAway with the status's code first. The
     * first status recorded is the one streams and {@link #closeFuture()} report.
     */
    private void closeWith(CloseStatus status, boolean sendGoAway) {
        if (closed) {
            return;
        }
        if (closeStatus == null || (closeStatus.code() == ErrorCode.NO_ERROR && status.code() != ErrorCode.NO_ERROR)) {
            closeStatus = status;
        }
        boolean tlsUp = !tlsPending && tlsFailure == null;
        if (sendGoAway && !goAwaySent && channel.isActive() && tlsUp) {
            goAwaySent = true;
            writeControl(Frame.newBuilder().setGoAway(GoAway.newBuilder().setLastStreamId(lastRemoteStreamId)
                    .setCode(status.code()).setReason(truncate(status.reason()))).build());
        }
        active = false;
        closing = true;
        flushNeeded = false;
        if (!tlsUp) {
            // Before TLS is up a write would wait in the SslHandler for a handshake that may never finish.
            ctx.close();
            return;
        }
        if (!channel.isWritable()) {
            channel.close(); // the peer is not reading: its GoAway would wait behind everything else forever
            return;
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        if (forcedCloseFuture == null && channel.isOpen()) {
            // The flush completes only once the peer has read what is queued before it: a peer that stopped
            // reading would otherwise keep the connection open for good (ticks stop while closing).
            forcedCloseFuture = loop.schedule(() -> {
                if (channel.isOpen()) {
                    ctx.close();
                }
            }, CLOSE_FLUSH_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
        }
    }

    // ==================================================================== Connection API (any thread)

    /** True on this connection's event loop thread. */
    boolean inEventLoop() {
        return loop.inEventLoop();
    }

    void execute(Runnable task) {
        try {
            loop.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.log(System.Logger.Level.DEBUG, "event loop shut down; task dropped", e);
        }
    }

    InboundFlowController inbound() {
        return inbound;
    }

    /** Any thread: true while reading is paused (consumption is then applied without batching). */
    boolean isReadPaused() {
        return readPaused;
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
        int openFrameBytes = Open.newBuilder().setStreamId(Integer.MAX_VALUE).putAllMetadata(metadata).build()
                .getSerializedSize() + 8;
        if (metadata.size() > peer.getMaxMetadataEntries() || metadataBytes(metadata) > peer.getMaxMetadataBytes()
                || Integer.toUnsignedLong(openFrameBytes) > Integer.toUnsignedLong(peer.getMaxFrameBytes())) {
            throw new IllegalArgumentException("metadata: " + metadata.size() + " entries, " + metadataBytes(metadata)
                    + " bytes, Open frame " + openFrameBytes + " bytes (expected: <= " + peer.getMaxMetadataEntries()
                    + " entries, <= " + peer.getMaxMetadataBytes() + " bytes, frame <= "
                    + Integer.toUnsignedString(peer.getMaxFrameBytes()) + " bytes: the peer's limits)");
        }
        synchronized (openLock) {
            if (closed && closeStatus != null && closeStatus.code() != ErrorCode.NO_ERROR) {
                throw new StreamClosedException("cannot open a stream", closeStatus);
            }
            if (!active || goAwaySent || goAwayReceived || closed) {
                throw new StreamClosedException("cannot open a stream", new CloseStatus(ErrorCode.REFUSED_STREAM,
                        "connection is draining or closed; open the stream on a new connection", false, 0));
            }
            long maxStreams = Integer.toUnsignedLong(peer.getMaxConcurrentStreams());
            if (localStreamsOpen.get() >= maxStreams) {
                throw new StreamClosedException("cannot open a stream", new CloseStatus(ErrorCode.REFUSED_STREAM,
                        "the peer allows " + maxStreams + " concurrent streams", false, 0));
            }
            if (nextLocalStreamId < 0) {
                throw new StreamClosedException("cannot open a stream", new CloseStatus(ErrorCode.REFUSED_STREAM,
                        "stream ids exhausted on this connection; open a new connection", false, 0));
            }
            int id = nextLocalStreamId;
            nextLocalStreamId += 2;
            DefaultStream stream = new DefaultStream(this, id, true, metadata, options);
            stream.bind(options.listener()); // an exception from onOpen reaches the caller; nothing is sent
            localStreamsOpen.incrementAndGet();
            execute(() -> openLocal(stream));
            return stream;
        }
    }

    /** Event loop: writes Open, then starts the stream (in id order: opens are queued under a lock). */
    private void openLocal(DefaultStream stream) {
        if (closed || goAwayReceived) {
            localStreamsOpen.decrementAndGet();
            stream.closeWith(closeStatus != null ? closeStatus
                    : new CloseStatus(ErrorCode.REFUSED_STREAM, "connection closed", false, 0));
            return;
        }
        highestLocalStreamId = stream.id;
        writeControl(Frame.newBuilder()
                .setOpen(Open.newBuilder().setStreamId(stream.id).putAllMetadata(stream.metadata())).build());
        register(stream);
        flushIfNeeded();
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
        return active && !closed;
    }

    @Override
    public ConnectionStats stats() {
        long now = settings.clock().nanoTime();
        long[] stalled = new long[StallReason.values().length];
        for (StallReason r : StallReason.values()) {
            stalled[r.ordinal()] = stalls.totalNanos(r, now);
        }
        ChannelOutboundBuffer out = channel.unsafe().outboundBuffer();
        OutboundFlowController<DefaultStream> o = outbound;
        return new ConnectionStats(streams.size(), o == null ? 0 : o.connectionAvailableBytes(),
                inbound.connectionWindowBytes(), inbound.connectionHoldBytes(), unconsumedInboundBytes,
                out == null ? 0 : out.totalPendingWriteBytes(), channel.isWritable(), readPaused,
                inbound.starvedStreams(), o == null ? 0 : o.connectionSentBytes(), bytesReceived, stalled);
    }

    @Override
    public CompletionStage<CloseStatus> shutdown(Duration grace) {
        long graceNanos = grace.toNanos();
        execute(() -> {
            if (closed || goAwaySent) {
                return;
            }
            goAwaySent = true;
            active = false;
            writeControl(Frame.newBuilder().setGoAway(GoAway.newBuilder().setLastStreamId(lastRemoteStreamId)
                    .setCode(ErrorCode.NO_ERROR).setReason("shutting down")).build());
            if (closeStatus == null) {
                closeStatus = new CloseStatus(ErrorCode.NO_ERROR, "shut down", false, 0);
            }
            flushIfNeeded();
            loop.schedule(() -> {
                if (!closed) {
                    for (DefaultStream s : new ArrayList<>(streams.values())) {
                        resetStream(s, ErrorCode.CANCEL, "shutdown grace period expired");
                    }
                    closeWith(new CloseStatus(ErrorCode.CANCEL, "shutdown grace period expired", false, 0), false);
                }
            }, graceNanos, TimeUnit.NANOSECONDS);
            closeIfDrained();
        });
        return closeFuture();
    }

    @Override
    public void close() {
        execute(() -> closeWith(new CloseStatus(ErrorCode.CANCEL, "closed by the application", false, 0), true));
    }

    @Override
    public CompletionStage<CloseStatus> closeFuture() {
        return closeFuture.minimalCompletionStage();
    }

    @Override
    public String toString() {
        return "Connection(" + (channel == null ? "unbound" : channel.remoteAddress()) + ", "
                + (client ? "client" : "server") + ')';
    }
}
