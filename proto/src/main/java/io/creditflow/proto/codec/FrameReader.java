package io.creditflow.proto.codec;

import com.google.protobuf.ExtensionRegistryLite;
import com.google.protobuf.InvalidProtocolBufferException;
import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * Decodes frames from a cumulation buffer and hands them to a {@link Listener}, without building an
 * object per data frame: a data frame's payload is delivered as a retained slice of the input (no
 * copy), every other frame as a parsed protobuf {@link Frame}.
 *
 * <p>Bad input costs bounded work: the length prefix is checked against {@code maxFrameBytes} as soon
 * as it is read, before any of the body is buffered, so a lying prefix (2 GiB, max + 1, a varint of
 * more than 5 bytes) fails at once with FRAME_SIZE_ERROR or PROTOCOL_ERROR, and the caller closes the
 * connection instead of reading the body.
 *
 * <p>Not thread-safe; confine to the connection's event loop.
 */
public final class FrameReader {

    /** Receives decoded frames. */
    public interface Listener {
        /**
         * A data frame. {@code payload} is a retained slice: the listener owns it and must release it.
         * {@code frameBytes} is the frame's size on the wire (prefix included).
         */
        void onData(int streamId, ByteBuf payload, int frameBytes);

        /** Any other frame (the body may be unset for an unknown frame type). */
        void onControl(Frame frame, int frameBytes);
    }

    private final int maxFrameBytes;
    private final int maxControlFrameBytes;

    /**
     * @param maxFrameBytes the largest length-prefix value accepted; larger is FRAME_SIZE_ERROR
     */
    public FrameReader(int maxFrameBytes) {
        this(maxFrameBytes, maxFrameBytes);
    }

    /**
     * @param maxFrameBytes the largest length-prefix value accepted; larger is FRAME_SIZE_ERROR
     * @param maxControlFrameBytes the largest frame that is not a data frame (Open, Credit, ...): checked
     *        from the prefix and the first body byte, so a huge Open is refused before it is buffered or
     *        parsed
     */
    public FrameReader(int maxFrameBytes, int maxControlFrameBytes) {
        if (maxFrameBytes <= 0 || maxControlFrameBytes <= 0) {
            throw new IllegalArgumentException("maxFrameBytes: " + maxFrameBytes + ", maxControlFrameBytes: "
                    + maxControlFrameBytes + " (expected: > 0)");
        }
        this.maxFrameBytes = maxFrameBytes;
        this.maxControlFrameBytes = Math.min(maxControlFrameBytes, maxFrameBytes);
    }

    /**
     * The total size (length prefix included) of the frame starting at {@code in}'s reader index, once
     * its prefix is complete; the prefix is checked exactly as {@link #decode} checks it.
     *
     * @return the frame's size in bytes, or -1 if the prefix itself is not complete yet
     * @throws ProtocolException FRAME_SIZE_ERROR or PROTOCOL_ERROR for a bad prefix
     */
    public int frameBytesAt(ByteBuf in) {
        int start = in.readerIndex();
        long peeked = Varints.peekVarint32(in, start, in.writerIndex());
        if (peeked == Varints.INCOMPLETE) {
            return -1;
        }
        return checkPrefix(peeked);
    }

    /**
     * Checks what can be checked of the (possibly incomplete) frame starting at {@code in}'s reader index:
     * its prefix and, once the first body byte is there, the limit on frames that are not data frames.
     * Lets a caller that accumulates a large frame across reads reject an oversized control frame as soon
     * as its type is known, instead of after buffering all of it.
     *
     * @throws ProtocolException FRAME_SIZE_ERROR or PROTOCOL_ERROR
     */
    public void checkFrameStart(ByteBuf in) {
        int start = in.readerIndex();
        long peeked = Varints.peekVarint32(in, start, in.writerIndex());
        if (peeked == Varints.INCOMPLETE) {
            return;
        }
        int frameBytes = checkPrefix(peeked);
        checkControlFrameSize(in, start + Varints.length(peeked), start + frameBytes);
    }

    private void checkControlFrameSize(ByteBuf in, int bodyStart, int bodyEnd) {
        if (bodyEnd - bodyStart > maxControlFrameBytes
                && bodyStart < in.writerIndex()
                && in.getUnsignedByte(bodyStart) != FrameWriter.DATA_TAG) {
            throw ProtocolException.connectionError(
                    ErrorCode.FRAME_SIZE_ERROR,
                    "non-data frame of " + (bodyEnd - bodyStart) + " bytes exceeds the limit of "
                            + maxControlFrameBytes);
        }
    }

