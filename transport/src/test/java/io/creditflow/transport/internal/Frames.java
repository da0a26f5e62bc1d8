package io.creditflow.transport.internal;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.Blocked;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.GoAway;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.proto.wire.RevokeAck;
import io.creditflow.proto.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.List;

/** Frame builders and raw byte helpers for the attack and conformance tests. */
final class Frames {
    private Frames() {}

    static Frame handshake(Settings settings) {
        return Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(settings))
                .build();
    }

    static Frame open(int id, String... keyValues) {
        Open.Builder b = Open.newBuilder().setStreamId(id);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            b.putMetadata(keyValues[i], keyValues[i + 1]);
        }
        return Frame.newBuilder().setOpen(b).build();
    }

    static Frame credit(int id, long bytes, long messages) {
        return Frame.newBuilder()
                .setCredit(Credit.newBuilder().setStreamId(id).setBytes(bytes).setMessages(messages))
                .build();
    }

    static Frame halfClose(int id) {
        return Frame.newBuilder()
                .setHalfClose(HalfClose.newBuilder().setStreamId(id))
                .build();
    }

    static Frame reset(int id, ErrorCode code) {
        return Frame.newBuilder()
                .setReset(Reset.newBuilder().setStreamId(id).setCode(code))
                .build();
    }

    static Frame ping(long payload) {
        return Frame.newBuilder().setPing(Ping.newBuilder().setPayload(payload)).build();
    }

    static Frame goAway(int lastStreamId, ErrorCode code) {
        return Frame.newBuilder()
                .setGoAway(GoAway.newBuilder()
                        .setLastStreamId(lastStreamId)
                        .setCode(code)
                        .setReason("test"))
                .build();
    }

    static Frame revoke(int id, long keepBytes) {
        return Frame.newBuilder()
                .setRevoke(Revoke.newBuilder().setStreamId(id).setKeepBytes(keepBytes))
                .build();
    }

    static Frame revokeAck(int id, long returnedBytes) {
        return Frame.newBuilder()
                .setRevokeAck(RevokeAck.newBuilder().setStreamId(id).setReturnedBytes(returnedBytes))
                .build();
    }

    static Frame blocked(int id, long neededBytes) {
        return Frame.newBuilder()
                .setBlocked(Blocked.newBuilder().setStreamId(id).setNeededBytes(neededBytes))
                .build();
    }

    /** A data frame exactly as {@code FrameWriter} writes it (the hand-decoded fast path). */
    static ByteBuf data(int streamId, byte[] payload) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(FrameWriter.MAX_DATA_HEADER_BYTES + payload.length);
        FrameWriter.writeDataHeader(buf, streamId, payload.length);
        buf.writeBytes(payload);
        return buf;
    }

    /** One frame on the wire: a length prefix and {@code body} as given (which may be anything). */
    static ByteBuf rawFrame(int... body) {
        ByteBuf buf = Unpooled.buffer();
        writeVarint(buf, body.length);
        for (int b : body) {
            buf.writeByte(b);
        }
        return buf;
    }

    static ByteBuf bytes(int... bytes) {
        ByteBuf buf = Unpooled.buffer(bytes.length);
        for (int b : bytes) {
            buf.writeByte(b);
        }
        return buf;
    }

    static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    static void writeVarint(ByteBuf buf, long value) {
        buf.writeBytes(varint(value));
    }

    /** The frames of one type. */
    static List<Frame> ofType(List<Frame> frames, Frame.BodyCase type) {
        return frames.stream().filter(f -> f.getBodyCase() == type).toList();
    }
}
