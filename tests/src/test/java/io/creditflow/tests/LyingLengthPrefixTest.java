package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.testing.Memory;
import io.creditflow.testing.RawPeer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Item 1 over loopback: a raw peer sends a lying length prefix (2 GiB, max_frame_bytes + 1, a malformed
 * 6-byte varint) and stalls. The server answers with GoAway and closes within 100 ms of the prefix,
 * allocates nothing large, and does not keep reading the body the peer then tries to push.
 */
class LyingLengthPrefixTest {

    static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2 GiB", "max_frame_bytes + 1", "6-byte varint"})
    void aLyingPrefixIsRefusedAndTheConnectionClosedWithin100Ms(String kind) throws Exception {
        try (Server server = Server.builder().build().start();
                RawPeer peer = new RawPeer(server.port())) {
            peer.send(Frame.newBuilder()
                    .setHandshake(Handshake.newBuilder()
                            .setMagic("creditflow")
                            .setProtocolVersion(1)
                            .setSettings(RawPeer.defaultSettings()))
                    .build());
            Frame theirs = peer.read();
            assertThat(theirs.hasHandshake()).isTrue();
            long maxFrame =
                    Integer.toUnsignedLong(theirs.getHandshake().getSettings().getMaxFrameBytes());
            byte[] prefix = switch (kind) {
                case "2 GiB" -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
                case "max_frame_bytes + 1" -> varint(maxFrame + 1);
                default -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
            };
            ErrorCode expected = kind.startsWith("6") ? ErrorCode.PROTOCOL_ERROR : ErrorCode.FRAME_SIZE_ERROR;
            // The server answered our handshake: its connection is registered and its buffers allocated.
            Await.until(
                    "the server to register the connection",
                    Duration.ofSeconds(5),
                    () -> server.connections().size() == 1
                            && server.connections().iterator().next().isActive());
            long directBefore = Memory.nettyDirectBytes();

            long t0 = System.nanoTime();
            peer.sendRaw(prefix); // ...and then nothing: a stall
            Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
            long goAwayNanos = System.nanoTime() - t0;
            boolean eof = peer.closedByPeer();
            long closedNanos = System.nanoTime() - t0;

            assertThat(goAway).isNotNull();
            assertThat(goAway.getGoAway().getCode()).isEqualTo(expected);
            assertThat(eof).as("the server closed the connection").isTrue();
            assertThat(Duration.ofNanos(closedNanos))
                    .as("from the prefix to the close")
                    .isLessThan(Duration.ofMillis(100));
            long directDelta = Memory.nettyDirectBytes() - directBefore;
            assertThat(directDelta).as("direct memory delta").isLessThan(256 * 1024);

            // The body the prefix announced: the server does not read it, so the peer's writes fail long
            // before 64 MiB went out (a reset once the kernel buffers are full, or at once).
            long written = 0;
            byte[] chunk = new byte[64 * 1024];
            try {
                while (written < 64L << 20) {
                    peer.out.write(chunk);
                    written += chunk.length;
                }
            } catch (IOException expectedFailure) {
                // "Connection reset" / "Broken pipe": nobody is reading
            }
            assertThat(written)
                    .as("bytes of the body accepted before the writes failed")
                    .isLessThan(16L << 20);
            Await.until(
                    "the server to drop the connection",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
            System.out.printf(
                    "[lying prefix] %s: GoAway %s after %.2f ms, closed after %.2f ms, direct memory delta "
                            + "%d bytes, body bytes accepted before the writes failed %d%n",
                    kind, expected, goAwayNanos / 1e6, closedNanos / 1e6, directDelta, written);
        }
    }
}
