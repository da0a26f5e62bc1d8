package io.creditflow.broker;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
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
import java.util.concurrent.TimeUnit;

/**
 * The broker's HTTP edge, on Netty's HTTP codec:
 * <ul>
 * <li>{@code POST /topics/{name}}: the body is published as one message. 202 when the topic took it;
 *     when it cannot, 503 at once with a {@code Retry-After} computed from the queued bytes and the
 *     measured drain rate, and nothing enqueued (or, with {@code httpPauseInsteadOfReject}, the request
 *     waits with reading paused, so TCP pushes back on the client, and gets its 202 once there is room).
 *     413 for a body over the broker's max message size.</li>
 * <li>{@code GET /metrics}: Prometheus text. {@code GET /health}: 200, or 503 while shutting down.</li>
 * </ul>
 * Errors carry a short JSON body. The four questions for this boundary: bound = one request per
 * connection in flight, bodies up to {@code maxMessageBytes}; when full = 503 or paused reads; pressure
 * = to the HTTP client; observed = {@code creditflow_topic_http_rejects_total}.
 *
 * <p>Thread-safe; handlers run on the edge's own event loop.
 */
final class HttpEdge implements AutoCloseable {
    private final Broker broker;
    private final BrokerConfig config;
    private final EventLoopGroup group;
    private final Channel channel;
    private volatile boolean closed;
    /** Set during a graceful shutdown: publishes get 503, /health says so; the port stays open. */
    private volatile boolean draining;

    private HttpEdge(Broker broker, BrokerConfig config) throws InterruptedException {
        this.broker = broker;
        this.config = config;
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("creditflow-http", true),
                NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(4096, 8192, 8192));
                        ch.pipeline().addLast(new BoundedAggregator(config.maxMessageBytes()));
                        ch.pipeline().addLast(new RequestHandler());
                    }
                });
        this.channel = b.bind(config.host(), config.httpPort()).sync().channel();
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
            FullHttpResponse r = json(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                    "{\"error\":\"body too large\",\"max_bytes\":" + maxContentLength() + "}");
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            String path = req.uri();
            int q = path.indexOf('?');
            if (q >= 0) {
                path = path.substring(0, q);
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (path.equals("/metrics") && req.method() == HttpMethod.GET) {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(broker.metrics(), StandardCharsets.UTF_8));
                r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                send(ctx, r, keepAlive);
            } else if (path.equals("/health") && req.method() == HttpMethod.GET) {
                send(ctx, closed || draining ? json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"status\":\"shutting down\"}")
                        : json(HttpResponseStatus.OK, "{\"status\":\"ok\"}"), keepAlive);
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
                publish(ctx, topic, ByteBufUtil.getBytes(req.content()), keepAlive);
            } else {
                send(ctx, json(HttpResponseStatus.NOT_FOUND, "{\"error\":\"not found\"}"), keepAlive);
            }
        }

        private void publish(ChannelHandlerContext ctx, String topic, byte[] body, boolean keepAlive) {
            Topic.PublishOutcome outcome = broker.publish(topic, body);
            if (outcome.accepted()) {
                if (!ctx.channel().config().isAutoRead()) {
                    ctx.channel().config().setAutoRead(true);
                }
                send(ctx, json(HttpResponseStatus.ACCEPTED, "{\"topic\":\"" + topic + "\",\"sequence\":"
                        + outcome.sequence() + "}"), keepAlive);
            } else if (config.httpPauseInsteadOfReject() && !closed && !draining) {
                // Hold this request and read nothing more from the client until the topic has room.
                ctx.channel().config().setAutoRead(false);
                broker.topic(topic).awaitRoom(() -> ctx.channel().eventLoop().execute(() -> {
                    if (ctx.channel().isActive()) {
                        publish(ctx, topic, body, keepAlive);
                    }
                }));
            } else {
                FullHttpResponse r = json(HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"error\":\"topic full\","
                        + "\"topic\":\"" + topic + "\",\"retry_after_s\":" + outcome.retryAfterSeconds() + "}");
                r.headers().set(HttpHeaderNames.RETRY_AFTER, outcome.retryAfterSeconds());
                send(ctx, r, keepAlive);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    private static String error(String message) {
        return "{\"error\":\"" + message.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}";
    }

    private static FullHttpResponse json(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
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
