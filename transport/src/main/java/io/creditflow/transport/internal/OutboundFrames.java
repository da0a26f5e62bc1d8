package io.creditflow.transport.internal;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.wire.Blocked;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import java.nio.ByteBuffer;

/**
 * Outbound framing of one connection: encodes control frames, gathers small data frames into pooled
 * buffers, bounds the control frames queued for a peer that does not read ({@link ControlBacklog}) and
 * coalesces flushes (one per batch). Also the {@link InboundFlowController.CreditSink} of the receive side.
 * Models: Netty's DefaultHttp2ConnectionEncoder and Http2ControlFrameLimitEncoder.
 *
 * <p>Event-loop confined.
 */
final class OutboundFrames implements InboundFlowController.CreditSink {
    /**
     * Size of the pooled buffers small data frames are gathered into: large enough to take a write pass's
     * turn of one stream (16 KiB), small enough that the channel's writability lags by little.
     */
    static final int COALESCE_BYTES = 16 * 1024;

    private final ChannelHandlerContext ctx;
    private final Channel channel;
    private final ConnectionLifecycle lifecycle;
    private final ControlBacklog backlog;
    private ConnectionCloser closer;
    /** Data frames of the current write pass, gathered into one pooled buffer; see {@link #writeData}. */
    private ByteBuf coalesce;

    private boolean flushNeeded;
    /**
     * {@link #writeControl} is flushing. The flush can make the channel writable, and Netty then calls the
     * writability handler at once, from inside whatever wrote this control frame (the inbound flow controller
     * granting credit, a write pass reporting Blocked): that handler must not start a write pass there (which
     * can close streams under the caller's feet), only schedule one; see {@link #isInBacklogFlush()}.
     */
    private boolean inBacklogFlush;

    OutboundFrames(ChannelHandlerContext ctx, ConnectionLifecycle lifecycle, ControlBacklog backlog) {
        this.ctx = ctx;
        this.channel = ctx.channel();
        this.lifecycle = lifecycle;
        this.backlog = backlog;
    }

    /** Wiring: who closes the connection when the control backlog overflows. */
    void closeOnBacklogOverflow(ConnectionCloser closer) {
        this.closer = closer;
    }

    /** Reasons on the wire are bounded ({@link EndpointSettings#MAX_REASON_CHARS}). */
    static String truncate(String reason) {
        if (reason == null) {
            return "";
        }
        return reason.length() <= EndpointSettings.MAX_REASON_CHARS
                ? reason
                : reason.substring(0, EndpointSettings.MAX_REASON_CHARS);
    }

    /** Writable, counting the frames gathered but not yet handed to the channel ({@link #coalesce}). */
    /** True while {@link #writeControl} flushes to judge the backlog (the writability handler defers its work). */
    boolean isInBacklogFlush() {
        return inBacklogFlush;
    }

    boolean isChannelWritable() {
        ByteBuf out = coalesce;
        return channel.isWritable() && (out == null || out.readableBytes() < channel.bytesBeforeUnwritable());
    }

    /** The channel is writable again: the control frames queued behind it have gone. */
    void onWritable() {
        backlog.onWritable();
    }

    /**
     * Writes one data frame. A direct payload is appended by reference after our header (no copy). A heap
     * payload ({@code byte[]} or a heap {@code ByteBuffer}) must reach the socket in native memory, so
     * every JVM transport copies it once; we make that one copy ourselves, straight into a pooled direct
     * buffer shared by the frames of this write pass ({@link #COALESCE_BYTES}): one outbound entry for
     * many small messages instead of two each, and none of the wrapper and view objects Netty's own
     * heap-to-direct copy allocates per message.
     */
    void writeData(int streamId, Object message, int size) {
        assert ctx.executor().inEventLoop();
        int headerBytes = FrameWriter.dataHeaderLength(streamId, size);
        if (message instanceof ByteBuffer buffer && buffer.isDirect() && size > 0) {
            flushCoalesced();
            ByteBuf header = ctx.alloc().directBuffer(headerBytes);
            FrameWriter.writeDataHeader(header, streamId, size);
            ctx.write(header, ctx.voidPromise());
            ctx.write(Unpooled.wrappedBuffer(buffer.duplicate()), ctx.voidPromise());
        } else {
            int frameBytes = headerBytes + size;
            ByteBuf out = coalesce;
            // Gather no more than the channel can take before it turns unwritable, so that what is queued
            // stays within the write high watermark plus one frame, as without gathering.
            if (out != null
                    && (out.writableBytes() < frameBytes
                            || out.readableBytes() + frameBytes > channel.bytesBeforeUnwritable())) {
                flushCoalesced();
                out = null;
            }
            if (out == null) {
                out = coalesce = ctx.alloc().directBuffer(Math.max(COALESCE_BYTES, frameBytes));
            }
            FrameWriter.writeDataHeader(out, streamId, size);
            if (message instanceof byte[] bytes) {
                out.writeBytes(bytes);
            } else if (size > 0) {
                out.writeBytes(((ByteBuffer) message).duplicate());
            }
            if (out.writableBytes() < FrameWriter.MAX_DATA_HEADER_BYTES) {
                flushCoalesced();
            }
        }
        flushNeeded = true;
    }

