package io.creditflow.bench.harness;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * S10's network path: a TCP relay on 127.0.0.1, in the orchestrator's JVM, that hands every read to
 * the other side half a round trip later (this kernel has no netem). Nothing else is done to the
 * bytes: no loss, no bandwidth limit. What it holds is what the two ends keep in flight, which TCP's
 * windows and the transports' own credit bound.
 *
 * <p>Each accepted connection and its connection to the target share one event loop, so a leg's
 * delayed writes run in the order they were read (Netty runs scheduled tasks by deadline, and the
 * deadlines of one leg only grow).
 */
final class LatencyRelay implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    private final long oneWayNanos;

    LatencyRelay(int targetPort, int rttMs) throws InterruptedException {
        this.oneWayNanos = TimeUnit.MILLISECONDS.toNanos(rttMs) / 2;
        this.listener = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel accepted) {
                        Leg back = new Leg(accepted);
                        new Bootstrap()
                                .group(accepted.eventLoop())
                                .channel(NioSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true)
                                .handler(back)
                                .connect("127.0.0.1", targetPort)
                                .addListener(f -> {
                                    if (!f.isSuccess()) {
                                        accepted.close();
                                        return;
                                    }
                                    Channel target = ((io.netty.channel.ChannelFuture) f).channel();
                                    accepted.pipeline().addLast(new Leg(target));
                                    accepted.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** The port the sender connects to instead of the receiver's. */
    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * One direction: what its channel reads goes to {@code peer} after the one-way delay. When either
     * channel closes, or fails, so does the pair.
     */
    private final class Leg extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Leg(Channel peer) {
            this.peer = peer;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            ctx.channel().closeFuture().addListener(f -> peer.close());
            peer.closeFuture().addListener(f -> ctx.close());
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf bytes = (ByteBuf) msg;
            Runnable forward = () -> {
                if (!peer.isActive()) {
                    bytes.release();
                    return;
                }
                peer.writeAndFlush(bytes, peer.voidPromise());
            };
            if (oneWayNanos > 0) {
                ctx.executor().schedule(forward, oneWayNanos, TimeUnit.NANOSECONDS);
            } else {
                forward.run();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset from either end: the pair goes
        }
    }
}
