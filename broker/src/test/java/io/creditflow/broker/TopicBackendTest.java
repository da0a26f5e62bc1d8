package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The broker's seam for topic backends (module broker-kafka implements it on Kafka): the broker checks the
 * metadata and hands accepted streams and HTTP publishes to the backend; what the backend answers reaches the
 * client. The backend here records its calls; Kafka's own behaviour is proved in broker-kafka.
 */
class TopicBackendTest {
    /** Records the requests; publishes are accepted for topic "ok" and refused otherwise. */
    static final class RecordingBackend implements TopicBackend {
        final List<Object> requests = new CopyOnWriteArrayList<>();
        volatile boolean closed;

        @Override
        public io.creditflow.transport.StreamListener openProducer(ProducerRequest request) {
            requests.add(request);
            return new PullListener() {};
        }

        @Override
        public io.creditflow.transport.StreamListener openConsumer(ConsumerRequest request) {
            requests.add(request);
            return new PullListener() {};
        }

        @Override
        public CompletionStage<PublishResult> publish(String topic, byte[] payload) {
            return CompletableFuture.completedFuture(
                    topic.equals("ok") ? PublishResult.accepted(42) : PublishResult.refused(7, "held: \"test\""));
        }

        @Override
        public List<BackendMetric> metrics() {
            return List.of(
                    BackendMetric.gauge("recording_backend", "A test backend", 1),
                    BackendMetric.counter("recording_backend_calls_total", "Calls", 3, "kind", "publish"),
                    BackendMetric.counter("recording_backend_calls_total", "Calls", 4, "kind", "open"));
        }

        @Override
        public void startDraining() {}

        @Override
        public boolean isDrained() {
            return true;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void aBackendAndADataDirAreExclusive() {
        assertThatThrownBy(() -> BrokerConfig.builder()
                        .dataDir(Path.of("x"))
                        .topicBackend(c -> new RecordingBackend())
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: one of them");
    }

    @Test
    void streamsAndHttpPublishesGoToTheBackend() throws Exception {
        RecordingBackend backend = new RecordingBackend();
        try (Broker broker = Broker.start(BrokerConfig.builder()
                        .port(0)
                        .httpPort(0)
                        .topicBackend(c -> backend)
                        .build());
                Client client = Client.builder().build()) {
            Connection c = client.connect("127.0.0.1", broker.port());
            Stream p = c.openStream(TestClients.produce("t")
                    .metadata(BrokerProtocol.PRODUCER, "p-1")
                    .metadata(BrokerProtocol.SEQUENCE, "5")
                    .metadata(BrokerProtocol.ACKS, "durable")
                    .build());
            Stream s = c.openStream(io.creditflow.transport.StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                    .metadata(BrokerProtocol.TOPIC, "t")
                    .metadata(BrokerProtocol.SUBSCRIPTION, "s")
                    .metadata(BrokerProtocol.FROM, "earliest")
                    .build());
            Stream refused = c.openStream(TestClients.consume("t", "s2", "block"));
            CloseStatus status = refused.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(status.reason()).contains("policy: block (expected: log");
            io.creditflow.testing.Await.until(
                    "both requests reached the backend",
                    java.time.Duration.ofSeconds(10),
                    () -> backend.requests.size() == 2);
            assertThat(backend.requests)
                    .contains(
                            new TopicBackend.ProducerRequest("t", "p-1", 5, true),
                            new TopicBackend.ConsumerRequest("t", "s", BrokerProtocol.From.parse("earliest")));

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> ok = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/ok"))
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(202);
            assertThat(ok.body()).contains("\"sequence\":42");
            HttpResponse<String> no = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/held"))
                            .POST(HttpRequest.BodyPublishers.ofString("x"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(no.statusCode()).isEqualTo(503);
            assertThat(no.headers().firstValue("Retry-After")).hasValue("7");
            assertThat(no.body()).contains("held: \\\"test\\\"").contains("\"retry_after_s\":7");
            // The backend's figures go through the broker's writer: parsed strictly, with their types and labels.
            Map<String, PrometheusText.Family> families = PrometheusText.parse(broker.metrics());
            assertThat(families.get("recording_backend").type()).isEqualTo("gauge");
            assertThat(families.get("recording_backend").value()).isEqualTo(1);
            assertThat(families.get("recording_backend_calls_total").type()).isEqualTo("counter");
            assertThat(families.get("recording_backend_calls_total").value("kind", "open"))
                    .isEqualTo(4);
            assertThat(families.get("recording_backend_calls_total").value("kind", "publish"))
                    .isEqualTo(3);
            p.cancel("done");
            s.cancel("done");
        }
        assertThat(backend.closed).isTrue();
    }
}
