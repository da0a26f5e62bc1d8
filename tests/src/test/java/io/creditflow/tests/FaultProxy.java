package io.creditflow.tests;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-JVM TCP relay on 127.0.0.1 that injects network faults between a client and a server (this
 * kernel has no netem): resets, a black hole, added latency, a bandwidth limit, and segmentation into
 * writes of 1 to N bytes. Faults can be switched while traffic flows.
 */
final class FaultProxy implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final int targetPort;
    private final Set<Channel> channels = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile boolean blackHole;
    private volatile long latencyNanos;
    private volatile long bytesPerSecond;
    private volatile int segmentMaxBytes;
    private volatile long nextFreeNanos;

    FaultProxy(int targetPort) throws InterruptedException {
        this.targetPort = targetPort;
        this.server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel inbound) {
                        accepted.incrementAndGet();
                        channels.add(inbound);
                        inbound.closeFuture().addListener(f -> channels.remove(inbound));
                        new Bootstrap()
                                .group(inbound.eventLoop())
                                .channel(NioSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true)
                                .handler(new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel outbound) {
                                        channels.add(outbound);
                                        outbound.closeFuture().addListener(f -> channels.remove(outbound));
                                        outbound.pipeline().addLast(new Relay(inbound));
                                        inbound.pipeline().addLast(new Relay(outbound));
                                    }
                                })
                                .connect("127.0.0.1", targetPort)
                                .addListener((ChannelFutureListener) f -> {
                                    if (f.isSuccess()) {
                                        inbound.config().setAutoRead(true);
                                    } else {
                                        inbound.close();
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    int connectionsAccepted() {
        return accepted.get();
    }

    /** Bytes vanish in both directions while on; the sockets stay open. */
    void blackHole(boolean on) {
        this.blackHole = on;
    }

    void latency(long millis) {
        this.latencyNanos = TimeUnit.MILLISECONDS.toNanos(millis);
    }

    /** 0 for unlimited. */
    void bandwidth(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Forward in writes of 1 to {@code maxBytes} bytes each; 0 turns it off. */
    void segment(int maxBytes) {
        this.segmentMaxBytes = maxBytes;
    }

    /** Resets every relayed connection (RST, not FIN), wherever its frames are. */
    void resetAll() {
        for (Channel ch : channels) {
            ch.eventLoop().execute(() -> {
                if (ch.isOpen()) {
                    ch.config().setOption(ChannelOption.SO_LINGER, 0); // close with RST
                    ch.close();
                }
            });
        }
    }

    @Override
    public void close() {
        resetAll();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Forwards what one side reads to the other, with the faults applied. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel to;
        /** Bytes held back by latency or bandwidth, with when they are due; released if the relay ends. */
        private final java.util.ArrayDeque<Object[]> delayed = new java.util.ArrayDeque<>();

        Relay(Channel to) {
            this.to = to;
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            Object[] held;
            while ((held = delayed.pollFirst()) != null) {
                ((ByteBuf) held[1]).release();
            }
        }

        /** Runs on this relay's event loop: writes what is due, in order. */
        private void drainDue() {
            long now = System.nanoTime();
            Object[] head;
            while ((head = delayed.peekFirst()) != null && (long) head[0] <= now) {
                delayed.pollFirst();
                write((ByteBuf) head[1]);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            if (blackHole || !to.isActive()) {
                buf.release();
                return;
            }
            long delay = latencyNanos;
            long rate = bytesPerSecond;
            if (rate > 0) {
                long now = System.nanoTime();
                long start = Math.max(now, nextFreeNanos);
                nextFreeNanos = start + buf.readableBytes() * 1_000_000_000L / rate;
                delay += nextFreeNanos - now;
            }
            if (delay > 0 || !delayed.isEmpty()) {
                delayed.addLast(new Object[] {System.nanoTime() + delay, buf});
                ctx.executor().schedule(this::drainDue, delay, TimeUnit.NANOSECONDS);
            } else {
                write(buf);
            }
        }

        private void write(ByteBuf buf) {
            int max = segmentMaxBytes;
            if (!to.isActive()) {
                buf.release();
                return;
            }
            if (max <= 0) {
                to.writeAndFlush(buf);
                return;
            }
            while (buf.isReadable()) {
                int n = Math.min(
                        buf.readableBytes(), 1 + ThreadLocalRandom.current().nextInt(max));
                to.writeAndFlush(buf.readRetainedSlice(n));
            }
            buf.release();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            to.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
