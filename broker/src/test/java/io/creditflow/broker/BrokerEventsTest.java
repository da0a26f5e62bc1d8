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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's JFR events in a recording made with JFR's own "default" settings (what {@code jcmd JFR.start}
 * uses): budget exhausted, 503 burst and subscription evicted need no setup; stalls need one no shorter than the
 * threshold, here lowered to 50 ms so that the test stays short.
 */
@ExtendWith(LeakCheck.class)
class BrokerEventsTest {

    @Test
    void theMomentsThatMatterAreRecorded(@TempDir Path dir) throws Exception {
        ExecutorService httpThreads = Executors.newSingleThreadExecutor();
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(httpThreads)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Path file = dir.resolve("broker.jfr");
        try (Recording recording = new Recording(Configuration.getConfiguration("default"))) {
            recording.enable("creditflow.Stall").withThreshold(Duration.ofMillis(50));
            recording.start();
            // A broker budget smaller than the queues: a subscription that does not read exhausts it.
            BrokerConfig config = BrokerConfig.builder()
                    .port(0)
                    .httpPort(0)
                    .budgetBytes(64 * 1024)
                    .maxMessageBytes(4096)
                    .disconnectStall(Duration.ofMillis(300))
                    .build();
            try (Broker broker = Broker.start(config);
                    Client clients = TestClients.smallWindowClient()) {
                Connection c = clients.connect("127.0.0.1", broker.port());
                try (TestClients.Consumer slow = new TestClients.Consumer(
                        "slow",
                        c.openStream(consume("t", "slow", "block")),
                        true,
                        Duration.ZERO,
                        Duration.ofSeconds(30))) {
                    slow.pause(true);
                    slow.start();
                    awaitMembers(broker, "t", "slow", 1);
                    try (TestClients.Producer p = new TestClients.Producer(
                                    c.openStream(TestClients.produce("t").build()), 1000, 200, Duration.ofSeconds(20))
                            .start()) {
                        Await.until(
                                "the budget is exhausted",
                                Duration.ofSeconds(10),
                                () -> TestClients.topic(broker, "t")
                                                .orElseThrow()
                                                .budgetExhaustedNanos()
                                        > TimeUnit.MILLISECONDS.toNanos(200));
                        for (int i = 0; i < 3; i++) {
                            HttpResponse<String> r = http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/t"))
                                            .timeout(Duration.ofSeconds(5))
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[4000]))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString());
                            assertThat(r.statusCode()).isEqualTo(503);
                        }
                        slow.pause(false); // the stalls end, and are committed
                        Await.until("everything delivered", Duration.ofSeconds(10), () -> slow.received.get() == 200);
                        p.join();
                    }
                }
                // A DISCONNECT subscription that reads nothing is evicted.
                try (TestClients.Consumer stuck = new TestClients.Consumer(
                        "stuck",
                        c.openStream(consume("e", "gone", "disconnect")),
                        false,
                        Duration.ZERO,
                        Duration.ofSeconds(30))) {
                    stuck.pause(true);
                    stuck.start();
                    awaitMembers(broker, "e", "gone", 1);
                    try (TestClients.Producer p = new TestClients.Producer(
                                    c.openStream(TestClients.produce("e").build()), 1000, 100, Duration.ofSeconds(20))
                            .start()) {
                        Await.until(
                                "the subscription is evicted",
                                Duration.ofSeconds(10),
                                () -> TestClients.topic(broker, "e")
                                                .orElseThrow()
                                                .evictions()
                                        == 1);
                        p.join();
                    }
                }
            } // closing the edge ends the open 503 burst
            recording.stop();
            recording.dump(file);
        } finally {
            httpThreads.shutdownNow();
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().startsWith("creditflow."))
                .toList();
        events.forEach(e -> System.out.println("JFR " + e.getEventType().getName() + " "
                + e.getFields().stream()
                        .filter(f ->
                                !List.of("startTime", "duration", "eventThread").contains(f.getName()))
                        .map(f -> f.getName() + "=" + e.getValue(f.getName()))
                        .toList()
                + " " + e.getDuration().toMillis()
                + " ms"));
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getEventType().getName()).isEqualTo("creditflow.BudgetExhausted");
            assertThat(e.getString("topic")).isEqualTo("t");
            assertThat(e.getLong("limit")).isEqualTo(64 * 1024);
            assertThat(e.getLong("needed")).isEqualTo(1008);
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getEventType().getName()).isEqualTo("creditflow.Stall");
            assertThat(e.getString("topic")).isEqualTo("t");
            assertThat(e.getString("subscription")).isEmpty();
            assertThat(e.getString("reason")).isEqualTo("budget_exhausted");
            assertThat(e.getDuration()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getEventType().getName()).isEqualTo("creditflow.Stall");
            assertThat(e.getString("subscription")).isEqualTo("slow");
            assertThat(e.getString("reason")).isEqualTo("no_consumer_credit");
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getEventType().getName()).isEqualTo("creditflow.HttpRejectBurst");
            assertThat(e.getString("topic")).isEqualTo("t");
            assertThat(e.getLong("rejections")).isEqualTo(3);
            assertThat(e.getInt("retryAfterSeconds")).isBetween(1, 60);
        });
        assertThat(events).anySatisfy(e -> {
            assertThat(e.getEventType().getName()).isEqualTo("creditflow.SubscriptionEvicted");
            assertThat(e.getString("topic")).isEqualTo("e");
            assertThat(e.getString("subscription")).isEqualTo("gone");
            assertThat(e.getInt("consumers")).isEqualTo(1);
            assertThat(e.getString("reason")).contains("accepted nothing");
        });
    }
}
