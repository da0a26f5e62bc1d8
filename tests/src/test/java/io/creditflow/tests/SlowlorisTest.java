package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.testing.Memory;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Connection;
import io.creditflow.transport.StreamOptions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Item 14: 200 slowloris sockets, half dribbling a handshake one byte at a time, half completing the
 * handshake and then stalling in the middle of a frame (dribbling its body). Each is closed at its timeout
 * (handshake timeout, partial-frame timeout) with the matching code; a legitimate client completes its
 * handshake promptly during the attack; file descriptors return to where they were.
 */
class SlowlorisTest {
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofMillis(400);
    static final Duration PARTIAL_FRAME_TIMEOUT = Duration.ofMillis(400);
    static final int PER_KIND = 100;

    /** One attacking socket. */
    static final class Loris {
        final SocketChannel ch;
        final boolean handshakes;
        final byte[] script;
        int sent;
        long closedNanos = -1;
        final long startNanos;
        final ByteArrayOutputStream received = new ByteArrayOutputStream();

        Loris(SocketChannel ch, boolean handshakes, byte[] script, long startNanos) {
            this.ch = ch;
            this.handshakes = handshakes;
            this.script = script;
            this.startNanos = startNanos;
        }

        ErrorCode goAwayCode() throws IOException {
            ByteArrayInputStream in = new ByteArrayInputStream(received.toByteArray());
            Frame f;
            while ((f = Frame.parseDelimitedFrom(in)) != null) {
                if (f.hasGoAway()) {
                    return f.getGoAway().getCode();
                }
            }
            return null;
        }
    }

