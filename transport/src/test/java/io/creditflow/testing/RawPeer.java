package io.creditflow.testing;

import com.google.protobuf.ByteString;
import io.creditflow.proto.wire.Data;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * A hand-driven protocol peer over a blocking socket, for tests of misbehaviour: it writes whatever
 * frames it is told to, credit or not, and reads the frames the other side sends.
 */
public final class RawPeer implements AutoCloseable {
    public final Socket socket;
    public final InputStream in;
    public final OutputStream out;

    public RawPeer(int port) throws IOException {
        this(port, 0);
    }

    /**
     * @param receiveBufferBytes SO_RCVBUF set before connecting (so the kernel does not autotune it
     *        upwards), or 0 for the default
     */
    public RawPeer(int port, int receiveBufferBytes) throws IOException {
        socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    public static Settings defaultSettings() {
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

    public RawPeer handshake() throws IOException {
        send(Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(defaultSettings()))
                .build());
        Frame theirs = read();
        if (theirs == null || !theirs.hasHandshake()) {
            throw new IOException("expected a handshake, got " + theirs);
        }
        return this;
    }

    public void send(Frame frame) throws IOException {
        frame.writeDelimitedTo(out);
        out.flush();
    }

    public void sendData(int streamId, byte[] payload) throws IOException {
        send(Frame.newBuilder()
                .setData(Data.newBuilder().setStreamId(streamId).setPayload(ByteString.copyFrom(payload)))
                .build());
    }

    public void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** The next frame, or null at end of stream. */
    public Frame read() throws IOException {
        return Frame.parseDelimitedFrom(in);
    }

    /** Reads until a frame of {@code type} arrives (bounded), returning it; null if the socket closed first. */
    public Frame readUntil(Frame.BodyCase type) throws IOException {
        for (int i = 0; i < 10_000; i++) {
            Frame f = read();
            if (f == null || f.getBodyCase() == type) {
                return f;
            }
        }
        throw new AssertionError("no " + type + " within 10000 frames");
    }

    /** Reads until a Credit frame for {@code streamId} arrives (bounded), returning it; null if the socket closed first. */
    public Frame readCredit(int streamId) throws IOException {
        for (int i = 0; i < 10_000; i++) {
            Frame f = readUntil(Frame.BodyCase.CREDIT);
            if (f == null || f.getCredit().getStreamId() == streamId) {
                return f;
            }
        }
        throw new AssertionError("no Credit for stream " + streamId + " within 10000 Credit frames");
    }

    /** True if the other side closed the connection (EOF) within the socket timeout. */
    public boolean closedByPeer() throws IOException {
        byte[] buf = new byte[8192];
        try {
            for (long total = 0; total < (64L << 20); ) { // drains what was in flight, bounded
                int n = in.read(buf);
                if (n < 0) {
                    return true;
                }
                total += n;
            }
            return false;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
