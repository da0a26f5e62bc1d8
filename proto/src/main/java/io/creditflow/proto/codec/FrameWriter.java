package io.creditflow.proto.codec;

import com.google.protobuf.CodedOutputStream;
import io.creditflow.proto.wire.Frame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * Encodes frames: a varint32 length prefix, then one protobuf {@code Frame}.
 *
 * <p>Data frames are written by hand so that the payload is never copied: {@link #writeDataHeader}
 * writes everything up to the payload's bytes, and the caller writes the payload buffer after it by
 * reference. The bytes are exactly what protobuf would produce for
 * {@code Frame{data: Data{stream_id, payload}}}:
 *
 * <pre>
 * +----------------+------+-------------+------+---------------+------+----------------+---------+
 * | varint32       | 0x1A | varint32    | 0x08 | varint32      | 0x12 | varint32       | payload |
 * | frame length   | data | data length | id   | stream id     | pay- | payload length | bytes   |
 * |                | f.3  |             | f.1  |               | load |                |         |
 * +----------------+------+-------------+------+---------------+------+----------------+---------+
 * </pre>
 *
 * Other frames are small and rare and go through protobuf's own serializer.
 *
 * <p>Stateless; thread-safe.
 */
public final class FrameWriter {
    /** The longest data-frame header: five tags and varints of at most 5 bytes each. */
    public static final int MAX_DATA_HEADER_BYTES = 5 + 1 + 5 + 1 + 5 + 1 + 5;

    static final int DATA_TAG = (3 << 3) | 2;
    static final int DATA_STREAM_ID_TAG = (1 << 3);
    static final int DATA_PAYLOAD_TAG = (2 << 3) | 2;

    private FrameWriter() {}

    /** Length of the {@code Data} message (without the frame's own tag and length). */
    private static int dataMessageLength(int streamId, int payloadBytes) {
        return 1 + Varints.sizeOf(streamId) + 1 + Varints.sizeOf(payloadBytes) + payloadBytes;
    }

    /** The value of the length prefix of a data frame: what follows the prefix on the wire. */
    public static int dataFrameLength(int streamId, int payloadBytes) {
        int data = dataMessageLength(streamId, payloadBytes);
        return 1 + Varints.sizeOf(data) + data;
    }

    /** Bytes {@link #writeDataHeader} writes. */
    public static int dataHeaderLength(int streamId, int payloadBytes) {
        int frame = dataFrameLength(streamId, payloadBytes);
        return Varints.sizeOf(frame) + frame - payloadBytes;
    }

    /** Writes a data frame's prefix and header; the caller writes {@code payloadBytes} of payload after it. */
    public static void writeDataHeader(ByteBuf out, int streamId, int payloadBytes) {
        int data = dataMessageLength(streamId, payloadBytes);
        Varints.write(out, 1 + Varints.sizeOf(data) + data);
        out.writeByte(DATA_TAG);
        Varints.write(out, data);
        out.writeByte(DATA_STREAM_ID_TAG);
        Varints.write(out, streamId);
        out.writeByte(DATA_PAYLOAD_TAG);
        Varints.write(out, payloadBytes);
    }

    /** Encodes any frame through protobuf (used for everything but data on the hot path). */
    public static ByteBuf encode(ByteBufAllocator alloc, Frame frame) {
        int size = frame.getSerializedSize();
        ByteBuf out = alloc.buffer(Varints.sizeOf(size) + size);
        try {
            Varints.write(out, size);
            ByteBuffer target = out.nioBuffer(out.writerIndex(), size);
            CodedOutputStream cos = CodedOutputStream.newInstance(target);
            frame.writeTo(cos);
            cos.flush();
            out.writerIndex(out.writerIndex() + size);
            return out;
        } catch (IOException e) {
            out.release();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }
}
