package io.creditflow.bench.harness.netty;

import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code netty-naive}'s receiving side: 4-byte length-prefixed frames through the stock cumulating
 * {@link LengthFieldBasedFrameDecoder} (it copies whenever a frame straddles two reads), the stream index
 * in each payload. A frame for a held stream is copied to the heap and queued, as an application that
 * cannot keep up would have to; past {@link ReadPause#HIGH_BYTES} of such frames the application turns
 * {@code autoRead} off ({@link ReadPause}), as a real Netty application with a slow reader would, and the
 * rest waits in the kernel and at the sender.
 */
public final class NettyReceiver implements Receiver {
    static final int MAX_FRAME = 16 * 1024 * 1024;

    private final AtomicInteger accepted = new AtomicInteger();
    private HeldFrames held;
    private RunContext ctx;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;

    @Override
    public int start(RunContext c) throws Exception {
        this.ctx = c;
        held = new HeldFrames(c.spec());
        boss = NettyTransport.group(1, "netty-accept");
        workers = NettyTransport.group(Runtime.getRuntime().availableProcessors(), "netty-server");
        ChannelHandler frames = new FrameHandler();
        serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(NettyTransport.serverChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.incrementAndGet();
                        held.register(ch);
                        ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(MAX_FRAME, 0, 4, 0, 4), frames);
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        return ((java.net.InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @ChannelHandler.Sharable
    private final class FrameHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext c, Object msg) {
            ByteBuf f = (ByteBuf) msg;
            try {
                int at = f.readerIndex();
                int i = f.getInt(at);
                int size = f.readableBytes();
                if (ctx.held(i)) {
                    held.hold(i, f, at, size);
                } else {
                    long seq = f.getLong(at + 12);
                    ctx.consumed(i, i, seq, size, fillIntact(f, at, size, i, seq), f.getLong(at + 4));
                }
            } finally {
                f.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
            c.close();
        }
    }

    /** {@link Payloads#fillIntact(byte[], int, long)} for a frame in a Netty buffer (absolute reads). */
    static boolean fillIntact(ByteBuf f, int at, int size, int stream, long seq) {
        int seed = Payloads.seed(stream, seq);
        if (Payloads.fullCheck(seq)) {
            for (int j = Payloads.HEADER_BYTES; j < size; j++) {
                if (f.getByte(at + j) != Payloads.fill(seed, j)) {
                    return false;
                }
            }
            return true;
        }
        for (int k = 0; k < Payloads.SAMPLES && size > Payloads.HEADER_BYTES; k++) {
            int j = Payloads.sampleOffset(size, seq, k);
            if (f.getByte(at + j) != Payloads.fill(seed, j)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int accepted() {
        return accepted.get();
    }

    @Override
    public void consumeOne(int i) {
        held.consumeOne(i, ctx);
    }

    @Override
    public void beforeDrain() {
        held.release();
    }

    @Override
    public long heldBytes() {
        return held.heldBytes();
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", NettyTransport.label());
        m.put("receive_mode", "LengthFieldBasedFrameDecoder; held frames copied to the heap, " + ReadPause.describe());
        m.put("read_pauses", held.pauses());
        return m;
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (boss != null) {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
