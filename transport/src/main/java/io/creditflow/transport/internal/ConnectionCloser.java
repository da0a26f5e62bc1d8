package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.GoAway;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Closing one connection: the first close status recorded, the GoAway, the drain (close once no stream
 * is left), the forced close of a flush that never completes, the TLS failure mapping, and the teardown
 * that releases everything once the channel is gone. Model: the goAway path of Netty's
 * Http2ConnectionHandler.
 *
 * <p>Event-loop confined, except {@link #closeStatus}, which any thread may read: it is published before the
 * state becomes CLOSED.
 */
final class ConnectionCloser {
    private static final System.Logger LOG = System.getLogger(ConnectionCloser.class.getName());
    /** How long a closing connection may take to flush its last frames (the GoAway) before it is cut. */
    static final long CLOSE_FLUSH_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final ConnectionLifecycle lifecycle;
    private final DefaultConnection connection;
    private final StreamHost host;
    private final FrameAssembler assembler;
    private final StallTimer stalls;
    /** Scheduled tasks (ticks, the handshake timer) cancelled at teardown. */
    private final List<Future<?>> timers = new ArrayList<>(2);
    /** TLS is configured and its handshake has not finished: nothing can be written or sent yet. */
    private boolean tlsPending;
    /** Why TLS failed before the creditflow handshake completed, or null. */
    private SSLException tlsFailure;
    /** Closes the channel if the GoAway flush of {@link #closeWith} never completes (a peer that stopped reading). */
    private Future<?> forcedCloseFuture;

    private volatile CloseStatus closeStatus;

    ConnectionCloser(ChannelHandlerContext ctx, StreamHost host, FrameAssembler assembler, StallTimer stalls) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.host = host;
        this.lifecycle = host.lifecycle;
        this.connection = host.connection();
        this.assembler = assembler;
        this.stalls = stalls;
    }

    /** The first close status recorded, or null (any thread). */
    CloseStatus closeStatus() {
        return closeStatus;
    }

    /** Records the status a drain will close with, unless one is recorded already. */
    void recordIfAbsent(CloseStatus status) {
        if (closeStatus == null) {
            closeStatus = status;
        }
    }

    /** True while the TLS handshake is under way. */
    boolean tlsPending() {
        return tlsPending;
    }

    /** Cancels {@code task} at teardown. */
    void cancelAtTeardown(Future<?> task) {
        timers.add(task);
    }

    /** TLS is configured: writes wait for its handshake, and its failure closes the connection. */
    void watchTls(SslHandler tls) {
        tlsPending = true;
        tls.handshakeFuture().addListener(f -> {
            tlsPending = false;
            if (!f.isSuccess()) {
                onTlsFailure(f.cause());
            }
        });
    }

    /**
     * TLS failed before the creditflow handshake completed (a certificate not trusted, no client
     * certificate for mutual TLS, a peer that does not speak TLS): close without a GoAway, which could
     * not be encrypted anyway. The first call wins; a connection already closing for another reason
     * (the handshake timeout) keeps that reason.
     */
    void onTlsFailure(Throwable cause) {
        if (!lifecycle.acceptsInput() || tlsFailure != null || connection.handshaken()) {
            return;
        }
        SSLException ssl = sslCause(cause);
        String why = ssl instanceof NotSslRecordException
                ? "the peer does not speak TLS"
                : ssl != null
                        ? String.valueOf(ssl.getMessage())
                        : cause instanceof java.nio.channels.ClosedChannelException
                                ? "the connection closed during it"
                                : String.valueOf(cause);
        tlsFailure = ssl != null ? ssl : new SSLException(why, cause);
        LOG.log(System.Logger.Level.DEBUG, "TLS handshake with " + channel.remoteAddress() + " failed: " + why);
        closeWith(new CloseStatus(ErrorCode.AUTHENTICATION_FAILED, "TLS handshake failed: " + why, false, 0), false);
    }

    /** The first SSLException in the cause chain (SslHandler's decode failures arrive wrapped), or null. */
    static SSLException sslCause(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                return ssl;
            }
        }
        return null;
    }

    /** A connection error: GoAway with its code, then close. */
    void connectionError(ProtocolException e) {
        LOG.log(System.Logger.Level.DEBUG, "connection error on " + channel + ": " + e.code() + " " + e.getMessage());
        closeWith(
                new CloseStatus(ErrorCodes.fromWire(e.code()), OutboundFrames.truncate(e.getMessage()), false, 0),
                true);
    }

    /** During a drain (GoAway sent or received), closes the connection once no stream is left. */
    void closeIfDrained() {
        assert ctx.executor().inEventLoop();
        if ((lifecycle.goAwaySent() || lifecycle.goAwayReceived())
                && host.registry.isDrained()
                && !lifecycle.isClosed()) {
            CloseStatus status = closeStatus;
            closeWith(status != null ? status : CloseStatus.OK, false);
        }
    }

    /** Writes our GoAway (once) with the highest stream id the peer opened. */
    void writeGoAway(ErrorCode code, String reason) {
        assert ctx.executor().inEventLoop();
        lifecycle.onGoAwaySent();
        host.out.writeControl(Frame.newBuilder()
                .setGoAway(GoAway.newBuilder()
                        .setLastStreamId(host.registry.lastRemoteId())
                        .setCode(ErrorCodes.toWire(code))
                        .setReason(OutboundFrames.truncate(reason)))
                .build());
    }

    /**
     * Closes the connection: optionally sends GoAway with the status's code first. The first status
     * recorded is the one streams and {@link DefaultConnection#closeFuture()} report.
     */
    void closeWith(CloseStatus status, boolean sendGoAway) {
        assert ctx.executor().inEventLoop();
        if (lifecycle.isClosed()) {
            return;
        }
        CloseStatus recorded = closeStatus;
        if (recorded == null || (recorded.code() == ErrorCode.NO_ERROR && status.code() != ErrorCode.NO_ERROR)) {
            closeStatus = status;
        }
        boolean tlsUp = !tlsPending && tlsFailure == null;
        if (sendGoAway && !lifecycle.goAwaySent() && channel.isActive() && tlsUp) {
            writeGoAway(status.code(), status.reason());
        }
        lifecycle.onClosing();
        host.out.cancelFlush();
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
            forcedCloseFuture = channel.eventLoop()
                    .schedule(
                            () -> {
                                if (channel.isOpen()) {
                                    ctx.close();
                                }
                            },
                            CLOSE_FLUSH_TIMEOUT_NANOS,
                            TimeUnit.NANOSECONDS);
        }
    }

    /** Releases everything once the channel is gone. Idempotent. */
    void teardown(CloseStatus fallback) {
        assert ctx.executor().inEventLoop();
        if (lifecycle.isClosed()) {
            return;
        }
        CloseStatus status = closeStatus != null ? closeStatus : fallback;
        closeStatus = status; // published before the state: a reader that sees CLOSED sees the status
        lifecycle.onClosed();
        for (Future<?> t : timers) {
            t.cancel(false);
        }
        if (forcedCloseFuture != null) {
            forcedCloseFuture.cancel(false);
        }
        assembler.release();
        host.out.release();
        // A clean status (a drain under way, ours or the peer's) is only true of streams that ended both ways;
        // the others were cut short by the connection going away and must not look complete.
        CloseStatus cut = status.code() != ErrorCode.NO_ERROR
                ? status
                : fallback.code() != ErrorCode.NO_ERROR
                        ? fallback
                        : new CloseStatus(ErrorCode.CANCEL, "connection closed before the stream ended", false, 0);
        InboundFlowController flow = host.flow;
        long now = host.time.now();
        for (DefaultStream s : host.registry.removeAll()) {
            if (s.transport.receive != null) {
                flow.onStreamClosed(s.transport.receive, now);
            }
            s.transport.closeWith(s.transport.state == StreamState.CLOSED ? status : cut);
        }
        flow.close(now);
        stalls.stopAll(now);
        // Commands still queued (an Open not yet written among them) now meet a closed connection: a pending
        // open is refused with the close status; the rest find their streams closed. A drain under way goes on.
        host.commands.drain();
        connection.onClosed(status, tlsFailure);
    }
}
