package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.testing.Memory;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Item 5: floods of frames that each make the server answer (Ping -> Pong, Revoke on a closed stream ->
 * RevokeAck, Open past the stream limit -> Reset, Open+Reset -> Credit) from a raw peer that never reads
 * its socket (small SO_RCVBUF). Once the replies queued for it pass {@code maxQueuedControlFrames}, the
 * server closes it with ENHANCE_YOUR_CALM; its memory stays bounded meanwhile, and a well-behaved client on
 * another connection keeps delivering. A peer that floods the same way but reads its socket is not cut off.
 */
class ControlFloodTest {
    static final int MAX_QUEUED_CONTROL = 32;
    static final int WRITE_HIGH = 64 * 1024;
    /** Frames per write: few enough that one read's replies stay below the write high watermark. */
    static final int BATCH = 20;

    static Server server() throws InterruptedException {
        return Server.builder()
                .maxQueuedControlFrames(MAX_QUEUED_CONTROL)
                .socketSendBufferBytes(8 * 1024)
                .socketReceiveBufferBytes(8 * 1024)
                .writeBufferWatermarks(WRITE_HIGH / 2, WRITE_HIGH)
                .minPingInterval(Duration.ofNanos(1))
                .maxPingStrikes(Integer.MAX_VALUE)
                .maxResetsReceived(1_000_000)
                .maxResetsSent(1_000_000)
                .maxConcurrentStreams(4)
                .streamHandler(Steady.serverHandler(null))
                .build()
                .start();
    }

    static byte[] frames(int count, IntFunction<Frame> frame) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            for (int i = 0; i < count; i++) {
                frame.apply(i).writeDelimitedTo(out);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return out.toByteArray();
    }

