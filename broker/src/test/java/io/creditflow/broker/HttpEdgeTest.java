package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Stream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The HTTP edge against a full topic: 503 with Retry-After and a JSON body, nothing enqueued; 202 again
 * once the subscriber drains; 413 for a body over the limit; /health; /metrics reflecting the depth
 * of a subscription that does not read.
 */
@ExtendWith(LeakCheck.class)
class HttpEdgeTest {
    static final int MAX_MESSAGE = 4096;
    static final int BODY = 1024;

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

    private HttpResponse<String> post(int port, String topic, byte[] body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/topics/" + topic))
                        .timeout(Duration.ofSeconds(5))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(5))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertJson(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).startsWith("{").endsWith("}");
    }

    private static long metric(String metrics, String name, String... labels) {
        return (long) PrometheusText.value(metrics, name, labels);
    }

    @Test
    void aFullTopicAnswers503WithRetryAfterAndEnqueuesNothing() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(0)
                .topicBuffer(8 * 1024, 1000)
                .subscriptionQueue(8 * 1024, 1000)
                .budgetBytes(1024 * 1024)
                .maxMessageBytes(MAX_MESSAGE)
                .build();
        try (Broker broker = Broker.start(config);
                Client consumers = TestClients.smallWindowClient()) {
            int port = broker.httpPort();
            assertThat(port).isPositive();
            HttpResponse<String> health = get(port, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertJson(health);

            // A BLOCK subscriber that does not read (yet).
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            Stream stuck = cc.openStream(consume("t", "stuck", "block"));
            awaitMembers(broker, "t", "stuck", 1);

            // POST until the topic is full: its window, its queue and the topic buffer fill, then 503.
            long accepted = 0;
            HttpResponse<String> rejected = null;
            for (int i = 0; i < 500; i++) {
                HttpResponse<String> r = post(port, "t", TestClients.payload(accepted, BODY));
                if (r.statusCode() == 503) {
                    rejected = r;
                    break;
                }
                assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
                assertJson(r);
                assertThat(r.body()).contains("\"sequence\":" + accepted);
                accepted++;
            }
            assertThat(rejected).as("503 within 500 POSTs").isNotNull();
            assertThat(accepted).isGreaterThan(10);
            assertJson(rejected);
            assertThat(rejected.body()).contains("\"error\":\"topic full\"").contains("\"retry_after_s\":");
            String retryAfter = rejected.headers().firstValue("retry-after").orElseThrow();
            assertThat(retryAfter).matches("[0-9]+");
            assertThat(Integer.parseInt(retryAfter)).isBetween(1, 60);

            // Nothing was enqueued by the rejected POST, nor by more of them.
            TopicStats full = TestClients.topic(broker, "t").orElseThrow();
            assertThat(full.publishedMessages()).isEqualTo(accepted);
            for (int i = 0; i < 3; i++) {
                assertThat(post(port, "t", TestClients.payload(accepted, BODY)).statusCode())
                        .isEqualTo(503);
            }
            TopicStats after = TestClients.topic(broker, "t").orElseThrow();
            assertThat(after.publishedMessages()).isEqualTo(accepted);
            assertThat(after.depthMessages()).isEqualTo(full.depthMessages());
            assertThat(after.httpRejects()).isEqualTo(full.httpRejects() + 3);

            // Too large: 413 with a JSON body, whatever the topic's state; nothing enqueued.
            HttpResponse<String> tooLarge = post(port, "t", new byte[MAX_MESSAGE + 1]);
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertJson(tooLarge);
            assertThat(tooLarge.body()).contains("\"max_bytes\":" + MAX_MESSAGE);

            // /metrics shows the stuck subscription's depth, the same figure as TopicStats (nothing moves).
            HttpResponse<String> metrics = get(port, "/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("content-type").orElseThrow())
                    .startsWith("text/plain");
            TopicStats now = TestClients.topic(broker, "t").orElseThrow();
            TopicStats.SubscriptionStats sub = now.subscriptions().get(0);
            long depth = metric(
                    metrics.body(),
                    "creditflow_subscription_depth_messages",
                    "topic",
                    "t",
                    "subscription",
                    "stuck",
                    "policy",
                    "block");
            System.out.printf(
                    "HTTP: %d accepted before 503 (Retry-After %s, body %s); subscription depth %d "
                            + "(metrics %d), topic depth %d, http rejects %d%n",
                    accepted,
                    retryAfter,
                    rejected.body(),
                    sub.depthMessages(),
                    depth,
                    now.depthMessages(),
                    now.httpRejects());
            assertThat(depth).isPositive().isEqualTo(sub.depthMessages());
            assertThat(metric(metrics.body(), "creditflow_topic_published_messages_total", "topic", "t"))
                    .isEqualTo(accepted);
            assertThat(metric(metrics.body(), "creditflow_topic_http_rejects_total", "topic", "t"))
                    .isEqualTo(now.httpRejects());
            assertThat(metric(metrics.body(), "creditflow_topic_depth_messages", "topic", "t"))
                    .isEqualTo(now.depthMessages())
                    .isPositive();

            // The subscriber drains: the topic empties and POST is accepted again.
            try (TestClients.Consumer reader =
                    new TestClients.Consumer("stuck", stuck, true, Duration.ZERO, Duration.ofSeconds(20)).start()) {
                long expected = accepted;
                Await.until(
                        "the subscriber to drain " + expected + " messages",
                        Duration.ofSeconds(5),
                        () -> reader.received.get() == expected);
                Await.until("the topic and subscription to be empty", Duration.ofSeconds(5), () -> {
                    TopicStats t = TestClients.topic(broker, "t").orElseThrow();
                    return t.depthMessages() == 0 && t.subscriptions().get(0).depthMessages() == 0;
                });
                HttpResponse<String> again = post(port, "t", TestClients.payload(accepted, BODY));
                assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
                assertThat(again.body()).contains("\"sequence\":" + accepted);
                Await.until(
                        "the subscriber to receive the new message",
                        Duration.ofSeconds(5),
                        () -> reader.received.get() == expected + 1);
                assertThat(reader.orderViolation).isNull();
                assertThat(reader.failure).isNull();
                assertThat(TestClients.topic(broker, "t").orElseThrow().publishedMessages())
                        .isEqualTo(accepted + 1);
            }
        }
    }

    @Test
    void aNewTopicBeyondTheTopicCapIsRefusedWith403AndExistingTopicsStillTakeMessages() throws Exception {
        BrokerConfig config =
                BrokerConfig.builder().port(0).httpPort(0).maxTopics(2).build();
        try (Broker broker = Broker.start(config)) {
            assertThat(post(broker.httpPort(), "a", new byte[10]).statusCode()).isEqualTo(202);
            assertThat(post(broker.httpPort(), "b", new byte[10]).statusCode()).isEqualTo(202);
            HttpResponse<String> third = post(broker.httpPort(), "c", new byte[10]);
            assertThat(third.statusCode()).isEqualTo(403);
            assertJson(third);
            assertThat(third.body()).contains("maximum of 2 topics");
            assertThat(broker.stats()).extracting(TopicStats::name).containsExactly("a", "b");
            assertThat(post(broker.httpPort(), "a", new byte[10]).statusCode()).isEqualTo(202);
        }
    }

    @Test
    void whileDrainingEveryPublishIsRefusedWith503EvenToANewTopic() throws Exception {
        BrokerConfig config = BrokerConfig.builder().port(0).httpPort(0).build();
        Client consumers = Client.builder().build();
        try (Broker broker = Broker.start(config)) {
            // A consumer keeps the drain going (its stream stays open until it ends it): the edge stays up.
            consumers.connect("127.0.0.1", broker.port()).openStream(consume("old", "s", "block"));
            awaitMembers(broker, "old", "s", 1);
            assertThat(post(broker.httpPort(), "old", new byte[10]).statusCode())
                    .isEqualTo(202);
            var done = broker.shutdown(Duration.ofSeconds(30));
            for (String topic : new String[] {"old", "new"}) {
                HttpResponse<String> r = post(broker.httpPort(), topic, new byte[10]);
                assertThat(r.statusCode()).as(topic).isEqualTo(503);
                assertThat(r.headers().firstValue("retry-after")).hasValue("1");
                assertThat(r.body()).contains("shutting down");
            }
            assertThat(broker.stats()).extracting(TopicStats::name).doesNotContain("new");
            HttpResponse<String> health = get(broker.httpPort(), "/health");
            assertThat(health.statusCode()).as("unhealthy while draining").isEqualTo(503);
            assertThat(health.body()).contains("shutting down");
            consumers.close();
            done.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            consumers.close(); // idempotent
        }
    }

    @Test
    void aHeldRequestWhoseClientLeavesIsForgotten() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(0)
                .topicBuffer(8 * 1024, 1000)
                .subscriptionQueue(8 * 1024, 1000)
                .budgetBytes(1024 * 1024)
                .maxMessageBytes(MAX_MESSAGE)
                .httpPauseInsteadOfReject(true)
                .httpTimeouts(Duration.ofSeconds(10), Duration.ofSeconds(2), Duration.ofSeconds(10))
                .build();
        try (Broker broker = Broker.start(config);
                Client consumers = TestClients.smallWindowClient()) {
            consumers.connect("127.0.0.1", broker.port()).openStream(consume("t", "stuck", "block")); // never reads
            awaitMembers(broker, "t", "stuck", 1);
            // Fill the topic, let the consumer's credit (granted asynchronously) take what it can, fill again:
            // then nothing can free room while the consumer does not read.
            int accepted = 0;
            while (accepted < 1000 && broker.publish("t", new byte[BODY]).accepted()) {
                accepted++;
            }
            Await.until("the consumer's credit to arrive and be used up", Duration.ofSeconds(5), () -> {
                var sub = TestClients.subscription(broker, "t", "stuck").orElseThrow();
                return sub.deliveredMessages() > 0 && sub.consumerCreditBytes() < BODY + 8;
            });
            while (accepted < 2000 && broker.publish("t", new byte[BODY]).accepted()) {
                accepted++;
            }
            assertThat(accepted).as("the topic filled").isLessThan(2000);
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", broker.httpPort())) {
                byte[] body = new byte[BODY];
                String head = "POST /topics/t HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n";
                socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().write(body);
                socket.getOutputStream().flush();
                Await.until(
                        "the request to be held",
                        Duration.ofSeconds(5),
                        () -> broker.topic("t").roomWaiters() == 1);
            }
            // Reading is paused for a held request, so the client's close is seen at the idle timeout.
            Await.until(
                    "the held request to be forgotten once its connection closed",
                    Duration.ofSeconds(10),
                    () -> broker.topic("t").roomWaiters() == 0);
        }
    }

    @Test
    void badRequestsGetTheirStatusesWithAJsonBody() throws Exception {
        try (Broker broker =
                Broker.start(BrokerConfig.builder().port(0).httpPort(0).build())) {
            int port = broker.httpPort();
            HttpResponse<String> badName = post(port, "a%20b", new byte[1]);
            assertThat(badName.statusCode()).isEqualTo(400);
            assertThat(badName.body()).contains("topic: 'a%20b'");
            HttpResponse<String> notFound = get(port, "/nowhere");
            assertThat(notFound.statusCode()).isEqualTo(404);
            HttpResponse<String> wrongMethod = get(port, "/topics/t");
            assertThat(wrongMethod.statusCode()).isEqualTo(405);
            assertThat(wrongMethod.headers().firstValue("allow")).hasValue("POST");
            HttpResponse<String> longLine = get(port, "/topics/" + "x".repeat(5000));
            assertThat(longLine.statusCode()).isEqualTo(414);
            for (HttpResponse<String> r : java.util.List.of(badName, notFound, wrongMethod, longLine)) {
                assertJson(r);
            }
            assertThat(broker.stats()).as("nothing created").isEmpty();
        }
    }
}
