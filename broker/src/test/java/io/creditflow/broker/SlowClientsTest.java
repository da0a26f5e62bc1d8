package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ConnectionStats;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Slow clients at both edges: a consumer that grants credit and then stops reading its socket (zero
 * window), and HTTP clients that send slowly, read nothing, or send huge headers. Each is closed at its
 * limit while well-behaved clients keep being served.
 */
@ExtendWith(LeakCheck.class)
class SlowClientsTest {

    @Test
    void aConsumerThatStopsReadingItsSocketIsClosedAtTheWriteStallTimeoutAndOthersKeepReceiving() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .writeStallTimeout(Duration.ofSeconds(1))
                .build();
        try (Broker broker = Broker.start(config);
                Client client = TestClients.smallWindowClient();
                RawPeer stuck = new RawPeer(broker.port(), 4096)) {
            stuck.handshake();
            stuck.send(Frame.newBuilder()
                    .setOpen(Open.newBuilder()
                            .setStreamId(1)
                            .putMetadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                            .putMetadata(BrokerProtocol.TOPIC, "t")
                            .putMetadata(BrokerProtocol.SUBSCRIPTION, "stuck")
                            .putMetadata(BrokerProtocol.POLICY, "block"))
                    .build());
            // Generous credit, then never read again.
            stuck.send(Frame.newBuilder()
                    .setCredit(Credit.newBuilder().setStreamId(0).setBytes(64 << 20))
                    .build());
            stuck.send(Frame.newBuilder()
                    .setCredit(Credit.newBuilder()
                            .setStreamId(1)
                            .setBytes(64 << 20)
                            .setMessages(1_000_000))
                    .build());
            Connection conn = client.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer other = new TestClients.Consumer(
                                    "other",
                                    conn.openStream(TestClients.consume("t", "other", "drop-oldest")),
                                    false,
                                    Duration.ZERO,
                                    Duration.ofSeconds(20))
                            .start();
                    TestClients.Producer producer = new TestClients.Producer(
                                    conn.openStream(TestClients.produce("t").build()),
                                    4096,
                                    5_000_000,
                                    Duration.ofSeconds(20))
                            .start()) {
                TestClients.awaitMembers(broker, "t", "stuck", 1);
                Await.until("traffic", Duration.ofSeconds(5), () -> producer.sent.get() > 100);
                long maxPending = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (TestClients.subscription(broker, "t", "stuck").isPresent() && System.nanoTime() < deadline) {
                    for (Connection c : broker.connections()) {
                        ConnectionStats s = c.stats();
                        maxPending = Math.max(maxPending, s.outboundPendingBytes());
                    }
                    Thread.sleep(10); // sampling while the stall runs its course
                }
                long receivedBefore = other.received.get();
                Await.until(
                        "the other consumer to keep receiving",
                        Duration.ofSeconds(5),
                        () -> other.received.get() > receivedBefore + 100);
                System.out.printf(
                        "zero-window consumer: closed by the write-stall timeout; broker's outbound to it "
                                + "peaked at %d bytes (high watermark %d + one frame)%n",
                        maxPending, 512 * 1024);
                assertThat(TestClients.subscription(broker, "t", "stuck"))
                        .as("the stuck consumer was dropped")
                        .isEmpty();
                assertThat(maxPending).isLessThanOrEqualTo(512 * 1024 + 4096 + 64);
                assertThat(stuck.closedByPeer()).isTrue();
            }
        }
    }

    @Test
    void slowHttpClientsAreClosedAtTheirTimeoutsAndNormalOnesAreServed() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(0)
                .httpTimeouts(Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofMillis(500))
                .build();
        try (Broker broker = Broker.start(config)) {
            HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            URI health = URI.create("http://127.0.0.1:" + broker.httpPort() + "/health");
            try (Socket slowHeaders = new Socket("127.0.0.1", broker.httpPort());
                    Socket slowBody = new Socket("127.0.0.1", broker.httpPort());
                    Socket noReader = new Socket("127.0.0.1", broker.httpPort())) {
                slowHeaders.setSoTimeout(5000);
                slowBody.setSoTimeout(5000);
                long start = System.nanoTime();
                write(slowHeaders, "POST /topics/t HTTP/1.1\r\nHost: x\r\n"); // and never the blank line
                write(slowBody, "POST /topics/t HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n0123456789");
                // A client that pipelines requests for big responses and reads none of them.
                noReader.setReceiveBufferSize(4096);
                StringBuilder many = new StringBuilder();
                for (int i = 0; i < 2000; i++) {
                    many.append("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                OutputStream nr = noReader.getOutputStream();
                Thread writer = new Thread(() -> {
                    try {
                        nr.write(many.toString().getBytes(StandardCharsets.US_ASCII));
                    } catch (java.io.IOException e) {
                        // closed by the broker: expected
                    }
                });
                writer.setDaemon(true);
                writer.start();
                // Meanwhile a normal client is served.
                HttpResponse<String> ok =
                        http.send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).isEqualTo(200);
                String headersAnswer = readAll(slowHeaders.getInputStream());
                String bodyAnswer = readAll(slowBody.getInputStream());
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertThat(headersAnswer).startsWith("HTTP/1.1 408");
                assertThat(bodyAnswer).startsWith("HTTP/1.1 408");
                assertThat(tookMillis).isLessThan(4000);
                Await.until(
                        "the non-reading client to be closed",
                        Duration.ofSeconds(10),
                        () -> !writer.isAlive() || isClosed(noReader));
                HttpResponse<String> stillOk =
                        http.send(HttpRequest.newBuilder(health).GET().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(stillOk.statusCode()).isEqualTo(200);
            }
            // Oversized headers: 431 with a JSON body.
            try (Socket big = new Socket("127.0.0.1", broker.httpPort())) {
                big.setSoTimeout(5000);
                write(big, "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(20_000) + "\r\n\r\n");
                String answer = readAll(big.getInputStream());
                assertThat(answer).startsWith("HTTP/1.1 431").contains("application/json");
            }
        }
    }

    private static void write(Socket s, String text) throws java.io.IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until the server closes (bounded by the socket timeout and 64 KiB). */
    private static String readAll(InputStream in) throws java.io.IOException {
        byte[] buf = new byte[65536];
        int n = 0;
        try {
            for (int r; n < buf.length && (r = in.read(buf, n, buf.length - n)) > 0; ) {
                n += r;
            }
        } catch (java.net.SocketException e) {
            // reset after the answer: what was read is the answer
        }
        return new String(buf, 0, n, StandardCharsets.US_ASCII);
    }

    private static boolean isClosed(Socket s) {
        try {
            s.getOutputStream().write(new byte[1024]);
            s.getOutputStream().flush();
            return false;
        } catch (java.io.IOException e) {
            return true;
        }
    }
}
