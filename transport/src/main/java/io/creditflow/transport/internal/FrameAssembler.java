package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.wire.Frame;
import io.creditflow.transport.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Turns reads into frames for a {@link FrameReader.Listener}: complete frames are decoded in place (payloads
 * are retained slices of the read buffer); only a frame that straddles two reads is assembled in a separate
 * buffer, {@link #partial}, which is at most one frame ({@code maxFrameBytes}, checked from the length
 * prefix before anything is allocated). Also refuses a foreign protocol at the first body byte. Model:
 * Netty's ByteToMessageDecoder cumulator.
 *
 * <p>Event-loop confined.
 */
final class FrameAssembler {
    /** The first body byte of a {@code Frame} carrying a {@code Handshake}: field 1, length-delimited. */
    private static final int HANDSHAKE_TAG = Frame.HANDSHAKE_FIELD_NUMBER << 3 | 2;
    /** The first body byte of a {@code Frame} carrying a {@code GoAway}: field 9, length-delimited. */
    private static final int GO_AWAY_TAG = Frame.GO_AWAY_FIELD_NUMBER << 3 | 2;

    private final FrameReader reader;
    /** The listener of the read under way (set by {@link #read}). */
    private FrameReader.Listener listener;

    private final ByteBufAllocator alloc;
    private final ConnectionLifecycle lifecycle;
    private final ConnectionTimers timers;
    /** The frame straddling reads, or null. */
    private ByteBuf partial;
    /** The size of {@link #partial}'s frame, or -1 while its length prefix is incomplete. */
    private int partialFrameBytes = -1;
    /** The first frame's body started with the Handshake (or GoAway) tag; see {@link #checkFirstFrameStart}. */
    private boolean firstFrameStartChecked;

    FrameAssembler(FrameReader reader, ByteBufAllocator alloc, ConnectionLifecycle lifecycle, ConnectionTimers timers) {
        this.reader = reader;
        this.alloc = alloc;
        this.lifecycle = lifecycle;
        this.timers = timers;
    }

    /**
     * Decodes what {@code in} completes, for {@code frames}, and keeps its incomplete tail. Does not release
     * {@code in}.
     *
     * @throws ProtocolException a connection error from the frames or the listener
     */
    void read(ByteBuf in, FrameReader.Listener frames) {
        this.listener = frames;
        if (!firstFrameStartChecked) {
            checkFirstFrameStart(in);
        }
        if (partial != null && !completePartial(in)) {
            return;
        }
        if (reader.decode(in, listener) && lifecycle.acceptsInput()) {
            // Not once the connection started closing: the rest is discarded, and teardown may already
            // have run (a close can complete within this read), which would leave the copy unreleased.
            keepPartial(in);
        }
    }

    /** Releases the incomplete frame, if any (teardown). */
    void release() {
        if (partial != null) {
            partial.release();
            partial = null;
        }
    }

    /**
     * The first frame must be a {@code Handshake} (or a {@code GoAway} refusing us), so its body starts with
     * that field's tag. Checked from its first body byte: an HTTP request, a TLS ClientHello sent to a
     * plain port or any other protocol is refused at once, instead of waiting out the handshake timeout for
     * the frame its first byte only seems to announce ({@code 'G'} reads as a 71-byte prefix).
     */
    private void checkFirstFrameStart(ByteBuf in) {
        int buffered = partial == null ? 0 : partial.readableBytes();
        int available = buffered + in.readableBytes();
        int prefixBytes = 0;
        long length = 0;
        while (true) {
            if (prefixBytes >= available || prefixBytes >= 5) {
                return; // prefix incomplete, or malformed (the reader says so)
            }
            int b = byteAt(in, buffered, prefixBytes);
            length |= (long) (b & 0x7F) << (7 * prefixBytes);
            prefixBytes++;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        if (length == 0) {
            firstFrameStartChecked = true; // an empty first frame: the reader refuses it
            return;
        }
        if (prefixBytes >= available) {
            return;
        }
        int tag = byteAt(in, buffered, prefixBytes);
        if (tag != HANDSHAKE_TAG && tag != GO_AWAY_TAG) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    "not a creditflow peer: the first " + "frame must be a Handshake, got "
                            + describeFirstBytes(in, buffered, available));
        }
        firstFrameStartChecked = true;
    }

    private int byteAt(ByteBuf in, int buffered, int i) {
        return i < buffered
                ? partial.getUnsignedByte(partial.readerIndex() + i)
                : in.getUnsignedByte(in.readerIndex() + i - buffered);
    }

    /** The first bytes in hex and, where they are printable, as text: enough to recognise HTTP or TLS. */
    private String describeFirstBytes(ByteBuf in, int buffered, int available) {
        int n = Math.min(available, 8);
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int b = byteAt(in, buffered, i);
            hex.append(i == 0 ? "" : " ").append(String.format("%02x", b));
            text.append(b >= 0x20 && b < 0x7F ? (char) b : '.');
        }
        String guess = byteAt(in, buffered, 0) == 0x16 && available > 1 && byteAt(in, buffered, 1) == 0x03
                ? " (a TLS handshake: this endpoint does not use TLS)"
                : text.toString().matches("[A-Z]{3,7} .*|PRI .*|[A-Z]{3,7}") ? " (an HTTP request?)" : "";
        return "bytes " + hex + " '" + text + "'" + guess;
    }

    /**
     * Feeds {@code in} into the frame that straddled the previous read.
     *
     * @return true if the partial frame was completed and decoded (the rest of {@code in} follows)
     */
    private boolean completePartial(ByteBuf in) {
        if (partialFrameBytes < 0) {
            while (in.isReadable() && partialFrameBytes < 0) {
                partial.writeByte(in.readByte());
                partialFrameBytes = reader.frameBytesAt(partial);
            }
            if (partialFrameBytes < 0) {
                return false;
            }
            ByteBuf sized = alloc.directBuffer(
                    Math.min(partialFrameBytes, partial.readableBytes() + in.readableBytes()), partialFrameBytes);
            sized.writeBytes(partial);
            partial.release();
            partial = sized;
        }
        int missing = partialFrameBytes - partial.readableBytes();
        int take = Math.min(missing, in.readableBytes());
        partial.writeBytes(in, take);
        if (take < missing) {
            // A control frame over its limit is refused as soon as its first body byte is here,
            // not after buffering up to maxFrameBytes of it.
            reader.checkFrameStart(partial);
            return false;
        }
        ByteBuf frame = partial;
        partial = null;
        partialFrameBytes = -1;
        timers.onPartialFrameDone();
        try {
            reader.decode(frame, listener);
        } finally {
            frame.release();
        }
        return true;
    }

    /** Copies the incomplete tail of {@code in} (at most one frame) into {@link #partial}. */
    private void keepPartial(ByteBuf in) {
        int frameBytes = reader.frameBytesAt(in);
        int available = in.readableBytes();
        int capacity = frameBytes < 0 ? 8 : Math.min(frameBytes, Math.max(available * 2, 256));
        partial = alloc.directBuffer(capacity, frameBytes < 0 ? 8 : frameBytes);
        partial.writeBytes(in);
        partialFrameBytes = frameBytes;
        // The frame must be complete within the partial-frame timeout, counted from this read.
        timers.onPartialFrame(timers.lastReadNanos());
    }
}