    private int checkPrefix(long peeked) {
        if (peeked == Varints.MALFORMED) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "malformed frame length prefix");
        }
        long frameLength = Varints.value(peeked);
        if (frameLength > maxFrameBytes) {
            throw ProtocolException.connectionError(
                    ErrorCode.FRAME_SIZE_ERROR,
                    "frame of " + frameLength + " bytes exceeds the limit of " + maxFrameBytes);
        }
        return Varints.length(peeked) + (int) frameLength;
    }

    /**
     * Decodes every complete frame in {@code in}, advancing its reader index past each one.
     * A partial frame is left in place for the next call.
     *
     * @return true if a partial frame (or prefix) remains
     * @throws ProtocolException a connection error: the input cannot be decoded any further
     */
    public boolean decode(ByteBuf in, Listener listener) {
        while (in.isReadable()) {
            int start = in.readerIndex();
            long peeked = Varints.peekVarint32(in, start, in.writerIndex());
            if (peeked == Varints.INCOMPLETE) {
                return true;
            }
            int frameBytes = checkPrefix(peeked);
            int bodyStart = start + Varints.length(peeked);
            int bodyEnd = start + frameBytes;
            checkControlFrameSize(in, bodyStart, bodyEnd);
            if (bodyEnd > in.writerIndex()) {
                return true;
            }
            in.readerIndex(bodyEnd);
            if (!tryDecodeData(in, bodyStart, bodyEnd, frameBytes, listener)) {
                listener.onControl(parse(in, bodyStart, bodyEnd), frameBytes);
            }
        }
        return false;
    }

    /**
     * The hot path: a frame whose only field is {@code data}. Returns false (leaving the frame to
     * protobuf) for anything else, including data frames with extra top-level fields.
     */
    private static boolean tryDecodeData(ByteBuf in, int bodyStart, int bodyEnd, int frameBytes, Listener listener) {
        if (bodyStart >= bodyEnd || in.getUnsignedByte(bodyStart) != FrameWriter.DATA_TAG) {
            return false;
        }
        long dataLen = Varints.peekVarint32(in, bodyStart + 1, bodyEnd);
        if (dataLen < 0) {
            throw malformedData();
        }
        int index = bodyStart + 1 + Varints.length(dataLen);
        if (index + Varints.value(dataLen) != bodyEnd) {
            return false;
        }
        int streamId = 0;
        int payloadIndex = index;
        int payloadLength = 0;
        while (index < bodyEnd) {
            long tag = Varints.peekVarint32(in, index, bodyEnd);
            if (tag < 0) {
                throw malformedData();
            }
            index += Varints.length(tag);
            int fieldTag = (int) Varints.value(tag);
            int wireType = fieldTag & 7;
            int field = fieldTag >>> 3;
            if (field == 0) {
                throw malformedData(); // protobuf forbids field number 0
            }
            if (wireType == 0) {
                long value = readVarint64(in, index, bodyEnd);
                index = (int) (value >>> 40) + index;
                if (field == 1) {
                    streamId = (int) (value & 0xFF_FFFF_FFFFL);
                }
            } else if (wireType == 2) {
                long len = Varints.peekVarint32(in, index, bodyEnd);
                if (len < 0) {
                    throw malformedData();
                }
                index += Varints.length(len);
                if (index + Varints.value(len) > bodyEnd) {
                    throw malformedData();
                }
                if (field == 2) {
                    payloadIndex = index;
                    payloadLength = (int) Varints.value(len);
                }
                index += (int) Varints.value(len);
            } else if (wireType == 1) {
                index += 8;
            } else if (wireType == 5) {
                index += 4;
            } else {
                throw malformedData(); // groups are not used by this protocol
            }
            if (index > bodyEnd) {
                throw malformedData();
            }
        }
        listener.onData(streamId, in.retainedSlice(payloadIndex, payloadLength), frameBytes);
        return true;
    }

    /**
     * Reads a varint of up to 10 bytes (to skip or read any varint field).
     *
     * @return the low 40 bits of the value, with the encoded length in bits 40 and up
     */
    private static long readVarint64(ByteBuf in, int index, int limit) {
        long value = 0;
        for (int i = 0; i < 10; i++) {
            if (index + i >= limit) {
                throw malformedData();
            }
            int b = in.getByte(index + i);
            if (i < 5) {
                value |= (long) (b & 0x7F) << (7 * i);
            }
            if ((b & 0x80) == 0) {
                return (value & 0xFF_FFFF_FFFFL) | ((long) (i + 1) << 40);
            }
        }
        throw malformedData();
    }

    private static Frame parse(ByteBuf in, int bodyStart, int bodyEnd) {
        try {
            Frame frame = Frame.parseFrom(
                    in.nioBuffer(bodyStart, bodyEnd - bodyStart), ExtensionRegistryLite.getEmptyRegistry());
            return frame;
        } catch (InvalidProtocolBufferException e) {
            throw ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "undecodable frame: " + e.getMessage());
        }
    }

    /**
     * Payload of a data frame that took the protobuf path (a peer that adds fields we do not know):
     * wrapped, not copied again.
     */
    public static ByteBuf payloadOf(Frame frame) {
        return Unpooled.wrappedBuffer(frame.getData().getPayload().asReadOnlyByteBuffer());
    }

    private static ProtocolException malformedData() {
        return ProtocolException.connectionError(ErrorCode.PROTOCOL_ERROR, "malformed data frame");
    }
}