    static byte[] handshake() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic("creditflow")
                        .setProtocolVersion(1)
                        .setSettings(RawPeer.defaultSettings()))
                .build()
                .writeDelimitedTo(out);
        return out.toByteArray();
    }

    @Test
    void slowSocketsAreClosedAtTheirTimeoutsWhileALegitimateClientConnectsPromptly() throws Exception {
        int fdsBefore;
        long directBefore;
        try (Server server = Server.builder()
                .handshakeTimeout(HANDSHAKE_TIMEOUT)
                .partialFrameTimeout(PARTIAL_FRAME_TIMEOUT)
                .idleTimeout(Duration.ofSeconds(60))
                .streamHandler(Steady.serverHandler(null))
                .build()
                .start()) {
            try (Client warm = Client.builder().build()) {
                warm.connect("127.0.0.1", server.port()).close(); // load classes before counting
            }
            Await.until(
                    "the warm-up connection to go",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
            fdsBefore = Fds.open();
            directBefore = Memory.nettyDirectBytes();
            byte[] handshake = handshake();
            // A frame that announces 1000 bytes, its first 10 bytes, then the rest at one byte a step.
            byte[] midFrame = new byte[handshake.length + 2 + 1000];
            System.arraycopy(handshake, 0, midFrame, 0, handshake.length);
            midFrame[handshake.length] = (byte) 0xE8; // varint 1000
            midFrame[handshake.length + 1] = 0x07;

            List<Loris> lorises = new ArrayList<>();
            try (Selector selector = Selector.open()) {
                for (int i = 0; i < 2 * PER_KIND; i++) {
                    SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", server.port()));
                    ch.configureBlocking(false);
                    boolean handshakes = i % 2 == 1;
                    Loris l = new Loris(ch, handshakes, handshakes ? midFrame : handshake, System.nanoTime());
                    if (handshakes) {
                        l.sent = handshake.length + 2 + 10; // all at once: the handshake and the frame's start
                        ch.write(ByteBuffer.wrap(midFrame, 0, l.sent));
                    }
                    ch.register(selector, SelectionKey.OP_READ, l);
                    lorises.add(l);
                }
                long attackStart = System.nanoTime();

                // During the attack: a legitimate client's handshake completes promptly and it can send.
                long c0 = System.nanoTime();
                Duration connectTime;
                try (Client legit = Client.builder().build()) {
                    Connection c = legit.connect("127.0.0.1", server.port());
                    connectTime = Duration.ofNanos(System.nanoTime() - c0);
                    long delivered = Steady.DELIVERED.get();
                    c.openStream(StreamOptions.builder().metadata("steady", "1").build())
                            .send(new byte[10], 5, TimeUnit.SECONDS);
                    Steady.awaitDelivered(delivered, 1, Duration.ofSeconds(5));
                }
                assertThat(connectTime)
                        .as("legitimate handshake during the attack")
                        .isLessThan(Duration.ofSeconds(1));

                // Dribble one byte per socket every 50 ms until the server has closed every one of them.
                int open = lorises.size();
                ByteBuffer readBuf = ByteBuffer.allocate(4096);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                long nextDribble = 0;
                while (open > 0 && System.nanoTime() < deadline) {
                    if (System.nanoTime() >= nextDribble) {
                        for (Loris l : lorises) {
                            if (l.closedNanos < 0 && l.sent < l.script.length) {
                                try {
                                    l.sent += l.ch.write(ByteBuffer.wrap(l.script, l.sent, 1));
                                } catch (IOException reset) {
                                    // closed under us: the read below sees it
                                }
                            }
                        }
                        nextDribble = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
                    }
                    selector.select(10);
                    for (SelectionKey k : selector.selectedKeys()) {
                        Loris l = (Loris) k.attachment();
                        int n;
                        try {
                            readBuf.clear();
                            n = l.ch.read(readBuf);
                        } catch (IOException reset) {
                            n = -1;
                        }
                        if (n > 0) {
                            l.received.write(readBuf.array(), 0, n);
                        } else if (n < 0) {
                            l.closedNanos = System.nanoTime();
                            k.cancel();
                            l.ch.close();
                            open--;
                        }
                    }
                    selector.selectedKeys().clear();
                }
                assertThat(open)
                        .as("sockets the server has not closed after 10 s")
                        .isZero();
                long maxHandshakeClose = 0;
                long maxPartialClose = 0;
                long minClose = Long.MAX_VALUE;
                for (Loris l : lorises) {
                    long after = l.closedNanos - l.startNanos;
                    minClose = Math.min(minClose, after);
                    if (l.handshakes) {
                        maxPartialClose = Math.max(maxPartialClose, after);
                        assertThat(l.goAwayCode()).as("mid-frame staller").isEqualTo(ErrorCode.PROTOCOL_ERROR);
                    } else {
                        maxHandshakeClose = Math.max(maxHandshakeClose, after);
                        assertThat(l.goAwayCode()).as("handshake dribbler").isEqualTo(ErrorCode.HANDSHAKE_TIMEOUT);
                    }
                }
                // At their timeouts: not before, and within the timeout plus a tick and scheduling slack.
                assertThat(Duration.ofNanos(minClose)).isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.minusMillis(5));
                assertThat(Duration.ofNanos(maxHandshakeClose)).isLessThan(HANDSHAKE_TIMEOUT.plusMillis(1500));
                assertThat(Duration.ofNanos(maxPartialClose)).isLessThan(PARTIAL_FRAME_TIMEOUT.plusMillis(1500));
                Await.until(
                        "the server to release every connection",
                        Duration.ofSeconds(5),
                        () -> server.connections().isEmpty());
                System.out.printf(
                        "[slowloris] %d sockets: handshake dribblers closed after <= %d ms, mid-frame "
                                + "stallers after <= %d ms (timeouts %d ms); legitimate handshake took %d ms; all "
                                + "closed %d ms after the attack started%n",
                        lorises.size(),
                        maxHandshakeClose / 1_000_000,
                        maxPartialClose / 1_000_000,
                        HANDSHAKE_TIMEOUT.toMillis(),
                        connectTime.toMillis(),
                        (System.nanoTime() - attackStart) / 1_000_000);
            }
            // The selector and every attacking socket are closed; the server is still running.
            int fdsAfter = Fds.open();
            assertThat(fdsAfter)
                    .as("file descriptors back to the baseline (%d)", fdsBefore)
                    .isLessThanOrEqualTo(fdsBefore + 2);
            assertThat(Memory.nettyDirectBytes() - directBefore).isLessThan(4L << 20);
            System.out.printf(
                    "[slowloris] file descriptors with the server running: %d before the attack, %d after%n",
                    fdsBefore, fdsAfter);
        }
    }
}
