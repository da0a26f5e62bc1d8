package io.creditflow.bench.harness.netty;

import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.transport.EndpointBuilder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code netty-batched}'s receiving side: frames decoded in the read buffers ({@link InPlaceFrameDecoder}:
 * only a frame that straddles two reads is copied), each checked where it lies and counted; creditflow's
 * socket options (SO_RCVBUF and SO_SNDBUF pinned at {@link EndpointBuilder#DEFAULT_SOCKET_BUFFER_BYTES},
 * the receive buffer set on the listening socket so accepted sockets start with it, TCP_NODELAY).
 *
 * <p>A frame of a held stream is copied out of the read buffer into an exact-size heap array and queued
 * for the paced reader (keeping a slice instead would pin the whole pooled read buffer behind each small
 * message); past {@link ReadPause#HIGH_BYTES} of those the application turns {@code autoRead} off
 * ({@link ReadPause}), so a slow or stalled reader stops the connection's reading, as a careful Netty
 * application without per-stream flow control has to.
 */
public final class BatchedNettyReceiver implements Receiver {
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicLong copiedFrames = new AtomicLong();
    private HeldFrames held;
    private RunContext ctx;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private Channel serverChannel;

    @Override
    public int start(RunContext c) throws Exception {
        this.ctx = c;
        held = new HeldFrames(c.spec());
        boss = NettyTransport.group(1, "netty-batched-accept");
        workers = NettyTransport.group(Runtime.getRuntime().availableProcessors(), "netty-batched-server");
        int socketBuffer = EndpointBuilder.DEFAULT_SOCKET_BUFFER_BYTES;
        InPlaceFrameDecoder.FrameSink sink = this::frame;
        serverChannel = new ServerBootstrap()
                .group(boss, workers)
                .channel(NettyTransport.serverChannel())
                .option(ChannelOption.SO_RCVBUF, socketBuffer)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_RCVBUF, socketBuffer)
                .childOption(ChannelOption.SO_SNDBUF, socketBuffer)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.incrementAndGet();
                        held.register(ch);
                        ch.pipeline().addLast(new InPlaceFrameDecoder(sink, NettyReceiver.MAX_FRAME, copiedFrames));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /** The event loop: one frame, read in place. */
    private void frame(ByteBuf buf, int at, int size) {
        if (size < 4) {
            throw new io.netty.handler.codec.CorruptedFrameException("frame of " + size + " bytes: no stream index");
        }
        int i = buf.getInt(at);
        if (i < 0 || i >= held.streams()) {
            throw new io.netty.handler.codec.CorruptedFrameException("stream index " + i);
        }
        if (ctx.held(i)) {
            held.hold(i, buf, at, size);
        } else {
            long seq = buf.getLong(at + 12);
            ctx.consumed(i, i, seq, size, NettyReceiver.fillIntact(buf, at, size, i, seq), buf.getLong(at + 4));
        }
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
        m.put("receive_mode", "in-place decoding; held frames copied to the heap, " + ReadPause.describe());
        m.put("read_pauses", held.pauses());
        m.put("straddled_frames_copied", copiedFrames.get());
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
