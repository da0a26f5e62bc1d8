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
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Item 15: a connection flood beyond the server's caps. Connections past the per-address cap (from
 * 127.0.0.2) and past the global cap (from 127.0.0.3-5) are refused at accept, counted by
 * {@link Server#refusedConnections()}; the admitted ones that only handshake are closed by the idle timeout;
 * memory stays flat, and a well-behaved client (127.0.0.1, connected before) keeps delivering.
 */
class ConnectionFloodTest {
    static final int MAX_CONNECTIONS = 60;
    static final int PER_ADDRESS = 20;
    static final Duration IDLE = Duration.ofMillis(1500);

    /** One flooding socket from {@code localAddress}: connects, sends a handshake, never anything else. */
    static Socket flood(String localAddress, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(localAddress, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(5000);
        try {
            Frame.newBuilder()
                    .setHandshake(Handshake.newBuilder()
                            .setMagic("creditflow")
                            .setProtocolVersion(1)
                            .setSettings(RawPeer.defaultSettings()))
                    .build()
                    .writeDelimitedTo(s.getOutputStream());
        } catch (IOException refusedAlready) {
            // the server may have closed it already
        }
        return s;
    }

    /** What one flooding socket saw: the server's handshake then the reason it was closed, or nothing. */
    record Fate(boolean admitted, ErrorCode closedWith) {}

    static Fate fate(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        boolean admitted = false;
        ErrorCode closedWith = null;
        try {
            Frame f;
            while ((f = Frame.parseDelimitedFrom(in)) != null) {
                if (f.hasHandshake()) {
                    admitted = true;
                } else if (f.hasGoAway()) {
                    closedWith = f.getGoAway().getCode();
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("a flooding socket was neither refused nor timed out within 5 s", e);
        } catch (IOException reset) {
            // refused at accept: a reset instead of an orderly close
        }
        return new Fate(admitted, closedWith);
    }

    @Test
    void connectionsBeyondTheCapsAreRefusedAtAcceptAndIdleOnesTimeOut() throws Exception {
        try (Server server = Server.builder()
                        .maxConnections(MAX_CONNECTIONS)
                        .maxConnectionsPerAddress(PER_ADDRESS)
                        .handshakeTimeout(Duration.ofSeconds(5))
                        .partialFrameTimeout(Duration.ofSeconds(5))
                        .idleTimeout(IDLE)
                        .streamHandler(Steady.serverHandler(null))
                        .build()
                        .start();
                Steady steady = new Steady("127.0.0.1", server.port())) {
            long before = Steady.awaitDelivered(Steady.DELIVERED.get(), 20, Duration.ofSeconds(10));
            long heapBefore = Memory.heapAfterGcBytes();
            long directBefore = Memory.nettyDirectBytes();
            long refusedBefore = server.refusedConnections();
            List<Socket> sockets = new ArrayList<>();
            try {
                // Phase 1: one address, 100 connections, cap 20 per address.
                long t0 = System.nanoTime();
                for (int i = 0; i < 100; i++) {
                    sockets.add(flood("127.0.0.2", server.port()));
                }
                Await.until(
                        "the per-address refusals",
                        Duration.ofSeconds(5),
                        () -> server.refusedConnections() - refusedBefore >= 80);
                assertThat(server.connections())
                        .as("the steady client and 20 flooders")
                        .hasSize(1 + PER_ADDRESS);
                // Phase 2: three more addresses, 20 each (within the per-address cap): the global cap of 60
                // admits 60 - 21 = 39 of them.
                for (String a : List.of("127.0.0.3", "127.0.0.4", "127.0.0.5")) {
                    for (int i = 0; i < PER_ADDRESS; i++) {
                        sockets.add(flood(a, server.port()));
                    }
                }
                Await.until(
                        "the global-cap refusals",
                        Duration.ofSeconds(5),
                        () -> server.refusedConnections() - refusedBefore >= 80 + 21);
                long floodMillis = (System.nanoTime() - t0) / 1_000_000;
                assertThat(floodMillis)
                        .as("the flood is over before the first idle timeout")
                        .isLessThan(IDLE.toMillis());
                assertThat(server.connections()).hasSize(MAX_CONNECTIONS);
                long duringFrom = Steady.DELIVERED.get();
                Steady.awaitDelivered(duringFrom, 20, Duration.ofSeconds(5)); // others unaffected, at the cap
                long deliveredAtTheCap = Steady.DELIVERED.get() - before;

                int admitted = 0;
                int refused = 0;
                for (Socket s : sockets) {
                    Fate f = fate(s);
                    if (f.admitted()) {
                        admitted++;
                        assertThat(f.closedWith())
                                .as("an admitted flooder is closed idle")
                                .isEqualTo(ErrorCode.IDLE_TIMEOUT);
                    } else {
                        refused++;
                        assertThat(f.closedWith())
                                .as("refused at accept: no GoAway, no handshake")
                                .isNull();
                    }
                }
                assertThat(admitted).isEqualTo(PER_ADDRESS + (MAX_CONNECTIONS - 1 - PER_ADDRESS));
                assertThat(refused).isEqualTo(80 + 21);
                assertThat(server.refusedConnections() - refusedBefore).isEqualTo(refused);
                Await.until(
                        "only the steady client left",
                        Duration.ofSeconds(5),
                        () -> server.connections().size() == 1);
                Steady.awaitDelivered(Steady.DELIVERED.get(), 20, Duration.ofSeconds(5));
                assertThat(steady.connection.isActive()).isTrue();
                // The caps are given back: a new client from a refused address connects again.
                try (Client again = Client.builder().build()) {
                    assertThat(again.connect("127.0.0.1", server.port()).isActive())
                            .isTrue();
                }
                long heapGrowth = Memory.heapAfterGcBytes() - heapBefore;
                long directGrowth = Memory.nettyDirectBytes() - directBefore;
                assertThat(directGrowth).as("direct memory").isLessThan(8L << 20);
                assertThat(heapGrowth).as("heap").isLessThan(64L << 20);
                System.out.printf(
                        "[connection flood] %d sockets in %d ms: %d admitted (closed idle after %d ms), %d "
                                + "refused at accept; the steady client delivered %d messages between the flood's start "
                                + "and the server at its cap, and kept going; heap growth %d KiB, direct growth %d KiB%n",
                        sockets.size(),
                        floodMillis,
                        admitted,
                        IDLE.toMillis(),
                        refused,
                        deliveredAtTheCap,
                        heapGrowth / 1024,
                        directGrowth / 1024);
            } finally {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }
}
