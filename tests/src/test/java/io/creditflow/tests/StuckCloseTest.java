package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamListener;
import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Found with item 5: a connection closed by a connection error while the peer has stopped reading used to
 * stay open for good. The close waited for the GoAway to be flushed, which needs the peer to read first,
 * and the timers (write-stall, idle) stop once a connection is closing; only the peer closing its side
 * released the socket and the buffers queued for it. It must now close at the latest after the write-stall
 * timeout.
 */
class StuckCloseTest {

    @Test
    void aConnectionErrorBehindDataThePeerNeverReadsStillClosesTheConnection() throws Exception {
        Duration writeStall = Duration.ofMillis(500);
        try (Server server = Server.builder()
                        .socketSendBufferBytes(8 * 1024)
                        .socketReceiveBufferBytes(8 * 1024)
                        .writeBufferWatermarks(32 * 1024, 64 * 1024)
                        .writeStallTimeout(writeStall)
                        .streamHandler(stream -> {
                            for (int i = 0; i < 64; i++) { // 1 MiB for a peer that will read none of it
                                stream.offer(new byte[16 * 1024]);
                            }
                            return StreamListener.PULL;
                        })
                        .build()
                        .start();
                Socket s = ControlFloodTest.attacker(server.port())) {
            Connection victim = ControlFloodTest.serverSideOf(server, s);
            OutputStream out = s.getOutputStream();
            Frame.newBuilder().setOpen(Open.newBuilder().setStreamId(1)).build().writeDelimitedTo(out);
            Frame.newBuilder()
                    .setCredit(
                            Credit.newBuilder().setStreamId(1).setBytes(1 << 20).setMessages(64))
                    .build()
                    .writeDelimitedTo(out);
            Await.until(
                    "the server's writes to back up",
                    Duration.ofSeconds(5),
                    () -> !victim.stats().writable());
            long t0 = System.nanoTime();
            Frame.newBuilder()
                    .setCredit(Credit.newBuilder().setStreamId(1))
                    .build()
                    .writeDelimitedTo(out); // zero: an error
            CloseStatus status = victim.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            long closedMillis = (System.nanoTime() - t0) / 1_000_000;
            assertThat(status.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(closedMillis).as("closed without the peer reading").isLessThan(writeStall.toMillis() + 1500);
            Await.until(
                    "the connection to be released",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
            System.out.printf(
                    "[stuck close] a connection error behind unread data closed the connection after %d ms "
                            + "(write-stall timeout %d ms)%n",
                    closedMillis, writeStall.toMillis());
        }
    }
}
