package io.creditflow.proto.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Data;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Ping;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrameCodecTest {
    static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    /** Collects decoded frames; data payloads are copied and released. */
    static final class Collector implements FrameReader.Listener {
        final List<Object> frames = new ArrayList<>();
        final List<ByteBuf> retained = new ArrayList<>();
        boolean keep;

        @Override
        public void onData(int streamId, ByteBuf payload, int frameBytes) {
            byte[] bytes = new byte[payload.readableBytes()];
            payload.getBytes(payload.readerIndex(), bytes);
            frames.add(Frame.newBuilder()
                    .setData(Data.newBuilder().setStreamId(streamId).setPayload(ByteString.copyFrom(bytes)))
                    .build());
            if (keep) {
                retained.add(payload);
            } else {
                payload.release();
            }
        }

        @Override
        public void onControl(Frame frame, int frameBytes) {
            frames.add(frame);
        }
    }

    static ByteBuf ourDataFrame(int streamId, byte[] payload) {
        ByteBuf out = ALLOC.buffer();
        FrameWriter.writeDataHeader(out, streamId, payload.length);
        assertThat(out.readableBytes()).isEqualTo(FrameWriter.dataHeaderLength(streamId, payload.length));
        out.writeBytes(payload);
        return out;
    }

    static byte[] protobufDelimited(Frame frame) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        frame.writeDelimitedTo(bytes);
        return bytes.toByteArray();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void handWrittenDataFramesAreExactlyWhatProtobufWrites(long seed) throws IOException {
        Random random = new Random(seed);
        for (int i = 0; i < 200; i++) {
            int streamId = random.nextInt(4) == 0
                    ? Integer.MAX_VALUE - random.nextInt(10)
                    : 1 + random.nextInt(1 << random.nextInt(30));
            byte[] payload = new byte[random.nextInt(4) == 0 ? 0 : random.nextInt(1 << random.nextInt(17))];
            random.nextBytes(payload);
            Frame expected = Frame.newBuilder()
                    .setData(Data.newBuilder().setStreamId(streamId).setPayload(ByteString.copyFrom(payload)))
                    .build();
            ByteBuf ours = ourDataFrame(streamId, payload);
            try {
                byte[] oursBytes = new byte[ours.readableBytes()];
                ours.getBytes(0, oursBytes);
                // protobuf omits an empty bytes field; we always write it. Both parse to the same frame.
                Frame parsed = Frame.parseDelimitedFrom(new java.io.ByteArrayInputStream(oursBytes));
                assertThat(parsed).isEqualTo(expected);
                if (payload.length > 0) {
                    assertThat(oursBytes).isEqualTo(protobufDelimited(expected));
                }
                Collector c = new Collector();
                new FrameReader(1 << 20).decode(ours, c);
                assertThat(c.frames).containsExactly(expected);
            } finally {
                ours.release();
            }
        }
    }

    @Test
    void decodesProtobufWrittenFramesIncludingDataWithUnknownFields() throws IOException {
        Frame ping =
                Frame.newBuilder().setPing(Ping.newBuilder().setPayload(42)).build();
        Frame credit = Frame.newBuilder()
                .setCredit(Credit.newBuilder().setStreamId(3).setBytes(100))
                .build();
        Frame data = Frame.newBuilder()
                .setData(Data.newBuilder().setStreamId(7).setPayload(ByteString.copyFromUtf8("hello")))
                .build();
        // Data with fields in reverse order and an unknown varint field 9 inside Data.
        ByteArrayOutputStream inner = new ByteArrayOutputStream();
        CodedOutputStream cos = CodedOutputStream.newInstance(inner);
        cos.writeBytes(2, ByteString.copyFromUtf8("world"));
        cos.writeUInt64(9, 123456789L);
        cos.writeUInt32(1, 9);
        cos.flush();
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        CodedOutputStream f = CodedOutputStream.newInstance(frame);
        f.writeByteArray(3, inner.toByteArray());
        f.flush();
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        CodedOutputStream w = CodedOutputStream.newInstance(wire);
        w.writeUInt32NoTag(frame.size());
        w.flush();
        wire.write(frame.toByteArray());

        ByteBuf in = Unpooled.buffer();
        in.writeBytes(protobufDelimited(ping))
                .writeBytes(protobufDelimited(credit))
                .writeBytes(protobufDelimited(data))
                .writeBytes(wire.toByteArray());
        Collector c = new Collector();
        assertThat(new FrameReader(1024).decode(in, c)).isFalse();
        assertThat(c.frames).hasSize(4);
        assertThat(c.frames.get(0)).isEqualTo(ping);
        assertThat(c.frames.get(1)).isEqualTo(credit);
        assertThat(c.frames.get(2)).isEqualTo(data);
        assertThat(((Frame) c.frames.get(3)).getData().getStreamId()).isEqualTo(9);
        assertThat(((Frame) c.frames.get(3)).getData().getPayload().toStringUtf8())
                .isEqualTo("world");
        in.release();
    }

    @Test
    void encodeControlFramesThroughProtobuf() throws IOException {
        Frame credit = Frame.newBuilder()
                .setCredit(Credit.newBuilder().setStreamId(5).setBytes(1 << 20).setMessages(Long.MAX_VALUE))
                .build();
        ByteBuf encoded = FrameWriter.encode(ALLOC, credit);
        byte[] bytes = new byte[encoded.readableBytes()];
        encoded.getBytes(0, bytes);
        encoded.release();
        assertThat(bytes).isEqualTo(protobufDelimited(credit));
    }

    @Test
    void leavesPartialFramesInPlaceAtEveryByteBoundary() {
        byte[] payload = new byte[300];
        new Random(1).nextBytes(payload);
        ByteBuf whole = ourDataFrame(11, payload);
        int total = whole.readableBytes();
        for (int cut = 0; cut < total; cut++) {
            ByteBuf part = whole.retainedSlice(0, cut);
            Collector c = new Collector();
            FrameReader reader = new FrameReader(1 << 20);
            assertThat(reader.decode(part, c)).as("cut at %d", cut).isEqualTo(cut > 0);
            assertThat(c.frames).isEmpty();
            assertThat(part.readerIndex()).isZero();
            part.release();
        }
        whole.release();
    }

    @Test
    void payloadIsARetainedSliceNotACopy() {
        ByteBuf frame = ourDataFrame(1, new byte[] {1, 2, 3, 4});
        Collector c = new Collector();
        c.keep = true;
        new FrameReader(1024).decode(frame, c);
        ByteBuf payload = c.retained.get(0);
        assertThat(frame.refCnt()).as("the slice holds the input").isEqualTo(2);
        frame.setByte(frame.writerIndex() - 1, 99);
        assertThat(payload.getByte(payload.readerIndex() + 3)).as("same memory").isEqualTo((byte) 99);
        payload.release();
        assertThat(frame.refCnt()).isEqualTo(1);
        frame.release();
    }

    @ParameterizedTest
    @ValueSource(ints = {1025, 1 << 20, Integer.MAX_VALUE})
    void rejectsAnOversizedLengthPrefixBeforeTheBodyArrives(int length) {
        ByteBuf in = Unpooled.buffer();
        writeVarint(in, length);
        FrameReader reader = new FrameReader(1024);
        assertThatThrownBy(() -> reader.decode(in, new Collector()))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
                    assertThat(e.isConnectionError()).isTrue();
                });
        in.release();
    }

    @Test
    void rejectsMalformedVarintsAndGarbage() {
        ByteBuf varint =
                Unpooled.wrappedBuffer(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 1});
        assertThatThrownBy(() -> new FrameReader(1024).decode(varint, new Collector()))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        ByteBuf garbage = Unpooled.wrappedBuffer(new byte[] {3, (byte) 0x1A, 5, 8});
        assertThatThrownBy(() -> new FrameReader(1024).decode(garbage, new Collector()))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        ByteBuf notProtobuf = Unpooled.wrappedBuffer(new byte[] {2, (byte) 0xFF, (byte) 0xFF});
        assertThatThrownBy(() -> new FrameReader(1024).decode(notProtobuf, new Collector()))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
    }

    @Test
    void emptyAndUnknownFramesDecodeToAnUnsetBody() {
        ByteBuf in = Unpooled.buffer();
        in.writeByte(0); // an empty frame
        in.writeByte(3).writeByte((99 << 3) | 0).writeByte(0x80 | 1).writeByte(1); // field 99, varint 129
        Collector c = new Collector();
        new FrameReader(1024).decode(in, c);
        assertThat(c.frames).hasSize(2);
        assertThat(((Frame) c.frames.get(0)).getBodyCase()).isEqualTo(Frame.BodyCase.BODY_NOT_SET);
        assertThat(((Frame) c.frames.get(1)).getBodyCase()).isEqualTo(Frame.BodyCase.BODY_NOT_SET);
        in.release();
    }

    static void writeVarint(ByteBuf out, long value) {
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }
}
