package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.TestPki;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.TlsOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS under the protocol: messages and credit flow as on plain TCP, mutual TLS admits only clients with a
 * trusted certificate, every TLS failure reaches {@code connect} as an IOException naming TLS and reaches
 * no stream handler on the server, and the handshake timeout covers the TLS handshake.
 */
@ExtendWith(LeakCheck.class)
class TlsTest {
    static final int WINDOW = 64 * 1024;
    static final int MESSAGE = 1024;

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void certificates() throws Exception {
        pki = TestPki.generate(dir);
    }

    static TlsOptions serverTls() {
        return TlsOptions.builder()
                .keyAndCertificateChain(pki.server().keyPem(), pki.server().chainPem())
                .build();
    }

    static TlsOptions clientTrustingOurCa() {
        return TlsOptions.builder().trustedCertificates(pki.ca().certificate()).build();
    }

    @Test
    void messagesFlowOverTlsAndAStalledReaderStillHoldsTheSenderBack() throws Exception {
        try (Loopback lb = Loopback.pull(
                s -> s.tls(serverTls())
                        .streamWindowBytes(WINDOW)
                        .adaptiveWindows(false)
                        .connectionWindowBytes(4 * WINDOW)
                        .maxMessageBytes(WINDOW)
                        .authenticator((credential, remote) ->
                                new String(credential, StandardCharsets.UTF_8).equals("token-alice") ? "alice" : null),
                c -> c.tls(clientTrustingOurCa()).credential("token-alice".getBytes(StandardCharsets.UTF_8)))) {
            Stream sender = lb.connection.openStream(StreamOptions.builder()
                    .metadata("topic", "tls")
                    .sendQueueBytes(16 * 1024)
                    .build());
            Stream receiver = lb.nextAccepted();
            assertThat(receiver.connection().principal()).isEqualTo("alice"); // the credential travelled inside TLS

            // Round trip: more than a window's worth, so credit must come back over TLS too.
            int roundTrip = 4 * WINDOW / MESSAGE;
            Thread producer = new Thread(() -> {
                try {
                    for (int i = 0; i < roundTrip; i++) {
                        sender.send(payload(i), 10, TimeUnit.SECONDS);
                    }
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            producer.start();
            for (int i = 0; i < roundTrip; i++) {
                try (Message m = receiver.poll(10, TimeUnit.SECONDS)) {
                    assertThat(m).as("message %d", i).isNotNull();
                    assertThat(m.size()).isEqualTo(MESSAGE);
                    assertThat(m.payload().getLong()).isEqualTo(i);
                }
            }
            producer.join(10_000);
            assertThat(producer.isAlive()).isFalse();

            // The reader stalls: the sender fills the window and its queue, then offer says QUEUE_FULL.
            long sent = roundTrip;
            OfferResult last = OfferResult.ACCEPTED;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            for (int i = 0; i < 10_000 && System.nanoTime() < deadline; i++) {
                last = sender.offer(payload(sent));
                if (last == OfferResult.ACCEPTED) {
                    sent++;
                } else if (receiver.stats().receiveBufferedBytes() > WINDOW - MESSAGE) {
                    break; // window full at the receiver, queue full at the sender
                } else {
                    // The queue drains into the window as the event loop writes: until there is room again, or
                    // the window is full.
                    Await.until(
                            "room in the send queue, or the receiver's window full",
                            Duration.ofSeconds(5),
                            () -> sender.isReady() || receiver.stats().receiveBufferedBytes() > WINDOW - MESSAGE);
                }
            }
            assertThat(last).isEqualTo(OfferResult.QUEUE_FULL);
            assertThat(sender.offer(payload(sent))).isEqualTo(OfferResult.QUEUE_FULL);
            assertThat(receiver.stats().receiveBufferedBytes()).isLessThanOrEqualTo(WINDOW);

            // The reader resumes: everything accepted arrives, in order.
            for (long i = roundTrip; i < sent; i++) {
                try (Message m = receiver.poll(10, TimeUnit.SECONDS)) {
                    assertThat(m).as("message %d", i).isNotNull();
                    assertThat(m.payload().getLong()).isEqualTo(i);
                }
            }
            sender.halfClose();
        }
    }

    @Test
    void mutualTlsAdmitsAClientWithATrustedCertificateAndRefusesOneWithout() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();
        TlsOptions mtls = TlsOptions.builder()
                .keyAndCertificateChain(pki.server().key(), pki.server().chain())
                .trustedCertificates(pki.ca().certificate())
                .requireClientAuth(true)
                .build();
        try (Server server = Server.builder()
                .tls(mtls)
                .streamHandler(s -> {
                    handled.incrementAndGet();
                    accepted.add(s);
                    return StreamListener.PULL;
                })
                .build()
                .start()) {
            try (Client withCert = Client.builder()
                    .tls(TlsOptions.builder()
                            .trustedCertificates(pki.ca().certificate())
                            .keyAndCertificateChain(
                                    pki.client().keyPem(), pki.client().chainPem())
                            .build())
                    .build()) {
                Connection c = withCert.connect("127.0.0.1", server.port());
                c.openStream(StreamOptions.defaults())
                        .send("hello".getBytes(StandardCharsets.UTF_8), 5, TimeUnit.SECONDS);
                Stream s = accepted.poll(5, TimeUnit.SECONDS);
                assertThat(s).isNotNull();
                try (Message m = s.poll(5, TimeUnit.SECONDS)) {
                    assertThat(m).isNotNull();
                    assertThat(StandardCharsets.UTF_8.decode(m.payload()).toString())
                            .isEqualTo("hello");
                }
            }
            Await.until(
                    "the first connection to close",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());

            try (Client withoutCert =
                    Client.builder().tls(clientTrustingOurCa()).build()) {
                assertThatThrownBy(() -> withoutCert.connect("127.0.0.1", server.port()))
                        .isInstanceOf(SSLException.class)
                        .hasMessageContaining("TLS");
            }
            Await.until(
                    "the server to drop the refused connection",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
            assertThat(handled).hasValue(1);
        }
    }

    @Test
    void aClientThatDoesNotTrustTheServerFailsToConnectNamingTls() throws Exception {
        AtomicInteger handled = new AtomicInteger();
        try (Server server = Server.builder()
                        .tls(serverTls())
                        .streamHandler(s -> {
                            handled.incrementAndGet();
                            return StreamListener.PULL;
                        })
                        .build()
                        .start();
                Client client = Client.builder()
                        .tls(TlsOptions.builder()
                                .trustedCertificates(pki.otherCa().certificate())
                                .build())
                        .build()) {
            assertThatThrownBy(() -> client.connect("127.0.0.1", server.port()))
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("127.0.0.1:" + server.port())
                    .hasMessageContaining("TLS handshake failed");
            Await.until(
                    "the server to close the connection",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
            Await.until(
                    "the client to release the connection",
                    Duration.ofSeconds(5),
                    () -> client.connections().isEmpty());
            assertThat(handled).hasValue(0);
        }
    }

    @Test
    void hostNameVerificationIsOnUnlessTurnedOff() throws Exception {
        // A certificate from the trusted CA, but issued to client.invalid, not 127.0.0.1.
        TlsOptions otherName = TlsOptions.builder()
                .keyAndCertificateChain(pki.client().key(), pki.client().chain())
                .build();
        try (Server server = Server.builder()
                .tls(otherName)
                .streamHandler(s -> StreamListener.PULL)
                .build()
                .start()) {
            try (Client verifying = Client.builder().tls(clientTrustingOurCa()).build()) {
                assertThatThrownBy(() -> verifying.connect("127.0.0.1", server.port()))
                        .isInstanceOf(SSLException.class)
                        .hasMessageContaining("TLS handshake failed");
            }
            try (Client lax = Client.builder()
                    .tls(TlsOptions.builder()
                            .trustedCertificates(pki.ca().certificate())
                            .hostnameVerification(false)
                            .build())
                    .build()) {
                assertThat(lax.connect("127.0.0.1", server.port()).isActive()).isTrue();
            }
        }
    }

    @Test
    void plainAndTlsEndpointsDoNotTalkToEachOther() throws Exception {
        try (Server tlsServer = Server.builder().tls(serverTls()).build().start();
                Client plain =
                        Client.builder().handshakeTimeout(Duration.ofSeconds(2)).build()) {
            assertThatThrownBy(() -> plain.connect("127.0.0.1", tlsServer.port()))
                    .isInstanceOf(IOException.class);
            Await.until(
                    "the TLS server to drop the plain client",
                    Duration.ofSeconds(5),
                    () -> tlsServer.connections().isEmpty());
        }
        try (Server plainServer = Server.builder().build().start();
                Client tls = Client.builder()
                        .tls(clientTrustingOurCa())
                        .handshakeTimeout(Duration.ofSeconds(2))
                        .build()) {
            assertThatThrownBy(() -> tls.connect("127.0.0.1", plainServer.port()))
                    .isInstanceOf(SSLException.class)
                    .hasMessageContaining("TLS handshake failed");
            Await.until(
                    "the plain server to drop the TLS client",
                    Duration.ofSeconds(5),
                    () -> plainServer.connections().isEmpty());
        }
    }

    @Test
    void theHandshakeTimeoutCoversTheTlsHandshake() throws Exception {
        try (Server server = Server.builder()
                        .tls(serverTls())
                        .handshakeTimeout(Duration.ofMillis(300))
                        .build()
                        .start();
                Socket silent = new Socket()) {
            silent.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            silent.setSoTimeout(5000);
            long t0 = System.nanoTime();
            InputStream in = silent.getInputStream();
            // Sends no ClientHello: the server closes once the handshake timeout has passed (maybe after an alert).
            int bytes = 0;
            for (int b = in.read(); b >= 0 && bytes < 64 * 1024; b = in.read()) {
                bytes++;
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(millis).isBetween(200L, 4000L);
            Await.until(
                    "the server to release the connection",
                    Duration.ofSeconds(5),
                    () -> server.connections().isEmpty());
        }
    }

    @Test
    void aClientWhoseTlsHandshakeGetsNoAnswerGivesUpWithinTheHandshakeTimeout() throws Exception {
        // The kernel accepts the TCP connection into the backlog; nobody ever answers the ClientHello.
        try (ServerSocket mute = new ServerSocket(0, 4, InetAddress.getLoopbackAddress());
                Client client = Client.builder()
                        .tls(clientTrustingOurCa())
                        .handshakeTimeout(Duration.ofMillis(300))
                        .build()) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> client.connect("127.0.0.1", mute.getLocalPort()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("HANDSHAKE_TIMEOUT")
                    .hasMessageContaining("TLS handshake not complete within 300 ms");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 4000L);
            Await.until(
                    "the client to release the connection",
                    Duration.ofSeconds(5),
                    () -> client.connections().isEmpty());
        }
    }

    static byte[] payload(long sequence) {
        byte[] b = new byte[MESSAGE];
        ByteBuffer.wrap(b).putLong(sequence);
        return b;
    }
}
