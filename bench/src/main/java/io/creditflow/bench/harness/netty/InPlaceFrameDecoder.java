package io.creditflow.bench.harness.netty;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * 4-byte length-prefixed frames decoded where they arrive: each frame that lies whole inside a read buffer
 * is handed to the {@link FrameSink} as an offset into that buffer, with no copy and no slice; only a frame
 * that straddles two reads is copied, into a buffer of exactly its size (its length prefix, if that
 * straddles too, is kept in an int). Nothing is cumulated: a read buffer is released as soon as its frames
 * are handed on, where Netty's stock {@code LengthFieldBasedFrameDecoder} appends every read to a
 * cumulation buffer and copies it whenever a frame is left incomplete.
 *
 * <p>Bound: at most one partial frame per connection, of at most {@code maxFrameBytes}; a longer length
 * prefix is a {@link CorruptedFrameException} (the connection is closed).
 *
 * <p>Event-loop confined: one instance per channel.
 */
final class InPlaceFrameDecoder extends ChannelInboundHandlerAdapter {
    /** Where decoded frames go. */
    interface FrameSink {
        /**
         * One frame's payload: {@code length} bytes of {@code buf} from index {@code at}, valid only during
         * the call (the buffer is released after; read with absolute gets, keep nothing).
         */
        void frame(ByteBuf buf, int at, int length);
    }

    private final FrameSink sink;
    private final int maxFrameBytes;
    private final AtomicLong copiedFrames;
    /** The length prefix of a frame that straddles reads, and how many of its bytes have arrived. */
    private int header;

    private int headerBytes;
    /** The payload so far of a frame that straddles reads, sized to it; null if none. */
    private ByteBuf partial;

    /** {@code copiedFrames} counts the frames that straddled reads and were copied (shared by connections). */
    InPlaceFrameDecoder(FrameSink sink, int maxFrameBytes, AtomicLong copiedFrames) {
        this.sink = sink;
        this.maxFrameBytes = maxFrameBytes;
        this.copiedFrames = copiedFrames;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            decode(ctx, in);
        } finally {
            in.release();
        }
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        if ((headerBytes > 0 || partial != null) && !continuePartial(ctx, in)) {
            return; // the whole read went into the partial frame
        }
        int r = in.readerIndex();
        int w = in.writerIndex();
        while (w - r >= 4) {
            int length = checked(in.getInt(r));
            if (w - r - 4 < length) {
                break;
            }
            sink.frame(in, r + 4, length);
            r += 4 + length;
        }
        if (r < w) {
            in.readerIndex(r);
            continuePartial(ctx, in); // starts the partial frame: it cannot complete here
        }
    }

    /** Feeds {@code in} to the partial frame; true if it completed (and was handed on), with {@code in} past it. */
    private boolean continuePartial(ChannelHandlerContext ctx, ByteBuf in) {
        while (headerBytes < 4) {
            if (!in.isReadable()) {
                return false;
            }
            header = header << 8 | in.readUnsignedByte();
            headerBytes++;
        }
        if (partial == null) {
            int length = checked(header);
            partial = ctx.alloc().directBuffer(length, length);
        }
        int take = Math.min(header - partial.writerIndex(), in.readableBytes());
        partial.writeBytes(in, take);
        if (partial.writerIndex() < header) {
            return false;
        }
        ByteBuf frame = partial;
        partial = null;
        headerBytes = 0;
        header = 0;
        try {
            copiedFrames.incrementAndGet();
            sink.frame(frame, 0, frame.writerIndex());
        } finally {
            frame.release();
        }
        return true;
    }

    private int checked(int length) {
        if (length < 0 || length > maxFrameBytes) {
            throw new CorruptedFrameException("frame length " + length + " (expected 0 to " + maxFrameBytes + ")");
        }
        return length;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
