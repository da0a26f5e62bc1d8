package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker with an auth file: unknown tokens are refused at the handshake, a stream without the
 * permission for its topic is reset with PERMISSION_DENIED while the connection and its allowed streams
 * go on, and the HTTP edge answers 401 and 403.
 */
@ExtendWith(LeakCheck.class)
class BrokerAuthTest {
    @TempDir
    static Path dir;

    static Broker broker;

    @BeforeAll
    static void start() throws Exception {
        Path auth = dir.resolve("broker.auth");
        Files.writeString(auth, """
                token  alice-token  principal alice
                token  bob-token    principal bob
                allow  alice  produce  orders.*
                allow  bob    consume  orders.*
                """);
        broker = Broker.start(
                BrokerConfig.builder().port(0).httpPort(0).authFile(auth).build());
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    static Client client(String token) {
        return Client.builder()
                .credential(token.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    static StreamOptions produce(String topic) {
        return StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                .metadata(BrokerProtocol.TOPIC, topic)
                .build();
    }

    static StreamOptions consume(String topic) {
        return StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, topic)
                .metadata(BrokerProtocol.SUBSCRIPTION, "s")
                .build();
    }

    @Test
    void anUnknownOrMissingTokenIsRefusedWithAuthenticationFailed() throws Exception {
        try (Client wrong = client("mallory-token");
                Client none = Client.builder().build()) {
            assertThatThrownBy(() -> wrong.connect("127.0.0.1", broker.port()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("AUTHENTICATION_FAILED");
            assertThatThrownBy(() -> none.connect("127.0.0.1", broker.port()))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("AUTHENTICATION_FAILED");
        }
    }

    @Test
    void aDeniedOpenIsAStreamErrorNamingThePermissionAndAnAllowedStreamOnTheSameConnectionWorks() throws Exception {
        try (Client bob = client("bob-token");
                Client alice = client("alice-token")) {
            Connection bc = bob.connect("127.0.0.1", broker.port());
            Stream denied = bc.openStream(produce("orders.eu"));
            CloseStatus status = denied.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
            assertThat(status.reason()).isEqualTo("principal 'bob' lacks produce on topic 'orders.eu'");
            assertThat(status.remote()).isTrue();
            Stream deniedElsewhere = bc.openStream(consume("payroll"));
            assertThat(deniedElsewhere
                            .closeFuture()
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .reason())
                    .isEqualTo("principal 'bob' lacks consume on topic 'payroll'");
            assertThat(broker.stats()).noneMatch(t -> t.name().equals("payroll")); // a denied open creates nothing

            // The same connection is still up, and bob may consume what alice may produce.
            assertThat(bc.isActive()).isTrue();
            Stream consumer = bc.openStream(consume("orders.eu"));
            awaitSubscription("orders.eu"); // messages published before a subscription exists are not its
            Connection ac = alice.connect("127.0.0.1", broker.port());
            Stream producer = ac.openStream(produce("orders.eu"));
            producer.send("order-1".getBytes(StandardCharsets.UTF_8), 5, TimeUnit.SECONDS);
            try (Message m = consumer.poll(5, TimeUnit.SECONDS)) {
                assertThat(m).isNotNull();
                assertThat(StandardCharsets.UTF_8
                                .decode(BrokerProtocol.payload(m.payload()))
                                .toString())
                        .isEqualTo("order-1");
            }
            assertThat(consumer.closeFuture().toCompletableFuture().isDone()).isFalse();
            assertThat(bc.isActive()).isTrue();
        }
    }

    @Test
    void theHttpEdgeAnswers401WithoutAKnownTokenAnd403WithoutThePermission() throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        URI topic = URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/orders.us");
        URI metrics = URI.create("http://127.0.0.1:" + broker.httpPort() + "/metrics");
        URI health = URI.create("http://127.0.0.1:" + broker.httpPort() + "/health");

        HttpResponse<String> noToken = http.send(post(topic, null), HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(noToken.headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(noToken.body()).isEqualTo("{\"error\":\"missing or unknown bearer token\"}");

        assertThat(http.send(post(topic, "mallory-token"), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);

        HttpResponse<String> bob = http.send(post(topic, "bob-token"), HttpResponse.BodyHandlers.ofString());
        assertThat(bob.statusCode()).isEqualTo(403);
        assertThat(bob.body()).isEqualTo("{\"error\":\"principal 'bob' lacks produce on topic 'orders.us'\"}");

        HttpResponse<String> alice = http.send(post(topic, "alice-token"), HttpResponse.BodyHandlers.ofString());
        assertThat(alice.statusCode()).isEqualTo(202);

        assertThat(http.send(get(metrics, null), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(401);
        assertThat(http.send(get(metrics, "bob-token"), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
        assertThat(http.send(get(health, null), HttpResponse.BodyHandlers.ofString())
                        .statusCode())
                .isEqualTo(200);
    }

    /** Polls (bounded) until the topic has a subscription. */
    static void awaitSubscription(String topic) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (broker.stats().stream()
                .noneMatch(t -> t.name().equals(topic) && !t.subscriptions().isEmpty())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no subscription on " + topic + " within 5 s");
            }
            Thread.sleep(5);
        }
    }

    static HttpRequest post(URI uri, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("hello"));
        return token == null
                ? b.build()
                : b.header("Authorization", "Bearer " + token).build();
    }

    static HttpRequest get(URI uri, String token) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET();
        return token == null
                ? b.build()
                : b.header("Authorization", "Bearer " + token).build();
    }
}
