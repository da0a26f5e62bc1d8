package io.creditflow.broker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The broker's HTTP edge, on Netty's HTTP codec:
 * <ul>
 * <li>{@code POST /topics/{name}}: the body is published as one message. 202 when the topic took it;
 *     when it cannot, 503 at once with a {@code Retry-After} computed from the queued bytes and the
 *     measured drain rate, and nothing enqueued (or, with {@code httpPauseInsteadOfReject}, the request
 *     waits with reading paused, so TCP pushes back on the client, and gets its 202 once there is room).
 *     At most {@link Topic#MAX_ROOM_WAITERS} requests are held per topic; beyond, 503 as without pause.
 *     413 for a body over the broker's max message size; 403 for a new topic beyond
 *     {@link BrokerConfig#maxTopics()}; 503 with {@code Retry-After: 1} while shutting down.</li>
 * <li>A principal over its produce quota ({@link ProduceQuota}) gets 429 with a {@code Retry-After} computed from
 *     its token buckets, and nothing enqueued.</li>
 * <li>{@code GET /metrics}: Prometheus text. {@code GET /health}: 200, or 503 while shutting down.</li>
 * <li>{@code GET /}: the live dashboard (docs/dashboard.md); {@code GET /events}: its server-sent events, one a
 *     second, at most {@link BrokerConfig#dashboardMaxClients()} connections ({@link SseClients}).</li>
 * <li>With an auth file ({@link BrokerConfig#authFile()}), {@code /topics/...} and {@code /metrics} need
 *     {@code Authorization: Bearer <token>} (the dashboard's {@code /} and {@code /events} also take
 *     {@code ?token=}, since a browser's EventSource cannot send headers): 401 (with {@code WWW-Authenticate}) for a missing or
 *     unknown token, 403 if the token's principal lacks produce on the topic. {@code /health} stays open.</li>
 * </ul>
 * Errors carry a short JSON body. The four questions for this boundary: bound = one request per
 * connection in flight, bodies up to {@code maxMessageBytes}; when full = 503 or paused reads; pressure
 * = to the HTTP client; observed = {@code creditflow_topic_http_rejects_total}.
 *
 * <p>Thread-safe; handlers run on the edge's own event loop.
 */
final class HttpEdge implements AutoCloseable {
    /**
     * Header lines: beyond this, 431 (HTTP servers commonly allow 8 KiB). Netty's codec applies it to the
     * header lines; a request line over its own 4 KiB limit gets 414.
     */
    static final int MAX_HEADER_BYTES = 8192;

    private final Broker broker;
    private final BrokerConfig config;
    private final EventLoopGroup group;
    private final Channel channel;
    private volatile boolean closed;
    /** Set during a graceful shutdown: publishes get 503, /health says so; the port stays open. */
    private volatile boolean draining;

    final LongAdder accepted = new LongAdder();
    final LongAdder rejected503 = new LongAdder();
    final LongAdder rejected429 = new LongAdder();
    final AtomicInteger connections = new AtomicInteger();
    /** The dashboard's live connections; on the edge's event loop. */
    final SseClients sse;
    /** 503 bursts by topic, as JFR events; on the edge's event loop; bounded by the topics. */
    private final Map<String, RejectBurst> bursts = new HashMap<>();

    private HttpEdge(Broker broker, BrokerConfig config) throws InterruptedException {
        this.broker = broker;
        this.config = config;
        this.sse = new SseClients(config.dashboardMaxClients());
        this.group = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("creditflow-http", true), NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> connections.decrementAndGet());
                        ch.pipeline().addLast(new Deadlines(config));
                        ch.pipeline().addLast(new HttpServerCodec(4096, MAX_HEADER_BYTES, 8192));
                        ch.pipeline().addLast(new BoundedAggregator(config.maxMessageBytes()));
                        ch.pipeline().addLast(new RequestHandler());
                    }
                });
        this.channel = b.bind(config.host(), config.httpPort()).sync().channel();
        group.next().scheduleAtFixedRate(this::closeQuietBursts, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Sends one dashboard event to every live connection (from any thread; runs on the edge's loop). */
    void broadcast(String event) {
        if (!closed) {
            channel.eventLoop().execute(() -> sse.broadcast(event));
        }
    }

    /** A 503 burst: open from the first 503 of a topic until 1 s passes without one. Event-loop confined. */
    private static final class RejectBurst {
        final BrokerEvents.HttpRejectBurst event = new BrokerEvents.HttpRejectBurst();
        long rejections;
        long lastNanos;
        int retryAfterSeconds;
    }

    private void countReject(String topic, int retryAfterSeconds) {
        rejected503.increment();
        RejectBurst b = bursts.get(topic);
        if (b == null) {
            b = new RejectBurst();
            if (!b.event.isEnabled()) {
                return;
            }
            b.event.begin();
            bursts.put(topic, b);
        }
        b.rejections++;
        b.retryAfterSeconds = retryAfterSeconds;
        b.lastNanos = System.nanoTime();
        b.event.end();
    }

    private void closeQuietBursts() {
        if (bursts.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        bursts.entrySet().removeIf(e -> {
            RejectBurst b = e.getValue();
            if (now - b.lastNanos < TimeUnit.SECONDS.toNanos(1) && !closed) {
                return false;
            }
            if (b.event.shouldCommit()) {
                b.event.topic = e.getKey();
                b.event.rejections = b.rejections;
                b.event.retryAfterSeconds = b.retryAfterSeconds;
                b.event.commit();
            }
            return true;
        });
    }

    /** The edge's figures now. */
    BrokerSnapshot.Http stats() {
        return new BrokerSnapshot.Http(
                accepted.sum(), rejected503.sum(), rejected429.sum(), connections.get(), sse.size(), sse.closedSlow());
    }

    static HttpEdge start(Broker broker, BrokerConfig config) throws InterruptedException {
        return new HttpEdge(broker, config);
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Graceful shutdown begins: refuse publishes, report unhealthy, keep serving metrics. */
    void startDraining() {
        draining = true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            channel.close().syncUninterruptibly();
            try {
                group.next().submit(this::closeQuietBursts).await(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Aggregates a request body up to the limit; beyond it answers 413 with a JSON body and closes. */
    private static final class BoundedAggregator extends HttpObjectAggregator {
        BoundedAggregator(int maxContentLength) {
            super(maxContentLength);
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            FullHttpResponse r = json(
                    HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "{\"error\":\"body too large\",\"max_bytes\":" + maxContentLength() + "}");
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            ctx.pipeline().get(Deadlines.class).requestComplete();
            if (req.decoderResult().isFailure()) {
                Throwable cause = req.decoderResult().cause();
                HttpResponseStatus status = cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
                        ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                        : cause instanceof io.netty.handler.codec.http.TooLongHttpLineException
                                ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                                : HttpResponseStatus.BAD_REQUEST;
                send(ctx, json(status, error(status.reasonPhrase())), false);
                return;
            }
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            AccessControl access = broker.access();
            String principal = null;
            boolean page = path.equals("/") || path.equals("/events");
            if (access != null && !path.equals("/health")) {
                String token = bearerToken(req);
                if (token == null && page) {
                    token = new io.netty.handler.codec.http.QueryStringDecoder(req.uri())
                            .parameters().getOrDefault("token", java.util.List.of()).stream()
                                    .findFirst()
                                    .orElse(null);
                }
                principal = access.principalForToken(token);
                if (principal == null) {
                    FullHttpResponse r =
                            json(HttpResponseStatus.UNAUTHORIZED, "{\"error\":\"missing or unknown bearer token\"}");
                    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"creditflow\"");
                    send(ctx, r, keepAlive);
                    return;
                }
            }
            if (path.equals("/metrics") && req.method() == HttpMethod.GET) {
                FullHttpResponse r = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1,
                        HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(broker.metrics(), StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, Metrics.CONTENT_TYPE);
                send(ctx, r, keepAlive);
            } else if (path.equals("/") && req.method() == HttpMethod.GET) {
                FullHttpResponse r = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(Dashboard.page()));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
                r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
                send(ctx, r, keepAlive);
            } else if (path.equals("/events") && req.method() == HttpMethod.GET) {
                events(ctx);
            } else if (path.equals("/health") && req.method() == HttpMethod.GET) {
                send(
                        ctx,
                        closed || draining
                                ? json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"shutting down\"}")
                                : json(HttpResponseStatus.OK, "{\"status\":\"ok\"}"),
                        keepAlive);
            } else if (path.startsWith("/topics/")) {
                if (req.method() != HttpMethod.POST) {
                    FullHttpResponse r = json(HttpResponseStatus.METHOD_NOT_ALLOWED, "{\"error\":\"use POST\"}");
                    r.headers().set(HttpHeaderNames.ALLOW, "POST");
                    send(ctx, r, keepAlive);
                    return;
                }
                String topic = path.substring("/topics/".length());
                try {
                    BrokerProtocol.checkTopic(topic);
                } catch (IllegalArgumentException e) {
                    send(ctx, json(HttpResponseStatus.BAD_REQUEST, error(e.getMessage())), keepAlive);
                    return;
                }
                if (principal != null && !access.allows(principal, AccessControl.Action.PRODUCE, topic)) {
                    send(
                            ctx,
                            json(
                                    HttpResponseStatus.FORBIDDEN,
                                    error(AccessControl.denial(principal, AccessControl.Action.PRODUCE, topic))),
                            keepAlive);
                    return;
                }
                ProduceQuota quota = broker.quota(principal);
                int frame = req.content().readableBytes() + BrokerProtocol.HEADER_BYTES;
                if (quota != null) {
                    long wait = quota.tryAcquire(frame, System.nanoTime());
                    if (wait > 0) {
                        quota.countHttpReject();
                        rejected429.increment();
                        long retry = Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
                        FullHttpResponse r = json(
                                HttpResponseStatus.TOO_MANY_REQUESTS,
                                "{\"error\":\"over quota\","
                                        + "\"principal\":\"" + (principal == null ? QuotaStats.ANONYMOUS : principal)
                                        + "\",\"retry_after_s\":" + retry + "}");
                        r.headers().set(HttpHeaderNames.RETRY_AFTER, retry);
                        send(ctx, r, keepAlive);
                        return;
                    }
                }
                publish(ctx, topic, ByteBufUtil.getBytes(req.content()), keepAlive, quota);
            } else {
                send(ctx, json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"not found\"}"), keepAlive);
            }
        }

        /** The dashboard's event stream: headers now, then one event a second until the client goes. */
        private void events(ChannelHandlerContext ctx) {
            if (!sse.hasRoom()) {
                FullHttpResponse r = json(
                        HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "{\"error\":\"the dashboard has " + "its maximum of " + config.dashboardMaxClients()
                                + " live connections\"}");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, 5);
                send(ctx, r, false);
                return;
            }
            DefaultHttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-cache");
            HttpUtil.setTransferEncodingChunked(r, true);
            Channel ch = ctx.channel();
            ch.config()
                    .setWriteBufferWaterMark(
                            new WriteBufferWaterMark(SseClients.LOW_WATERMARK_BYTES, SseClients.HIGH_WATERMARK_BYTES));
            ctx.pipeline().get(Deadlines.class).streaming();
            ctx.writeAndFlush(r);
            sse.add(ch, broker.dashboard().historyEvent());
        }

        /**
         * Publishes a body whose quota ({@code quota}, null for none) was already taken: given back unless the
         * message is published or held (a held request keeps its tokens; its retries pass null).
         */
        private void publish(
                ChannelHandlerContext ctx, String topic, byte[] body, boolean keepAlive, ProduceQuota quota) {
            if (draining || closed) {
                refund(quota, body);
                FullHttpResponse r = json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"error\":\"shutting down\"}");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, 1); // another broker, or this one restarted
                send(ctx, r, keepAlive);
                return;
            }
            if (!broker.hasRoomForTopic(topic)) {
                refund(quota, body);
                send(
                        ctx,
                        json(
                                HttpResponseStatus.FORBIDDEN,
                                error("the broker has its maximum of " + config.maxTopics()
                                        + " topics; publish to an existing one")),
                        keepAlive);
                return;
            }
            if (broker.backend() != null) {
                publishToBackend(ctx, topic, body, keepAlive, quota);
                return;
            }
            Topic.PublishOutcome outcome = broker.publish(topic, body);
            if (outcome.accepted()) {
                accepted.increment();
                if (!ctx.channel().config().isAutoRead()) {
                    ctx.channel().config().setAutoRead(true);
                }
                send(
                        ctx,
                        json(
                                HttpResponseStatus.ACCEPTED,
                                "{\"topic\":\"" + topic + "\",\"sequence\":" + outcome.sequence() + "}"),
                        keepAlive);
            } else if (config.httpPauseInsteadOfReject() && !closed && !draining && !broker.isDurable()) {
                // Hold this request and read nothing more from the client until the topic has room.
                Topic t = broker.topic(topic);
                HeldPublish held = new HeldPublish(ctx, t, topic, body, keepAlive);
                if (t.awaitRoom(held)) {
                    ctx.channel().config().setAutoRead(false);
                    ctx.channel().closeFuture().addListener(held);
                    return;
                }
                refund(quota, body);
                respondFull(ctx, topic, outcome, keepAlive); // as many held requests as the topic allows
            } else {
                refund(quota, body);
                respondFull(ctx, topic, outcome, keepAlive);
            }
        }

        private void refund(ProduceQuota quota, byte[] body) {
            if (quota != null) {
                quota.refund(body.length + BrokerProtocol.HEADER_BYTES, System.nanoTime());
            }
        }

        /**
         * A broker with a topic backend: the request waits (its connection reads nothing more meanwhile) until the
         * backend acknowledged the message (202) or refused it (503 with the backend's Retry-After). The wait is
         * bounded by the backend's own delivery timeout; one request per connection is in flight.
         */
        private void publishToBackend(
                ChannelHandlerContext ctx, String topic, byte[] body, boolean keepAlive, ProduceQuota quota) {
            ctx.channel().config().setAutoRead(false);
            broker.backend()
                    .publish(topic, body)
                    .whenComplete((r, e) -> ctx.executor().execute(() -> {
                        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
                        if (e != null || r == null || !r.accepted()) {
                            refund(quota, body); // refused: its quota is given back, as for a full topic
                        }
                        if (e != null || r == null) {
                            FullHttpResponse resp = json(
                                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                                    error("publish failed: " + (e == null ? "no result" : e.getMessage())));
                            resp.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
                            send(ctx, resp, keepAlive);
                        } else if (r.accepted()) {
                            send(
                                    ctx,
                                    json(
                                            HttpResponseStatus.ACCEPTED,
                                            "{\"topic\":\"" + topic + "\",\"sequence\":" + r.position() + "}"),
                                    keepAlive);
                        } else {
                            FullHttpResponse resp = json(
                                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                                    "{\"error\":"
                                            + quote(r.reason()) + ",\"topic\":\"" + topic + "\",\"retry_after_s\":"
                                            + r.retryAfterSeconds() + "}");
                            resp.headers().set(HttpHeaderNames.RETRY_AFTER, r.retryAfterSeconds());
                            send(ctx, resp, keepAlive);
                        }
                    }));
        }

        private void respondFull(
                ChannelHandlerContext ctx, String topic, Topic.PublishOutcome outcome, boolean keepAlive) {
            countReject(topic, outcome.retryAfterSeconds());
            FullHttpResponse r = json(
                    HttpResponseStatus.SERVICE_UNAVAILABLE,
                    "{\"error\":\"topic full\"," + "\"topic\":\"" + topic + "\",\"retry_after_s\":"
                            + outcome.retryAfterSeconds() + "}");
            r.headers().set(HttpHeaderNames.RETRY_AFTER, outcome.retryAfterSeconds());
            send(ctx, r, keepAlive);
        }

        /**
         * A request held in pause mode until its topic has room. A client that goes away while held leaves
         * nothing behind: its body leaves the topic's waiters when the connection closes.
         */
        private final class HeldPublish implements Runnable, ChannelFutureListener {
            private final ChannelHandlerContext ctx;
            private final Topic topic;
            private final String name;
            private final byte[] body;
            private final boolean keepAlive;

            HeldPublish(ChannelHandlerContext ctx, Topic topic, String name, byte[] body, boolean keepAlive) {
                this.ctx = ctx;
                this.topic = topic;
                this.name = name;
                this.body = body;
                this.keepAlive = keepAlive;
            }

            /** The topic has room (on the broker's timer thread): retry on the connection's loop. */
            @Override
            public void run() {
                ctx.channel().closeFuture().removeListener(this);
                ctx.channel().eventLoop().execute(() -> {
                    if (ctx.channel().isActive()) {
                        publish(ctx, name, body, keepAlive, null); // its quota was taken once
                    }
                });
            }

            @Override
            public void operationComplete(ChannelFuture future) {
                topic.cancelRoomWaiter(this);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // A client that does not read its responses stops being read (pipelined requests wait in TCP).
            ctx.channel().config().setAutoRead(ctx.channel().isWritable());
            ctx.fireChannelWritabilityChanged();
        }
    }

    /**
     * Slow clients: a request must arrive whole within {@code httpRequestTimeout} of its first byte
     * (slow headers, slow body: 408 and close), an idle keep-alive connection is closed after
     * {@code httpIdleTimeout}, and a client that reads nothing while responses wait is closed after
     * {@code httpWriteTimeout}. Event-loop confined.
     */
    static final class Deadlines extends io.netty.channel.ChannelDuplexHandler {
        private final BrokerConfig config;
        private io.netty.util.concurrent.ScheduledFuture<?> requestDeadline;
        private io.netty.util.concurrent.ScheduledFuture<?> check;
        private long lastActivityNanos = System.nanoTime();
        private long unwritableSinceNanos = -1;
        /** A dashboard event stream: quiet on the read side by design, so never closed as idle. */
        private boolean streaming;

        Deadlines(BrokerConfig config) {
            this.config = config;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            check = ctx.executor().scheduleAtFixedRate(() -> checkIdle(ctx), 100, 100, TimeUnit.MILLISECONDS);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            check.cancel(false);
            if (requestDeadline != null) {
                requestDeadline.cancel(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            lastActivityNanos = System.nanoTime();
            if (requestDeadline == null) {
                requestDeadline = ctx.executor()
                        .schedule(
                                () -> {
                                    FullHttpResponse r = json(
                                            HttpResponseStatus.REQUEST_TIMEOUT,
                                            "{\"error\":\"request not complete within "
                                                    + config.httpRequestTimeout()
                                                            .toMillis() + " ms\"}");
                                    r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                                    HttpUtil.setContentLength(r, r.content().readableBytes());
                                    // From the channel's tail, so the response goes through the HTTP encoder.
                                    ctx.channel().writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
                                },
                                config.httpRequestTimeout().toNanos(),
                                TimeUnit.NANOSECONDS);
            }
            ctx.fireChannelRead(msg);
        }

        /** This connection now carries server-sent events. */
        void streaming() {
            streaming = true;
        }

        /** The handler got a whole request: the next one gets a new deadline when it starts. */
        void requestComplete() {
            if (requestDeadline != null) {
                requestDeadline.cancel(false);
                requestDeadline = null;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            unwritableSinceNanos = ctx.channel().isWritable() ? -1 : System.nanoTime();
            ctx.fireChannelWritabilityChanged();
        }

        private void checkIdle(ChannelHandlerContext ctx) {
            long now = System.nanoTime();
            if (unwritableSinceNanos >= 0
                    && now - unwritableSinceNanos > config.httpWriteTimeout().toNanos()) {
                ctx.close(); // the client reads nothing: drop its queued responses
            } else if (!streaming
                    && requestDeadline == null
                    && now - lastActivityNanos > config.httpIdleTimeout().toNanos()) {
                ctx.close();
            }
        }
    }

    /** The token of an {@code Authorization: Bearer <token>} header, or null. */
    private static String bearerToken(FullHttpRequest req) {
        String h = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (h == null || h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return h.substring(7).strip();
    }

    private static String error(String message) {
        return "{\"error\":" + quote(message) + "}";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