    /** Hands the frames gathered so far to the channel (before anything else is written, and before a flush). */
    private void flushCoalesced() {
        ByteBuf out = coalesce;
        if (out != null) {
            coalesce = null;
            ctx.write(out, ctx.voidPromise());
        }
    }

    /** Writes a control frame, unless the peer leaves too many of them unread (then the connection closes). */
    void writeControl(Frame frame) {
        assert ctx.executor().inEventLoop();
        flushCoalesced(); // keep the order: data gathered before this frame goes first
        boolean closing = lifecycle.state().isClosingOrClosed();
        if (!channel.isWritable() && !closing && flushNeeded) {
            // What this read batch queued is not yet the peer's backlog: hand it to the socket first, so that
            // only what stays queued because the peer does not read is counted below.
            flushNeeded = false;
            inBacklogFlush = true;
            try {
                ctx.flush();
            } finally {
                inBacklogFlush = false;
            }
        }
        if (!channel.isWritable() && !backlog.tryQueue() && !lifecycle.state().isClosingOrClosed()) {
            // The peer makes us answer but does not read the answers: stop before they pile up.
            closer.closeWith(
                    new CloseStatus(
                            ErrorCode.ENHANCE_YOUR_CALM,
                            "more than " + backlog.maxQueued() + " control frames queued for a peer that does not read",
                            false,
                            0),
                    true);
            ctx.close(); // it reads nothing: waiting for the flush would keep the connection (and its buffers) forever
            return;
        }
        ctx.write(FrameWriter.encode(ctx.alloc(), frame), ctx.voidPromise());
        flushNeeded = true;
    }

    /** Flushes if anything was written since the last flush. */
    void flushIfNeeded() {
        assert ctx.executor().inEventLoop();
        if (flushNeeded) {
            flushNeeded = false;
            flushCoalesced();
            ctx.flush();
        }
    }

    /** The connection is closing: what is written now goes out with the closing flush. */
    void cancelFlush() {
        flushNeeded = false;
    }

    /** Releases the gathering buffer (teardown). */
    void release() {
        if (coalesce != null) {
            coalesce.release();
            coalesce = null;
        }
    }

    void writeBlocked(int streamId, long neededBytes) {
        writeControl(Frame.newBuilder()
                .setBlocked(Blocked.newBuilder().setStreamId(streamId).setNeededBytes(neededBytes))
                .build());
    }

    void writeReset(int streamId, ErrorCode code, String reason) {
        writeControl(Frame.newBuilder()
                .setReset(Reset.newBuilder()
                        .setStreamId(streamId)
                        .setCode(ErrorCodes.toWire(code))
                        .setReason(truncate(reason)))
                .build());
    }

    @Override
    public void writeStreamCredit(int streamId, long bytes, long messages) {
        writeControl(Frame.newBuilder()
                .setCredit(Credit.newBuilder()
                        .setStreamId(streamId)
                        .setBytes(bytes)
                        .setMessages(messages))
                .build());
    }

    @Override
    public void writeConnectionCredit(long bytes) {
        writeControl(Frame.newBuilder()
                .setCredit(Credit.newBuilder().setStreamId(0).setBytes(bytes))
                .build());
    }

    @Override
    public void writeRevoke(int streamId, long keepBytes) {
        writeControl(Frame.newBuilder()
                .setRevoke(Revoke.newBuilder().setStreamId(streamId).setKeepBytes(keepBytes))
                .build());
    }
}