    /** A raw peer that will never read after the handshake: a 4 KiB receive buffer, set before connecting. */
    static Socket attacker(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(5000);
        Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(RawPeer.defaultSettings()))
                .build()
                .writeDelimitedTo(s.getOutputStream());
        Frame theirs = Frame.parseDelimitedFrom(s.getInputStream());
        assertThat(theirs.hasHandshake()).isTrue();
        return s;
    }

    static Connection serverSideOf(Server server, Socket s) throws InterruptedException {
        Connection[] found = new Connection[1];
        Await.until("the server side of the attacker's connection", Duration.ofSeconds(5), () -> {
            for (Connection c : server.connections()) {
                if (c.remoteAddress() instanceof InetSocketAddress a && a.getPort() == s.getLocalPort()) {
                    found[0] = c;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ping", "revoke", "refused-open", "open-reset"})
    void aFloodFromAPeerThatDoesNotReadIsCutOffWithEnhanceYourCalm(String kind) throws Exception {
        try (Server server = server();
                Steady steady = new Steady("127.0.0.1", server.port());
                Socket s = attacker(server.port())) {
            Connection victim = serverSideOf(server, s);
            long before = Steady.awaitDelivered(Steady.DELIVERED.get(), 20, Duration.ofSeconds(10));
            OutputStream out = s.getOutputStream();
            int firstFlood = 1;
            if (kind.equals("revoke")) {
                out.write(frames(
                        1,
                        i -> Frame.newBuilder()
                                .setOpen(Open.newBuilder().setStreamId(1))
                                .build()));
                out.write(frames(
                        1,
                        i -> Frame.newBuilder()
                                .setReset(Reset.newBuilder().setStreamId(1).setCode(ErrorCode.CANCEL))
                                .build()));
            } else if (kind.equals("refused-open")) {
                out.write(frames(
                        4,
                        i -> Frame.newBuilder()
                                .setOpen(Open.newBuilder().setStreamId(1 + 2 * i))
                                .build()));
                firstFlood = 9;
            }
            int[] nextId = {firstFlood};
            long directBefore = Memory.nettyDirectBytes();
            long directPeak = directBefore;
            long pendingPeak = 0;
            long sentFrames = 0;
            long t0 = System.nanoTime();
            boolean writeFailed = false;
            while (!victim.closeFuture().toCompletableFuture().isDone() && System.nanoTime() - t0 < 10_000_000_000L) {
                // Small batches, paced: each is read and answered on its own, so the replies pile up in the
                // kernel buffers first (the peer really does not read), and only then in the server's memory.
                byte[] batch = switch (kind) {
                    case "ping" ->
                        frames(
                                BATCH,
                                i -> Frame.newBuilder()
                                        .setPing(Ping.newBuilder().setPayload(i))
                                        .build());
                    case "revoke" ->
                        frames(
                                BATCH,
                                i -> Frame.newBuilder()
                                        .setRevoke(Revoke.newBuilder().setStreamId(1))
                                        .build());
                    case "refused-open" ->
                        frames(
                                BATCH,
                                i -> Frame.newBuilder()
                                        .setOpen(Open.newBuilder().setStreamId(nextId[0] += 2))
                                        .build());
                    default ->
                        frames(
                                BATCH,
                                i -> i % 2 == 0
                                        ? Frame.newBuilder()
                                                .setOpen(Open.newBuilder().setStreamId(nextId[0] += 2))
                                                .build()
                                        : Frame.newBuilder()
                                                .setReset(Reset.newBuilder()
                                                        .setStreamId(nextId[0])
                                                        .setCode(ErrorCode.CANCEL))
                                                .build());
                };
                try {
                    out.write(batch);
                } catch (IOException e) {
                    writeFailed = true; // the server closed the connection under us
                    break;
                }
                sentFrames += BATCH;
                Thread.sleep(1);
                directPeak = Math.max(directPeak, Memory.nettyDirectBytes());
                if (victim.isActive()) {
                    pendingPeak = Math.max(pendingPeak, victim.stats().outboundPendingBytes());
                }
            }
            CloseStatus status = victim.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(status.code()).as("closed with").isEqualTo(io.creditflow.transport.ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(status.reason()).contains("does not read");
            // Bounded: the channel's outbound buffer never holds more than the write high watermark plus the
            // replies allowed to queue past it (each under 96 bytes, plus Netty's 96 bytes of accounting per
            // entry), and direct memory grows by a small constant.
            assertThat(pendingPeak)
                    .as("outbound pending bytes")
                    .isLessThanOrEqualTo(WRITE_HIGH + 192L * (MAX_QUEUED_CONTROL + 1));
            assertThat(directPeak - directBefore).as("direct memory growth").isLessThan(4L << 20);
            // Others unaffected: the steady client kept delivering during the attack, and still does.
            long during = Steady.DELIVERED.get() - before;
            Steady.awaitDelivered(Steady.DELIVERED.get(), 20, Duration.ofSeconds(10));
            assertThat(steady.connection.isActive()).isTrue();
            Await.until(
                    "the attacker's connection to be released",
                    Duration.ofSeconds(5),
                    () -> server.connections().size() == 1);
            System.out.printf(
                    "[control flood] %s: %d frames sent in %d ms, closed %s; outbound pending peak %d "
                            + "bytes; direct memory growth %d bytes; steady client delivered %d during the attack%s%n",
                    kind,
                    sentFrames,
                    tookMillis,
                    status.code(),
                    pendingPeak,
                    directPeak - directBefore,
                    during,
                    writeFailed ? "; the attacker's writes then failed" : "");
        }
    }

    @Test
    void aRepeatedHandshakeFloodEndsAtTheSecondHandshake() throws Exception {
        try (Server server = server();
                Socket s = attacker(server.port())) {
            Connection victim = serverSideOf(server, s);
            byte[] flood = frames(
                    1000,
                    i -> Frame.newBuilder()
                            .setHandshake(Handshake.newBuilder()
                                    .setMagic("creditflow")
                                    .setProtocolVersion(1)
                                    .setSettings(RawPeer.defaultSettings()))
                            .build());
            try {
                s.getOutputStream().write(flood);
            } catch (IOException closedUnderUs) {
                // fine: the first repeat already closed the connection
            }
            CloseStatus status = victim.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(io.creditflow.transport.ErrorCode.PROTOCOL_ERROR);
            assertThat(status.reason()).contains("second Handshake");
        }
    }

    @Test
    void theSameFloodFromAPeerThatReadsItsSocketIsNotCutOff() throws Exception {
        try (Server server = server();
                Socket s = attacker(server.port())) {
            Connection c = serverSideOf(server, s);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(frames(
                    1,
                    i -> Frame.newBuilder()
                            .setOpen(Open.newBuilder().setStreamId(1))
                            .build()));
            out.write(frames(
                    1,
                    i -> Frame.newBuilder()
                            .setReset(Reset.newBuilder().setStreamId(1).setCode(ErrorCode.CANCEL))
                            .build()));
            byte[] batch = frames(
                    BATCH,
                    i -> Frame.newBuilder()
                            .setRevoke(Revoke.newBuilder().setStreamId(1))
                            .build());
            int acks = 0;
            for (int round = 0; round < 10_000 / BATCH; round++) {
                out.write(batch);
                for (int i = 0; i < BATCH; i++) {
                    Frame f = Frame.parseDelimitedFrom(in);
                    assertThat(f).isNotNull();
                    if (f.hasRevokeAck()) {
                        acks++;
                    } else {
                        i--; // the initial Credit of stream 1, say
                    }
                }
            }
            assertThat(acks).isEqualTo(10_000);
            assertThat(c.isActive())
                    .as("a peer that reads its answers is not cut off")
                    .isTrue();
        }
    }
}
