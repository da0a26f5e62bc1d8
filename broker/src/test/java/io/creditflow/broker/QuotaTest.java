package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce quotas end to end: an over-quota producer is paced through its credit (it slows down, it gets no error,
 * nothing is lost), its principal's figures and the topic's stall reason say "quota", another principal is not
 * held back, and the HTTP edge answers 429 with a Retry-After from the bucket.
 */
@ExtendWith(LeakCheck.class)
class QuotaTest {
    private final ExecutorService httpThreads = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "test-http-client");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(httpThreads)
            .build();

    @AfterEach
    void stopHttpClient() throws InterruptedException {
        httpThreads.shutdownNow();
        httpThreads.awaitTermination(5, TimeUnit.SECONDS);
    }

    private static Client client(String token) {
        return Client.builder()
                .credential(token.getBytes(StandardCharsets.UTF_8))
                .build();
    }

    @Test
    void anOverQuotaProducerIsPacedByItsCreditAndAnotherPrincipalIsNot(@TempDir Path dir) throws Exception {
        Path auth = dir.resolve("auth");
        Files.writeString(auth, """
                token alice-token principal alice
                token bob-token principal bob
                allow * * *
                quota alice messages-per-second 200
                """);
        BrokerConfig config =
                BrokerConfig.builder().port(0).httpPort(0).authFile(auth).build();
        int messages = 700; // 200 in the first second's burst, then 200 a second: at least 2.5 s
        try (Broker broker = Broker.start(config);
                Client alice = client("alice-token");
                Client bob = client("bob-token")) {
            Connection ac = alice.connect("127.0.0.1", broker.port());
            Connection bc = bob.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer a = new TestClients.Consumer(
                                    "a",
                                    ac.openStream(consume("alice.t", "c", "block")),
                                    true,
                                    Duration.ZERO,
                                    Duration.ofSeconds(30))
                            .start();
                    TestClients.Consumer b = new TestClients.Consumer(
                                    "b",
                                    bc.openStream(consume("bob.t", "c", "block")),
                                    true,
                                    Duration.ZERO,
                                    Duration.ofSeconds(30))
                            .start()) {
                awaitMembers(broker, "alice.t", "c", 1);
                awaitMembers(broker, "bob.t", "c", 1);
                long start = System.nanoTime();
                try (TestClients.Producer pa = new TestClients.Producer(
                                        ac.openStream(
                                                TestClients.produce("alice.t").build()),
                                        100,
                                        messages,
                                        Duration.ofSeconds(30))
                                .start();
                        TestClients.Producer pb = new TestClients.Producer(
                                        bc.openStream(
                                                TestClients.produce("bob.t").build()),
                                        100,
                                        messages,
                                        Duration.ofSeconds(30))
                                .start()) {
                    Await.until("bob's messages delivered", Duration.ofSeconds(10), () -> b.received.get() == messages);
                    double bobSeconds = (System.nanoTime() - start) / 1e9;
                    // While alice is paced, her principal and her topic say why.
                    Await.until(
                            "the dashboard shows alice paced by her quota",
                            Duration.ofSeconds(5),
                            () -> broker.dashboard().rows().stream()
                                    .anyMatch(r -> r.box().id().equals("quota:alice")
                                            && r.box().state() == DashboardBox.State.STALLED
                                            && r.box().stallReason().equals("quota")));
                    Await.until(
                            "alice's messages delivered", Duration.ofSeconds(15), () -> a.received.get() == messages);
                    double aliceSeconds = (System.nanoTime() - start) / 1e9;
                    pa.join();
                    pb.join();
                    System.out.printf(
                            "quota: alice (200 msg/s) %d messages in %.2f s, bob (no quota) in %.2f s%n",
                            messages, aliceSeconds, bobSeconds);
                    assertThat(pa.failure).as("alice's producer gets no error").isNull();
                    assertThat(pb.failure).isNull();
                    assertThat(aliceSeconds).as("(700 - 200 burst) / 200 msg/s").isGreaterThan(2.2);
                    assertThat(a.orderViolation).isNull();
                    assertThat(a.missing.get()).isZero();
                }
                QuotaStats q = broker.quotaStats().stream()
                        .filter(s -> s.principal().equals("alice"))
                        .findFirst()
                        .orElseThrow();
                assertThat(q.messagesPerSecond()).isEqualTo(200);
                assertThat(q.takenMessages()).isEqualTo(messages);
                assertThat(q.throttledNanos()).isGreaterThan(TimeUnit.SECONDS.toNanos(1));
                assertThat(broker.quotaStats())
                        .extracting(QuotaStats::principal)
                        .containsExactly("alice");
                TopicStats t = TestClients.topic(broker, "alice.t").orElseThrow();
                assertThat(t.quotaNanos()).isGreaterThan(TimeUnit.SECONDS.toNanos(1));
                assertThat(TestClients.topic(broker, "bob.t").orElseThrow().quotaNanos())
                        .isZero();
                String metrics = broker.metrics();
                assertThat(PrometheusText.value(metrics, "creditflow_quota_messages_per_second", "principal", "alice"))
                        .isEqualTo(200);
                assertThat(PrometheusText.value(metrics, "creditflow_quota_taken_messages_total", "principal", "alice"))
                        .isEqualTo(messages);
                assertThat(PrometheusText.value(
                                metrics,
                                "creditflow_topic_stalled_seconds_total",
                                "topic",
                                "alice.t",
                                "reason",
                                "quota"))
                        .isGreaterThanOrEqualTo(1);
            }
        }
    }

    @Test
    void aDurableTopicPacesItsProducersTheSameWay(@TempDir Path dir) throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .dataDir(dir.resolve("data"))
                .defaultQuota(new Quota(0, 200))
                .build();
        int messages = 500; // 200 in the burst, then 200 a second: at least 1.5 s
        try (Broker broker = Broker.start(config);
                Client clients = TestClients.smallWindowClient()) {
            Connection c = clients.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer log = new TestClients.Consumer(
                            "log",
                            c.openStream(consume("d", "audit", "log")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(30))
                    .start()) {
                awaitMembers(broker, "d", "audit", 1);
                long start = System.nanoTime();
                try (TestClients.Producer p = new TestClients.Producer(
                                c.openStream(TestClients.produce("d").build()), 100, messages, Duration.ofSeconds(30))
                        .start()) {
                    Await.until(
                            "every message delivered", Duration.ofSeconds(15), () -> log.received.get() == messages);
                    p.join();
                    assertThat(p.failure).isNull();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("quota: durable topic, 200 msg/s, %d messages in %.2f s%n", messages, seconds);
                assertThat(seconds).as("(500 - 200 burst) / 200 msg/s").isGreaterThan(1.2);
                assertThat(log.orderViolation).isNull();
                assertThat(TestClients.topic(broker, "d").orElseThrow().quotaNanos())
                        .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(500));
                assertThat(broker.quotaStats()).singleElement().satisfies(q -> {
                    assertThat(q.principal()).isEqualTo(QuotaStats.ANONYMOUS);
                    assertThat(q.takenMessages()).isEqualTo(messages);
                });
            }
        }
    }

    @Test
    void theHttpEdgeAnswers429WithARetryAfterFromTheBucket() throws Exception {
        // No auth file: every client is principal anonymous, under the broker's default quota.
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(0)
                .defaultQuota(new Quota(0, 5))
                .build();
        try (Broker broker = Broker.start(config)) {
            int accepted = 0;
            HttpResponse<String> refused = null;
            for (int i = 0; i < 20 && refused == null; i++) {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/t"))
                                .timeout(Duration.ofSeconds(5))
                                .POST(HttpRequest.BodyPublishers.ofString("m" + i))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429) {
                    refused = r;
                } else {
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                    accepted++;
                }
            }
            assertThat(refused).as("429 within 20 POSTs").isNotNull();
            assertThat(accepted).as("the first second's burst").isBetween(5, 7);
            assertThat(refused.body()).contains("\"error\":\"over quota\"").contains("\"principal\":\"anonymous\"");
            assertThat(refused.headers().firstValue("retry-after")).hasValue("1"); // one message at 5 a second
            assertThat(TestClients.topic(broker, "t").orElseThrow().publishedMessages())
                    .isEqualTo(accepted);
            String metrics = broker.metrics();
            assertThat(PrometheusText.value(metrics, "creditflow_quota_http_rejects_total", "principal", "anonymous"))
                    .isEqualTo(1);
            assertThat(PrometheusText.value(metrics, "creditflow_http_over_quota_total"))
                    .isEqualTo(1);
            assertThat(PrometheusText.value(metrics, "creditflow_http_accepted_total"))
                    .isEqualTo(accepted);
        }
    }
}
