package io.creditflow.bench.jmh;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.Data;
import io.creditflow.proto.wire.Frame;
import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What one data frame costs to encode and to decode, on the hand-written hot path of
 * {@link FrameWriter} / {@link FrameReader} against plain protobuf as the copying baseline.
 *
 * <p>Why: the codec's point is that payload bytes are copied at most once on the way out and never
 * on the way in: {@link FrameWriter#writeDataHeader} writes only the header, and {@link
 * FrameReader#decode} hands each payload out as a retained slice of the input. If that holds, the
 * hand-written paths allocate (see {@code -prof gc}, {@code gc.alloc.rate.norm}) nothing that grows
 * with the payload, while protobuf's {@code ByteString} copies grow with it.
 *
 * <ul>
 * <li>{@link #encodeHandWrittenGathered}: what {@code OutboundFrames.writeData} does with a
 *     {@code byte[]} (or heap {@code ByteBuffer}) payload: header and payload are written into a pooled
 *     direct buffer of 16 KiB (or the frame's size, if larger) that gathers consecutive frames; a full
 *     buffer is released (standing in for the {@code ctx.write} that hands it to the channel). One copy
 *     of the payload; the buffer's cost is shared by the frames it gathers.</li>
 * <li>{@link #encodeHandWrittenByReference}: what it does with a direct {@code ByteBuffer} payload: a
 *     pooled direct header buffer and the payload wrapped by reference ({@link
 *     Unpooled#wrappedBuffer(java.nio.ByteBuffer)} of a duplicate); both go into a reusable out-list
 *     (standing in for the two {@code ctx.write} calls) and are then released. No copy.</li>
 * <li>{@link #encodeProtobuf}: the same frame built as a protobuf {@link Frame} with
 *     {@link ByteString#copyFrom(byte[])} and serialized by {@link FrameWriter#encode}.</li>
 * <li>{@link #decodeHandWritten}: {@value #FRAMES} consecutive data frames in one pooled direct
 *     buffer (as a socket read would deliver them) through {@link FrameReader#decode}; the listener
 *     releases each retained payload slice.</li>
 * <li>{@link #decodeProtobuf}: the same buffer through protobuf: one {@link CodedInputStream} over the
 *     buffer's NIO view, then per frame the varint length, {@code pushLimit} and {@link
 *     Frame#parseFrom(CodedInputStream)}, which copies each payload into a {@code ByteString}. This is
 *     the cheapest protobuf way to read length-delimited frames ({@code Frame.parseDelimitedFrom} on an
 *     {@code InputStream} costs more: it allocates a 4 KiB stream buffer per frame), so the baseline is
 *     conservative.</li>
 * </ul>
 *
 * The decode benchmarks count one operation per frame ({@link OperationsPerInvocation}), so every
 * figure here is per frame and the four are directly comparable.
 *
 * <p>Benchmark threads are Netty {@code FastThreadLocalThread}s ({@link EventLoopLikeExecutor}), as
 * the event loop is: only there do pooled buffers and retained slices come from thread-local caches
 * and recyclers. A command-line {@code -jvmArgsAppend} replaces that setting (plain JMH threads, which
 * then allocate a wrapper per pooled buffer and per slice).
 *
 * <p>{@code -p allocator=adaptive} runs against Netty 4.2's {@link AdaptiveByteBufAllocator}, the
 * default {@code ctx.alloc()} unless {@code io.netty.allocator.type} says otherwise.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.creditflow.bench.jmh.EventLoopLikeExecutor"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class FrameCodecBenchmark {

    /** Frames in the decode input buffer. */
    static final int FRAMES = 64;

    /** A two-byte varint, like most real stream ids after the first 63 streams of a connection. */
    private static final int STREAM_ID = 301;

    @Param({"64", "1024", "65536"})
    public int payloadSize;

    @Param({"pooled"})
    public String allocator;

    private ByteBufAllocator alloc;
    /** {@code OutboundFrames.COALESCE_BYTES}: the size of the buffers small frames are gathered into. */
    private static final int GATHER_BYTES = 16 * 1024;

    private byte[] payload;
    private java.nio.ByteBuffer directPayload;
    private ByteBuf gather;
    private final List<ByteBuf> out = new ArrayList<>(2);
    private FrameReader reader;
    private ByteBuf frames;
    private final ReleasingListener listener = new ReleasingListener();

    @Setup(Level.Trial)
    public void setUp() {
        alloc = switch (allocator) {
            case "pooled" -> PooledByteBufAllocator.DEFAULT;
            case "adaptive" -> new AdaptiveByteBufAllocator();
            default -> throw new IllegalArgumentException("allocator: " + allocator + " (pooled or adaptive)");
        };
        payload = new byte[payloadSize];
        ThreadLocalRandom.current().nextBytes(payload);
        directPayload =
                java.nio.ByteBuffer.allocateDirect(payloadSize).put(payload).flip();
        reader = new FrameReader(FrameWriter.dataFrameLength(STREAM_ID, payloadSize) + 16);

        int frameBytes = FrameWriter.dataHeaderLength(STREAM_ID, payloadSize) + payloadSize;
        frames = alloc.directBuffer(frameBytes * FRAMES, frameBytes * FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            FrameWriter.writeDataHeader(frames, STREAM_ID, payloadSize);
            frames.writeBytes(payload);
        }
        verifyDecoders(frameBytes);
    }

    /** Both decoders must see the same {@value #FRAMES} frames, or the comparison means nothing. */
    private void verifyDecoders(int frameBytes) {
        Blackhole bh = new Blackhole(
                "Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        try {
            listener.bh = bh;
            listener.frames = 0;
            if (reader.decode(frames, listener) || listener.frames != FRAMES || frames.isReadable()) {
                throw new IllegalStateException("hand-written decode saw " + listener.frames + " frames");
            }
            frames.readerIndex(0);
            if (decodeProtobufFrames(bh) != FRAMES) {
                throw new IllegalStateException("protobuf decode disagrees");
            }
            frames.readerIndex(0);
            ByteBuf viaProtobuf = FrameWriter.encode(alloc, protobufFrame());
            try {
                if (!viaProtobuf.equals(frames.slice(0, frameBytes))) {
                    throw new IllegalStateException("writeDataHeader + payload differs from protobuf's encoding");
                }
            } finally {
                viaProtobuf.release();
            }
        } finally {
            bh.evaporate("Yes, I am Stephen Hawking, and know a thing or two about black holes.");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (gather != null) {
            gather.release();
            gather = null;
        }
        // Every retained slice was released: the input is back to its own single reference.
        if (frames.refCnt() != 1) {
            throw new IllegalStateException("leaked payload slices: refCnt " + frames.refCnt());
        }
        frames.release();
    }

    @Benchmark
    public void encodeHandWrittenGathered(Blackhole bh) {
        int frameBytes = FrameWriter.dataHeaderLength(STREAM_ID, payloadSize) + payloadSize;
        ByteBuf g = gather;
        if (g != null && g.writableBytes() < frameBytes) {
            bh.consume(g);
            g.release();
            g = null;
        }
        if (g == null) {
            g = gather = alloc.directBuffer(Math.max(GATHER_BYTES, frameBytes));
        }
        FrameWriter.writeDataHeader(g, STREAM_ID, payloadSize);
        g.writeBytes(payload);
        if (g.writableBytes() < FrameWriter.MAX_DATA_HEADER_BYTES) {
            bh.consume(g);
            g.release();
            gather = null;
        }
    }

    @Benchmark
    public void encodeHandWrittenByReference(Blackhole bh) {
        ByteBuf header = alloc.directBuffer(FrameWriter.dataHeaderLength(STREAM_ID, payloadSize));
        FrameWriter.writeDataHeader(header, STREAM_ID, payloadSize);
        out.add(header);
        out.add(Unpooled.wrappedBuffer(directPayload.duplicate()));
        for (int i = 0; i < out.size(); i++) {
            ByteBuf b = out.get(i);
            bh.consume(b.readableBytes());
            bh.consume(b);
            b.release();
        }
        out.clear();
    }

    @Benchmark
    public void encodeProtobuf(Blackhole bh) {
        ByteBuf frame = FrameWriter.encode(alloc, protobufFrame());
        bh.consume(frame.readableBytes());
        bh.consume(frame);
        frame.release();
    }

    private Frame protobufFrame() {
        return Frame.newBuilder()
                .setData(Data.newBuilder().setStreamId(STREAM_ID).setPayload(ByteString.copyFrom(payload)))
                .build();
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decodeHandWritten(Blackhole bh) {
        frames.readerIndex(0);
        listener.bh = bh;
        reader.decode(frames, listener);
    }

    @Benchmark
    @OperationsPerInvocation(FRAMES)
    public void decodeProtobuf(Blackhole bh) {
        frames.readerIndex(0);
        decodeProtobufFrames(bh);
    }

    private int decodeProtobufFrames(Blackhole bh) {
        CodedInputStream in = CodedInputStream.newInstance(frames.nioBuffer());
        int n = 0;
        try {
            while (!in.isAtEnd()) {
                int limit = in.pushLimit(in.readRawVarint32());
                Frame frame = Frame.parseFrom(in);
                in.popLimit(limit);
                ByteString p = frame.getData().getPayload();
                bh.consume(p.size());
                bh.consume(p);
                n++;
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return n;
    }

    /** Consumes each payload slice, then releases it as the connection's reader eventually does. */
    static final class ReleasingListener implements FrameReader.Listener {
        Blackhole bh;
        int frames;

        @Override
        public void onData(int streamId, ByteBuf payload, int frameBytes) {
            frames++;
            bh.consume(payload.readableBytes());
            bh.consume(payload);
            payload.release();
        }

        @Override
        public void onControl(Frame frame, int frameBytes) {
            throw new IllegalStateException("unexpected control frame " + frame);
        }
    }
}
