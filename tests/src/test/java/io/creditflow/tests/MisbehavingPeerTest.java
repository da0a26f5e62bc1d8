package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A peer that breaks the flow-control rules is cut off with the right code; its buffers are released. */
class MisbehavingPeerTest {
    @Test
    void aPeerSendingBeyondItsCreditIsDisconnectedWithFlowControlError() throws Exception {
        CopyOnWriteArrayList<Stream> streams = new CopyOnWriteArrayList<>();
        try (Server server = Server.builder()
                        .streamWindowBytes(64 * 1024)
                        .streamHandler(s -> {
                            streams.add(s);
                            return StreamListener.PULL; // never polls: no credit comes back
                        })
                        .build()
                        .start();
                RawPeer peer = new RawPeer(server.port()).handshake()) {
            peer.send(Frame.newBuilder()
                    .setOpen(Open.newBuilder().setStreamId(1).putMetadata("topic", "t"))
                    .build());
            Frame credit = peer.readUntil(Frame.BodyCase.CREDIT);
            assertThat(credit.getCredit().getBytes()).isEqualTo(64 * 1024);
            byte[] chunk = new byte[16 * 1024];
            for (int i = 0; i < 4; i++) {
                peer.sendData(1, chunk); // exactly the window: fine
            }
            peer.sendData(1, new byte[1]); // one byte beyond
            Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
            assertThat(goAway).isNotNull();
            assertThat(goAway.getGoAway().getCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
            assertThat(goAway.getGoAway().getReason()).contains("beyond credit");
            assertThat(peer.closedByPeer()).isTrue();
            Await.until(
                    "the server to release the connection",
                    java.time.Duration.ofSeconds(5),
                    () -> server.connections().isEmpty()
                            && server.memoryBudget().reservedBytes() == 0);
            assertThat(streams).hasSize(1);
            assertThat(streams.get(0).closeFuture().toCompletableFuture().get().code())
                    .isEqualTo(io.creditflow.transport.ErrorCode.FLOW_CONTROL_ERROR);
            assertThat(server.memoryBudget().streams()).isZero();
        }
    }

    @Test
    void aWrongCredentialIsRefusedBeforeAnyStreamAndARightOneNamesThePrincipal() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> seen = new java.util.concurrent.atomic.AtomicReference<>();
        try (Server server = Server.builder()
                .authenticator((credential, remote) ->
                        new String(credential, java.nio.charset.StandardCharsets.UTF_8).equals("token-alice")
                                ? "alice"
                                : null)
                .streamHandler(s -> {
                    seen.set(s.connection().principal());
                    return StreamListener.PULL;
                })
                .build()
                .start()) {
            try (io.creditflow.client.Client bad = io.creditflow.client.Client.builder()
                    .credential("wrong".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .build()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> bad.connect("127.0.0.1", server.port()))
                        .isInstanceOf(java.io.IOException.class)
                        .hasMessageContaining("AUTHENTICATION_FAILED");
            }
            try (io.creditflow.client.Client good = io.creditflow.client.Client.builder()
                    .credential("token-alice".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    .build()) {
                good.connect("127.0.0.1", server.port())
                        .openStream(StreamOptions.defaults())
                        .send(new byte[1], 5, java.util.concurrent.TimeUnit.SECONDS);
                Await.until(
                        "the stream to reach the server", java.time.Duration.ofSeconds(5), () -> seen.get() != null);
                assertThat(seen.get()).isEqualTo("alice");
            }
        }
    }

    @Test
    void connectWithRetryGivesUpOnARefusedCredentialInsteadOfRetryingForever() throws Exception {
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (Server server = Server.builder()
                        .authenticator((credential, remote) -> {
                            attempts.incrementAndGet();
                            return null; // nobody gets in
                        })
                        .streamHandler(s -> StreamListener.PULL)
                        .build()
                        .start();
                io.creditflow.client.Client client = io.creditflow.client.Client.builder()
                        .credential("wrong".getBytes(java.nio.charset.StandardCharsets.UTF_8))
                        .build()) {
            java.util.concurrent.LinkedBlockingQueue<io.creditflow.transport.CloseStatus> losses =
                    new java.util.concurrent.LinkedBlockingQueue<>();
            io.creditflow.client.ReconnectingConnection rc = client.connectWithRetry(
                    "127.0.0.1",
                    server.port(),
                    new io.creditflow.client.Backoff(java.time.Duration.ofMillis(1), java.time.Duration.ofMillis(1)),
                    c -> {},
                    losses::add);
            io.creditflow.transport.CloseStatus status = losses.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(status).as("the refusal is reported").isNotNull();
            assertThat(status.code()).isEqualTo(io.creditflow.transport.ErrorCode.AUTHENTICATION_FAILED);
            assertThat(rc.failure()).isEqualTo(status);
            assertThat(attempts.get())
                    .as("gave up at the first refusal, although the backoff is 1 ms")
                    .isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> rc.awaitConnected(5, java.util.concurrent.TimeUnit.SECONDS))
                    .isInstanceOf(IllegalStateException.class)
                    .hasRootCauseInstanceOf(io.creditflow.transport.StreamClosedException.class)
                    .hasMessageContaining("AUTHENTICATION_FAILED");
            assertThat(rc.current()).isNull();
            rc.close();
        }
    }

    @Test
    void framesBeforeTheHandshakeAndWrongVersionsAreConnectionErrors() throws Exception {
        try (Server server = Server.builder().build().start()) {
            try (RawPeer peer = new RawPeer(server.port())) {
                peer.send(Frame.newBuilder()
                        .setOpen(Open.newBuilder().setStreamId(1))
                        .build());
                Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
                assertThat(goAway.getGoAway().getCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR);
                assertThat(peer.closedByPeer()).isTrue();
            }
            try (RawPeer peer = new RawPeer(server.port())) {
                peer.send(Frame.newBuilder()
                        .setHandshake(io.creditflow.proto.wire.Handshake.newBuilder()
                                .setMagic("creditflow")
                                .setProtocolVersion(99)
                                .setSettings(RawPeer.defaultSettings()))
                        .build());
                Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
                assertThat(goAway.getGoAway().getCode()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
                assertThat(goAway.getGoAway().getReason()).contains("99");
            }
            try (RawPeer peer = new RawPeer(server.port()).handshake()) {
                // A 2 GiB length prefix: refused from the prefix alone, nothing of the body read.
                peer.sendRaw(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
                Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
                assertThat(goAway.getGoAway().getCode()).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
                assertThat(peer.closedByPeer()).isTrue();
            }
        }
    }
}
