package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Ping;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The Netty glue for one connection, for both roles: receives the channel's callbacks and hands each to
 * the part that owns it. It has no protocol logic of its own:
 * <ul>
 * <li>{@link FrameAssembler} turns reads into frames, {@link InboundFrames} applies each frame's rules
 * ({@link StreamAcceptor} those of a peer's Open);</li>
 * <li>{@link StreamRegistry} holds the streams and their ids, {@link StreamWrites} the write hand-off and
 * passes, {@link OutboundFrames} the encoding, coalescing and flushes;</li>
 * <li>{@link ReadPressure} pauses reading (autoRead) above the read high watermark;</li>
 * <li>{@link ConnectionTimers} decides which time limit acts at each tick; the defenses are
 * {@link PingPolicer}, {@link EmptyFrameLimit}, {@link ControlBacklog} and {@link ResetBudgets};</li>
 * <li>{@link ConnectionCloser} closes and tears down; {@link DefaultConnection} is the public
 * {@link io.creditflow.transport.Connection}, {@link #connection()};</li>
 * <li>{@link StallEvents} turns long stalls into JFR events, from the tick.</li>
 * </ul>
 *
 * <p>Event-loop confined: Netty calls it on the channel's event loop. Application threads use
 * {@link #connection()}, which reaches the loop only through the connection's {@link CommandQueue}.
 *
 * <p>TLS: with an {@link SslHandler} ahead of this handler the TLS handshake runs first; this handler's
 * handshake timer (started at channelActive) covers it, the client's {@code Handshake} waits in the
 * SslHandler until TLS is up, and a TLS failure before the creditflow handshake closes the connection
 * with AUTHENTICATION_FAILED and fails the handshake future with an {@link javax.net.ssl.SSLHandshakeException}.
 */
public final class ConnectionHandler extends ChannelDuplexHandler {
    private static final System.Logger LOG = System.getLogger(ConnectionHandler.class.getName());

    final EndpointSettings settings;
    private final boolean client;
    private final DefaultConnection connection;
    private final StallTimer stalls = new StallTimer();
    /** Read once per Netty callback, command batch and tick; every part takes its time from it. */
    private final LoopClock time;

    private final ConnectionTimers timers;
    // The parts below are created when the handler is added to its channel.
    private StreamHost host;
    private FrameAssembler assembler;
    private InboundFrames inbound;
    private ConnectionCloser closer;
    private StallEvents stallEvents;
    private Future<?> handshakeTimer;

    /**
     * @param client true on the connecting side (odd stream ids), false on the accepting side (even ids)
     */
    public ConnectionHandler(EndpointSettings settings, boolean client) {
        this.settings = settings;
        this.client = client;
        this.connection = new DefaultConnection(settings, client);
        this.time = new LoopClock(settings.clock());
        this.timers = new ConnectionTimers(settings.timeouts());
    }

    /** The public side of this connection (any thread). */
    public DefaultConnection connection() {
        return connection;
    }

    /** The parts the streams use (tests). */
    StreamHost host() {
        return host;
    }

    /** The JFR stall events' watcher (tests). */
    StallEvents stallEvents() {
        return stallEvents;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        time.begin();
        try {
            addParts(ctx);
        } finally {
            time.end();
        }
    }

    private void addParts(ChannelHandlerContext ctx) {
        Channel channel = ctx.channel();
        EventLoop loop = channel.eventLoop();
        ConnectionLifecycle lifecycle = connection.lifecycle();
        OutboundFrames out = new OutboundFrames(
                ctx, lifecycle, new ControlBacklog(settings.defenses().maxQueuedControlFrames()));
        CommandQueue commands = new CommandQueue(loop, loop::inEventLoop, time);
        InboundFlowController flow = new InboundFlowController(
                settings.receiveConfig(),
                settings.flow().memoryBudget(),
                out,
                () -> commands.enqueue(CommandQueue.BudgetAvailable.INSTANCE));
        ReadPressure pressure = new ReadPressure(channel, settings.buffers(), time, stalls, timers);
        StreamWrites writes = new StreamWrites(channel, commands, lifecycle, out, stalls, time);
        StreamRegistry registry = new StreamRegistry(client, settings, time, flow, out, writes, pressure, timers, loop);
        host = new StreamHost(settings, time, connection, loop, flow, out, writes, pressure, registry, commands);
        assembler = new FrameAssembler(
                new FrameReader(
                        settings.frames().maxFrameBytes(), settings.frames().maxControlFrameBytes()),
                ctx.alloc(),
                lifecycle,
                timers);
        closer = new ConnectionCloser(ctx, host, assembler, stalls);
        commands.bind(new LoopCommands(host, closer, connection));
        inbound = new InboundFrames(host, closer, timers, channel, client, this::onHandshaken);
        out.closeOnBacklogOverflow(closer);
        registry.afterRemove(closer::closeIfDrained);
        connection.bind(host, closer, channel, stalls);
        stallEvents = new StallEvents(stalls, registry, connection::toString);
        if (channel.isActive()) {
            onActive(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        time.begin();
        try {
            onActive(ctx);
        } finally {
            time.end();
        }
        ctx.fireChannelActive();
    }

    private void onActive(ChannelHandlerContext ctx) {
        assert ctx.executor().inEventLoop();
        if (handshakeTimer != null) {
            return;
        }
        timers.start(time.now());
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        if (tls != null && !tls.handshakeFuture().isDone()) {
            closer.watchTls(tls);
        }
        if (client) {
            // The server answers with its own once it has checked ours (after TLS, if any).
            host.out.writeControl(Handshakes.ours(settings, true));
        }
        host.out.flushIfNeeded();
        // One budget for the TLS handshake and the creditflow handshake together.
        handshakeTimer = host.loop.schedule(
                () -> {
                    if (!connection.handshaken()) {
                        time.begin();
                        try {
                            onHandshakeTimeout();
                        } finally {
                            time.end();
                        }
                    }
                },
                settings.timeouts().handshakeTimeoutNanos(),
                TimeUnit.NANOSECONDS);
        closer.cancelAtTeardown(handshakeTimer);
    }

    private void onHandshakeTimeout() {
        long millis = TimeUnit.NANOSECONDS.toMillis(settings.timeouts().handshakeTimeoutNanos());
        closer.connectionError(ErrorCodes.connectionError(
                ErrorCode.HANDSHAKE_TIMEOUT,
                closer.tlsPending()
                        ? "TLS handshake not complete within " + millis + " ms"
                        : "no handshake within " + millis + " ms"));
    }

    /** The peer's handshake was accepted: the handshake timer stops, the ticks start. */
    private void onHandshaken() {
        handshakeTimer.cancel(false);
        closer.cancelAtTeardown(host.loop.scheduleAtFixedRate(
                this::tick, EndpointSettings.TICK_NANOS, EndpointSettings.TICK_NANOS, TimeUnit.NANOSECONDS));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        time.begin();
        try {
            closer.teardown(new CloseStatus(ErrorCode.CANCEL, "connection lost", true, 0));
        } finally {
            time.end();
        }
        stallEvents.close();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        time.begin();
        try {
            closer.teardown(new CloseStatus(ErrorCode.CANCEL, "handler removed", false, 0));
        } finally {
            time.end();
        }
        stallEvents.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        time.begin();
        try {
            onException(ctx, cause);
        } finally {
            time.end();
        }
    }

    private void onException(ChannelHandlerContext ctx, Throwable cause) {
        if (!connection.handshaken() && ConnectionCloser.sslCause(cause) != null) {
            // With TLS 1.3 a client's TLS handshake completes before the server has checked the client's
            // certificate: the server's refusal then arrives as an alert, after TLS looked established.
            closer.onTlsFailure(cause);
            return;
        }
        LOG.log(System.Logger.Level.DEBUG, "connection " + ctx.channel() + " failed", cause);
        if (cause instanceof java.io.IOException) {
            // The network failed (reset, broken pipe): nobody to tell, nothing internal went wrong.
            closer.closeWith(
                    new CloseStatus(ErrorCode.CANCEL, "connection lost: " + cause.getMessage(), true, 0), false);
        } else {
            closer.closeWith(new CloseStatus(ErrorCode.INTERNAL_ERROR, String.valueOf(cause), false, 0), true);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        long now = time.begin(); // one reading for every frame of this read
        try {
            if (!host.lifecycle.acceptsInput()) {
                return; // after a connection error or close, input is discarded
            }
            timers.onRead(now); // anything from the peer proves it is alive
            assembler.read(in, inbound);
        } catch (ProtocolException e) {
            inbound.onProtocolException(e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "internal error on " + ctx.channel(), e);
            closer.connectionError(ErrorCodes.connectionError(ErrorCode.INTERNAL_ERROR, e.toString()));
        } finally {
            time.end();
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        time.begin();
        try {
            onReadComplete();
        } finally {
            time.end();
        }
        ctx.fireChannelReadComplete();
    }

    private void onReadComplete() {
        host.notifyReadable();
        if (!host.lifecycle.isClosed()) {
            if (host.lifecycle.acceptsInput()) {
                host.flow.onReadComplete(); // one connection Credit for the data this batch discarded
            }
            host.writes.writePassIfNeeded();
            host.pressure.onReadComplete();
            host.out.flushIfNeeded();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        long now = time.begin();
        try {
            onWritabilityChanged(ctx, now);
        } finally {
            time.end();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void onWritabilityChanged(ChannelHandlerContext ctx, long now) {
        if (ctx.channel().isWritable()) {
            host.out.onWritable();
            timers.onWritable();
            if (host.out.isInBacklogFlush()) {
                host.writes.passLater(); // called from inside a control frame's write: not the place for a pass
            } else {
                host.writes.writePass();
                host.out.flushIfNeeded();
            }
        } else {
            timers.onUnwritable(now);
            stalls.set(StallReason.CHANNEL_NOT_WRITABLE, true, now);
        }
    }

    private void tick() {
        if (!host.lifecycle.acceptsInput()) {
            return;
        }
        long now = time.begin();
        try {
            onTick(now);
        } finally {
            time.end();
        }
    }

    private void onTick(long now) {
        host.flow.tick(now);
        stalls.set(StallReason.BUDGET_EXHAUSTED, host.flow.starvedStreams() > 0, now);
        onTimer(timers.check(now, host.pressure.isPaused(), host.registry.isDrained()), now);
        stallEvents.tick(); // after the stall flags were brought up to date
        host.out.flushIfNeeded();
    }

    /** Carries out what {@link ConnectionTimers#check} decided. */
    private void onTimer(ConnectionTimers.Action action, long now) {
        switch (action) {
            case NONE -> {}
            case WRITE_STALLED -> {
                long millis = TimeUnit.NANOSECONDS.toMillis(now - timers.unwritableSinceNanos());
                String why = "the peer read nothing for " + millis + " ms while writes waited";
                LOG.log(System.Logger.Level.INFO, "closing " + connection + ": " + why);
                closer.connectionError(ErrorCodes.connectionError(ErrorCode.WRITE_STALLED, why));
            }
            case PARTIAL_FRAME ->
                closer.connectionError(ErrorCodes.connectionError(
                        ErrorCode.PROTOCOL_ERROR,
                        "frame incomplete for " + TimeUnit.NANOSECONDS.toMillis(now - timers.partialSinceNanos())
                                + " ms"));
            case KEEPALIVE_TIMEOUT ->
                closer.closeWith(
                        new CloseStatus(
                                ErrorCode.IDLE_TIMEOUT,
                                "keepalive: no answer from the peer within "
                                        + TimeUnit.NANOSECONDS.toMillis(
                                                settings.timeouts().keepaliveTimeoutNanos()) + " ms",
                                false,
                                0),
                        true);
            case IDLE ->
                closer.closeWith(
                        new CloseStatus(
                                ErrorCode.IDLE_TIMEOUT,
                                "no stream for " + TimeUnit.NANOSECONDS.toMillis(now - timers.idleSinceNanos()) + " ms",
                                false,
                                0),
                        true);
            case PING -> {
                timers.onPingSent(now);
                host.out.writeControl(Frame.newBuilder()
                        .setPing(Ping.newBuilder().setPayload(now))
                        .build());
            }
        }
    }

    @Override
    public String toString() {
        return connection.toString();
    }
}
