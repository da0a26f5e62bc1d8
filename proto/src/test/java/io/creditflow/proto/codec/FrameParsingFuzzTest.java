package io.creditflow.proto.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.wire.Blocked;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Data;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.GoAway;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Pong;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.proto.wire.RevokeAck;
import io.creditflow.proto.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;

/**
 * Item 2b: fuzzes the frame codec. {@link FrameReader} on arbitrary bytes may only throw our
 * {@link ProtocolException}; every Data frame its hand-written fast path accepts must decode to exactly
 * what protobuf makes of the same body; every retained payload slice is accounted for (no leak). Each
 * protobuf message type, parsed directly, may only fail with protobuf's own exception and must round-trip.
 *
 * <p>Runs in regression mode (the empty input and the seeds under
 * {@code src/test/resources/io/creditflow/proto/codec/FrameParsingFuzzTestInputs}) in every build; fuzz
 * with {@code scripts/fuzz.sh}.
 */
class FrameParsingFuzzTest {
    private static final long MAX_NANOS_PER_INPUT = 2_000_000_000L;

    private static final List<Parser<? extends Message>> PARSERS = List.of(
            Frame.parser(),
            Handshake.parser(),
            Settings.parser(),
            Open.parser(),
            Data.parser(),
            Credit.parser(),
            HalfClose.parser(),
            Reset.parser(),
            Ping.parser(),
            Pong.parser(),
            GoAway.parser(),
            Revoke.parser(),
            RevokeAck.parser(),
            Blocked.parser());

    @FuzzTest(maxDuration = "30s")
    void frameReaderThrowsOnlyProtocolExceptionAndAgreesWithProtobuf(byte[] input) {
        long start = System.nanoTime();
        int maxFrameBytes = 1 + (input.length == 0 ? 0 : (input[0] & 0xFF) * 64);
        FrameReader reader = new FrameReader(maxFrameBytes);
        ByteBuf in = Unpooled.wrappedBuffer(input);
        try {
            while (in.isReadable()) {
                int frameBytes;
                try {
                    frameBytes = reader.frameBytesAt(in);
                } catch (ProtocolException e) {
                    assertThat(e.isConnectionError()).isTrue();
                    break;
                }
                if (frameBytes < 0 || frameBytes > in.readableBytes()) {
                    // Incomplete: decode must leave it in place and say so.
                    int before = in.readerIndex();
                    assertThat(reader.decode(in, failIfCalled())).isTrue();
                    assertThat(in.readerIndex()).isEqualTo(before);
                    break;
                }
                ByteBuf one = in.readSlice(frameBytes);
                int prefix = frameBytes
                        - (int) Varints.value(Varints.peekVarint32(one, one.readerIndex(), one.writerIndex()));
                byte[] body = new byte[frameBytes - prefix];
                one.getBytes(one.readerIndex() + prefix, body);
                List<Object> decoded = new ArrayList<>();
                try {
                    assertThat(reader.decode(one, collect(decoded, frameBytes))).isFalse();
                } catch (ProtocolException e) {
                    assertThat(e.isConnectionError())
                            .as("codec errors are connection errors")
                            .isTrue();
                    break;
                }
                assertThat(decoded).hasSize(1);
                Object d = decoded.get(0);
                if (d instanceof Data fast) {
                    Frame parsed;
                    try {
                        parsed = Frame.parseFrom(body);
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError("the fast path accepted a body protobuf rejects", e);
                    }
                    assertThat(parsed.hasData()).isTrue();
                    assertThat(fast.getStreamId()).isEqualTo(parsed.getData().getStreamId());
                    assertThat(fast.getPayload()).isEqualTo(parsed.getData().getPayload());
                } else {
                    Frame control = (Frame) d;
                    try {
                        assertThat(Frame.parseFrom(control.toByteArray()))
                                .as("re-encodes to itself")
                                .isEqualTo(control);
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError("a decoded frame does not re-parse", e);
                    }
                }
            }
        } finally {
            assertThat(in.refCnt())
                    .as("every retained payload slice was released")
                    .isEqualTo(1);
            in.release();
        }
        assertThat(System.nanoTime() - start).as("bounded work per input").isLessThan(MAX_NANOS_PER_INPUT);
    }

    @FuzzTest(maxDuration = "30s")
    void everyMessageTypeParsesOrFailsWithProtobufsExceptionAndRoundTrips(FuzzedDataProvider data) {
        long start = System.nanoTime();
        Parser<? extends Message> parser = PARSERS.get(data.consumeInt(0, PARSERS.size() - 1));
        byte[] bytes = data.consumeRemainingAsBytes();
        Message m;
        try {
            m = parser.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            return; // the only way a parse may fail
        }
        byte[] again = m.toByteArray();
        try {
            assertThat(parser.parseFrom(again)).isEqualTo(m);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a parsed message does not re-parse", e);
        }
        if (m instanceof Frame f && f.hasData()) {
            // What protobuf parsed, the hand-written reader decodes alike once re-encoded by FrameWriter.
            ByteBuf wire = Unpooled.buffer();
            FrameWriter.writeDataHeader(
                    wire, f.getData().getStreamId(), f.getData().getPayload().size());
            wire.writeBytes(f.getData().getPayload().toByteArray());
            List<Object> decoded = new ArrayList<>();
            new FrameReader(Integer.MAX_VALUE).decode(wire, collect(decoded, 0));
            assertThat(decoded)
                    .singleElement()
                    .isEqualTo(Data.newBuilder()
                            .setStreamId(f.getData().getStreamId())
                            .setPayload(f.getData().getPayload())
                            .build()); // unknown fields are not carried over
            assertThat(wire.refCnt()).isEqualTo(1);
            wire.release();
        }
        assertThat(System.nanoTime() - start).as("bounded work per input").isLessThan(MAX_NANOS_PER_INPUT);
    }

    private static FrameReader.Listener collect(List<Object> out, int expectedFrameBytes) {
        return new FrameReader.Listener() {
            @Override
            public void onData(int streamId, ByteBuf payload, int frameBytes) {
                try {
                    if (expectedFrameBytes > 0) {
                        assertThat(frameBytes).isEqualTo(expectedFrameBytes);
                    }
                    byte[] copy = new byte[payload.readableBytes()];
                    payload.getBytes(payload.readerIndex(), copy);
                    out.add(Data.newBuilder()
                            .setStreamId(streamId)
                            .setPayload(ByteString.copyFrom(copy))
                            .build());
                } finally {
                    payload.release();
                }
            }

            @Override
            public void onControl(Frame frame, int frameBytes) {
                out.add(frame);
            }
        };
    }

    private static FrameReader.Listener failIfCalled() {
        return new FrameReader.Listener() {
            @Override
            public void onData(int streamId, ByteBuf payload, int frameBytes) {
                payload.release();
                throw new AssertionError("an incomplete frame was decoded");
            }

            @Override
            public void onControl(Frame frame, int frameBytes) {
                throw new AssertionError("an incomplete frame was decoded");
            }
        };
    }
}
