package io.creditflow.transport.internal;

import com.google.protobuf.ByteString;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.Data;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Settings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The far end of a {@link ConnectionHandler} inside an {@link EmbeddedChannel}: writes frames into the
 * handler and decodes what it wrote. Everything runs on the test thread; time moves only when told.
 */
final class EmbeddedPeer {
    final EmbeddedChannel channel;
    final ConnectionHandler handler;
    final DefaultConnection connection;
    int flushes;
    private ByteBuf pending = Unpooled.buffer();

    EmbeddedPeer(EndpointSettings settings, boolean handlerIsClient) {
        handler = new ConnectionHandler(settings, handlerIsClient);
        connection = handler.connection();
        channel = new EmbeddedChannel();
        channel.freezeTime();
        channel.pipeline().addLast(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        });
        channel.pipeline().addLast(handler);
    }

    static Settings settings() {
        return Settings.newBuilder()
                .setMaxFrameBytes(1 << 20)
                .setMaxMessageBytes(1 << 19)
                .setMaxConcurrentStreams(100)
                .setInitialConnectionWindowBytes(1 << 24)
                .setInitialStreamWindowBytes(1 << 20)
                .setInitialStreamWindowMessages(1024)
                .setMaxMetadataBytes(1024)
                .setMaxMetadataEntries(16)
                .build();
    }

    EmbeddedPeer handshake() {
        send(Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(settings()))
                .build());
        return this;
    }

    void send(Frame frame) {
        channel.writeInbound(FrameWriter.encode(ByteBufAllocator.DEFAULT, frame));
        channel.runPendingTasks();
    }

    void sendData(int streamId, int size) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer();
        FrameWriter.writeDataHeader(buf, streamId, size);
        buf.writeZero(size);
        channel.writeInbound(buf);
        channel.runPendingTasks();
    }

    void sendRaw(ByteBuf bytes) {
        channel.writeInbound(bytes);
        channel.runPendingTasks();
    }

    /** Runs queued tasks and decodes everything the handler has written since the last call. */
    List<Frame> read() {
        channel.runPendingTasks();
        ByteBuf out;
        while ((out = channel.readOutbound()) != null) {
            pending.writeBytes(out);
            out.release();
        }
        List<Frame> frames = new ArrayList<>();
        new FrameReader(1 << 24).decode(pending, new FrameReader.Listener() {
            @Override
            public void onData(int streamId, ByteBuf payload, int frameBytes) {
                frames.add(Frame.newBuilder()
                        .setData(Data.newBuilder()
                                .setStreamId(streamId)
                                .setPayload(ByteString.copyFrom(payload.nioBuffer())))
                        .build());
                payload.release();
            }

            @Override
            public void onControl(Frame frame, int frameBytes) {
                frames.add(frame);
            }
        });
        pending.discardReadBytes();
        return frames;
    }

    /** The frames of one type among {@link #read()}. */
    List<Frame> read(Frame.BodyCase type) {
        List<Frame> of = new ArrayList<>();
        for (Frame f : read()) {
            if (f.getBodyCase() == type) {
                of.add(f);
            }
        }
        return of;
    }

    void close() {
        channel.finishAndReleaseAll();
        pending.release();
    }
}
