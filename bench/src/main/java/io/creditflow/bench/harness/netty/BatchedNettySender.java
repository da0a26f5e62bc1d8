package io.creditflow.bench.harness.netty;

import io.creditflow.bench.harness.ReadySignal;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Sender;
import io.creditflow.transport.EndpointBuilder;
import io.creditflow.transport.StreamOptions;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code netty-batched}'s sending side: raw Netty written with the care creditflow's own write path takes,
 * so that it is the ceiling every Netty-based system is judged against.
 *
 * <ul>
 *   <li>Hand-off: the send loop's thread gathers messages into batches (up to {@value #BATCH_MESSAGES}
 *       messages or {@value #COALESCE_BYTES} bytes, or what one pass of the send loop offered) and hands
 *       each batch to the connection's event loop on a lock-free queue; a write pass is scheduled only when
 *       none is pending. The hand-off is bounded as creditflow's send queues are: per connection,
 *       {@link StreamOptions#DEFAULT_SEND_QUEUE_BYTES} and {@link StreamOptions#DEFAULT_SEND_QUEUE_MESSAGES}
 *       per stream it carries; past either bound, or while the channel is not writable, {@link #trySend}
 *       says no (back-pressure as a return value), and the loop waits for a pass or writability.
 *   <li>Write pass (event loop): each message is copied once, behind its 4-byte length, into a pooled
 *       direct buffer of {@value #COALESCE_BYTES} bytes shared by the messages of the pass (a larger message
 *       gets a buffer of its own size), one outbound entry per buffer, and one flush per pass. It stops
 *       taking batches once the channel is not writable and goes on when it is writable again.
 *   <li>Channel options as creditflow's: TCP_NODELAY, write watermarks 256/512 KiB, SO_SNDBUF and SO_RCVBUF
 *       pinned at {@link EndpointBuilder#DEFAULT_SOCKET_BUFFER_BYTES}.
 * </ul>
 *
 * <p>Threads: {@link #trySend}, {@link #flush} and {@link #awaitReady} on the send loop's thread (one);
 * write passes on the connection's event loop.
 */
public final class BatchedNettySender implements Sender {
    /** The gathering buffer's size, creditflow's ({@code OutboundFrames.COALESCE_BYTES}). */
    static final int COALESCE_BYTES = 16 * 1024;
    /** Messages per handed batch, at most. */
    static final int BATCH_MESSAGES = 64;

    private final ReadySignal ready = new ReadySignal();
    private EventLoopGroup group;
    private Connection[] connections;
    private int streamsPerConnection;

    @Override
    public void open(RunContext ctx, String host, int port) throws Exception {
        RunSpec spec = ctx.spec();
        streamsPerConnection = spec.streamsPerConnection();
        group = NettyTransport.group(1, "netty-batched-client");
        int socketBuffer = EndpointBuilder.DEFAULT_SOCKET_BUFFER_BYTES;
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(NettyTransport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(
                        ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(
                                EndpointBuilder.DEFAULT_WRITE_LOW_WATERMARK_BYTES,
                                EndpointBuilder.DEFAULT_WRITE_HIGH_WATERMARK_BYTES))
                .option(ChannelOption.SO_SNDBUF, socketBuffer)
                .option(ChannelOption.SO_RCVBUF, socketBuffer);
        int n = spec.connections();
        connections = new Connection[n];
        List<ChannelFuture> connecting = new ArrayList<>(n);
        for (int c = 0; c < n; c++) {
            Connection conn = new Connection(
                    ready,
                    StreamOptions.DEFAULT_SEND_QUEUE_BYTES * streamsPerConnection,
                    (long) StreamOptions.DEFAULT_SEND_QUEUE_MESSAGES * streamsPerConnection);
            connections[c] = conn;
            connecting.add(b.clone().handler(conn.initializer()).connect(host, port));
        }
        for (int c = 0; c < n; c++) {
            connections[c].channel = connecting.get(c).sync().channel();
        }
    }

    @Override
    public int streams() {
        return connections.length * streamsPerConnection;
    }

    @Override
    public boolean trySend(int stream, byte[] payload) {
        Connection c = connections[stream / streamsPerConnection];
        if (!c.channel.isActive()) {
            throw new IllegalStateException("connection " + stream / streamsPerConnection + " closed");
        }
        return c.offer(payload);
    }

    @Override
    public void flush() {
        for (Connection c : connections) {
            c.handOff();
        }
    }

    @Override
    public void awaitReady(long timeoutNanos) throws InterruptedException {
        ready.await(timeoutNanos);
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", NettyTransport.label());
        if (connections.length == 1) {
            Channel ch = connections[0].channel;
            m.put(
                    "outbound_pending_bytes",
                    ch.unsafe().outboundBuffer() == null
                            ? 0
                            : ch.unsafe().outboundBuffer().totalPendingWriteBytes());
            m.put("handoff_queued_bytes", connections[0].queuedBytes.get());
        }
        return m;
    }

    @Override
    public void close() {
        if (connections != null) {
            for (Connection c : connections) {
                if (c != null && c.channel != null) {
                    c.channel.close();
                }
            }
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Messages handed to the loop together, and their payload bytes. */
    private record Batch(byte[][] payloads, int count, long bytes) {}

    /**
     * One connection: the send loop's open batch (its thread only), the hand-off queue and its counts (any
     * thread), and the write pass (the event loop only).
     */
    static final class Connection {
        private final ReadySignal ready;
        private final long maxQueuedBytes;
        private final long maxQueuedMessages;
        private final ConcurrentLinkedQueue<Batch> handOff = new ConcurrentLinkedQueue<>();
        /** Payload bytes and messages handed off (or in the open batch's hand-off) and not yet written. */
        private final AtomicLong queuedBytes = new AtomicLong();

        private final AtomicLong queuedMessages = new AtomicLong();
        private final AtomicBoolean passScheduled = new AtomicBoolean();
        private final Runnable pass = this::writePass;
        volatile Channel channel;

        // The send loop's thread only; the batch array is allocated at the first message (S7's idle connections).
        private byte[][] batch;
        private int batchCount;
        private long batchBytes;

        Connection(ReadySignal ready, long maxQueuedBytes, long maxQueuedMessages) {
            this.ready = ready;
            this.maxQueuedBytes = maxQueuedBytes;
            this.maxQueuedMessages = maxQueuedMessages;
        }

        ChannelInitializer<Channel> initializer() {
            return new ChannelInitializer<>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelWritabilityChanged(ChannelHandlerContext c) {
                            if (c.channel().isWritable()) {
                                schedulePass(c.channel());
                                ready.signal();
                            }
                            c.fireChannelWritabilityChanged();
                        }
                    });
                }
            };
        }

        /** The send loop: takes the message into the open batch if the channel and the bound allow. */
        boolean offer(byte[] payload) {
            if (!channel.isWritable()
                    || queuedBytes.get() + batchBytes >= maxQueuedBytes
                    || queuedMessages.get() + batchCount >= maxQueuedMessages) {
                return false;
            }
            if (batch == null) {
                batch = new byte[BATCH_MESSAGES][];
            }
            batch[batchCount++] = payload;
            batchBytes += payload.length;
            if (batchCount == BATCH_MESSAGES || batchBytes >= COALESCE_BYTES) {
                handOff();
            }
            return true;
        }

        /** The send loop: hands the open batch, if any, to the event loop. */
        void handOff() {
            if (batchCount == 0) {
                return;
            }
            queuedBytes.addAndGet(batchBytes);
            queuedMessages.addAndGet(batchCount);
            handOff.offer(new Batch(batch, batchCount, batchBytes));
            batch = null;
            batchCount = 0;
            batchBytes = 0;
            schedulePass(channel);
        }

        /** Any thread: a write pass runs on the loop soon, unless one is already pending. */
        private void schedulePass(Channel ch) {
            if (!passScheduled.get() && passScheduled.compareAndSet(false, true)) {
                ch.eventLoop().execute(pass);
            }
        }

        /** The event loop: gathers what was handed off into 16 KiB buffers, while writable; one flush. */
        private void writePass() {
            Channel ch = channel;
            assert ch.eventLoop().inEventLoop();
            passScheduled.set(false);
            ByteBuf out = null;
            boolean wrote = false;
            Batch b;
            while (ch.isWritable() && (b = handOff.poll()) != null) {
                for (int k = 0; k < b.count; k++) {
                    byte[] p = b.payloads[k];
                    int frame = 4 + p.length;
                    if (out != null && out.writableBytes() < frame) {
                        ch.write(out, ch.voidPromise());
                        out = null;
                    }
                    if (out == null) {
                        out = ch.alloc().directBuffer(Math.max(COALESCE_BYTES, frame));
                    }
                    out.writeInt(p.length).writeBytes(p);
                }
                queuedBytes.addAndGet(-b.bytes);
                queuedMessages.addAndGet(-b.count);
                wrote = true;
            }
            if (out != null) {
                ch.write(out, ch.voidPromise());
            }
            if (wrote) {
                ch.flush();
                ready.signal();
            }
        }
    }
}
