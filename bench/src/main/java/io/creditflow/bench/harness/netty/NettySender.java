package io.creditflow.bench.harness.netty;

import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code netty-naive}'s sending side: one event loop, default channel options except the write watermarks, set
 * to creditflow's defaults (256/512 KiB) so both keep the same bytes above the kernel (Netty's own
 * 32/64 KiB default holds back 64 KiB messages).
 * Messages are batched and written on the event loop in one task per batch (each as one buffer:
 * 4-byte length, payload). {@link #trySend} says no while the channel is not writable or more than 64 KiB
 * (two messages, if larger) still wait for the loop, so Netty's outbound buffer stays near its high
 * watermark.
 */
public final class NettySender implements Sender {
    /** creditflow's default write watermarks, so both have the same outbound budget above the kernel. */
    static final int WRITE_LOW = 256 * 1024;

    static final int WRITE_HIGH = 512 * 1024;
    private static final int BATCH_MESSAGES = 32;
    private static final int BATCH_BYTES = 32 * 1024;
    /** Bytes handed to the loop and not yet written into the channel; past this, not ready. */
    private static final long MIN_IN_TASKS = 64 * 1024;

    private final ReadySignal ready = new ReadySignal();
    private EventLoopGroup group;
    private Channel[] channels;
    private AtomicLong[] inTasks;
    private List<List<byte[]>> batches;
    private long[] batchBytes;
    private int streamsPerConnection;
    private long maxInTasks;

    @Override
    public void open(RunContext ctx, String host, int port) throws Exception {
        RunSpec spec = ctx.spec();
        streamsPerConnection = spec.streamsPerConnection();
        maxInTasks = Math.max(MIN_IN_TASKS, 2L * (spec.payloadBytes() + 4));
        group = NettyTransport.group(1, "netty-client");
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NettyTransport.socketChannel())
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WRITE_LOW, WRITE_HIGH))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelWritabilityChanged(ChannelHandlerContext c) {
                                if (c.channel().isWritable()) {
                                    ready.signal();
                                }
                                c.fireChannelWritabilityChanged();
                            }
                        });
                    }
                });
        int n = spec.connections();
        channels = new Channel[n];
        inTasks = new AtomicLong[n];
        batches = new ArrayList<>(n);
        batchBytes = new long[n];
        List<ChannelFuture> connecting = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            connecting.add(b.connect(host, port));
        }
        for (int c = 0; c < n; c++) {
            channels[c] = connecting.get(c).sync().channel();
            inTasks[c] = new AtomicLong();
            batches.add(new ArrayList<>(BATCH_MESSAGES));
        }
    }

    @Override
    public int streams() {
        return channels.length * streamsPerConnection;
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        int c = stream / streamsPerConnection;
        Channel ch = channels[c];
        if (!ch.isActive()) {
            throw new IllegalStateException("connection " + c + " closed");
        }
        if (!ch.isWritable() || inTasks[c].get() >= maxInTasks) {
            return false;
        }
        batches.get(c).add(payload);
        batchBytes[c] += payload.length + 4;
        if (batches.get(c).size() >= BATCH_MESSAGES || batchBytes[c] >= BATCH_BYTES) {
            submit(c);
        }
        return true;
    }

    @Override
    public void flush() {
        for (int c = 0; c < channels.length; c++) {
            if (!batches.get(c).isEmpty()) {
                submit(c);
            }
        }
    }

    private void submit(int c) {
        List<byte[]> batch = batches.get(c);
        long bytes = batchBytes[c];
        batches.set(c, new ArrayList<>(BATCH_MESSAGES));
        batchBytes[c] = 0;
        Channel ch = channels[c];
        AtomicLong pending = inTasks[c];
        pending.addAndGet(bytes);
        ch.eventLoop().execute(() -> {
            for (byte[] p : batch) {
                ByteBuf buf = ch.alloc().directBuffer(4 + p.length);
                buf.writeInt(p.length).writeBytes(p);
                ch.write(buf, ch.voidPromise());
            }
            ch.flush();
            pending.addAndGet(-bytes);
            ready.signal();
        });
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        ready.await(timeoutNanos);
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", NettyTransport.label());
        if (channels.length == 1) {
            m.put(
                    "outbound_pending_bytes",
                    channels[0].unsafe().outboundBuffer() == null
                            ? 0
                            : channels[0].unsafe().outboundBuffer().totalPendingWriteBytes());
        }
        return m;
    }

    @Override
    public void close() {
        if (channels != null) {
            for (Channel ch : channels) {
                if (ch != null) {
                    ch.close();
                }
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
