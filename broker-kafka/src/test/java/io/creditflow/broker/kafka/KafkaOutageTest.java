package io.creditflow.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka stopped for about 10 s and started again under a gateway with producers running: credit stops, producers
 * are held with a reason (stats and metrics), the HTTP edge answers 503 with a Retry-After at once, no event-loop
 * thread ever waits inside Kafka's client (sampled all along, including a send to a topic whose metadata the
 * producer never had), and afterwards every acknowledged message is in Kafka.
 */
@Tag("kafka")
class KafkaOutageTest {
    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;
    static Broker gw;
    static Client client;
    static final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir);
        gw = Gateways.start(kafka.bootstrap(), k -> k.ackStall(Duration.ofMillis(500)), c -> c);
        client = Client.builder().build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (gw != null) {
            gw.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static KafkaGateway gateway() {
        return (KafkaGateway) gw.backend();
    }

    static HttpResponse<String> post(String topic) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.httpPort() + "/topics/" + topic))
                .timeout(Duration.ofSeconds(5))
                .POST(HttpRequest.BodyPublishers.ofString("hello"))
                .build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void kafkaStoppedAndRestarted_producersHeld_503_nothingAcknowledgedLost_noEventLoopWaits() throws Exception {
        String topic = "outage";
        String cold = "cold";
        Connection pc = client.connect("127.0.0.1", gw.port());
        BrokerProducer coldProducer = BrokerProducer.open(pc, cold, "cold-1", 0);
        Await.until(
                "topics created",
                WAIT,
                () -> gateway().ensureTopic(topic) & gateway().ensureTopic(cold));
        assertThat(post(topic).statusCode()).as("HTTP publish with Kafka up").isEqualTo(202);

        AtomicLong sent = new AtomicLong();
        long total = 6_000;
        try (LoopWatch watch = new LoopWatch();
                BrokerProducer p = BrokerProducer.open(pc, topic, "steady", 0)) {
            Thread producer = new Thread(
                    () -> {
                        try {
                            for (long i = 0; i < total; i++) {
                                p.send(Gateways.payload(1, i, 512), 60, TimeUnit.SECONDS);
                                sent.incrementAndGet();
                                if (i < 2_000) {
                                    continue;
                                }
                                if (i % 200 == 0) {
                                    TimeUnit.MILLISECONDS.sleep(20); // a steady producer, not a synchronisation
                                }
                            }
                        } catch (Exception e) {
                            throw new AssertionError(e);
                        }
                    },
                    "test-producer");
            producer.start();
            assertThat(p.awaitAcknowledged(1_999, 30, TimeUnit.SECONDS))
                    .as("first 2000 acknowledged")
                    .isTrue();

            long stoppedAt = System.nanoTime();
            kafka.stop();
            // A send to a topic whose metadata the producer never fetched: with max.block.ms=0 it fails at once
            // inside send and is retried from the timer; the event loop never waits for metadata.
            coldProducer.offer(Gateways.payload(2, 0, 64));
            Await.until(
                    "producers held because Kafka acknowledges nothing",
                    Duration.ofSeconds(15),
                    () -> !Gateways.stats(gw).held().equals("none"));
            KafkaGatewayStats held = Gateways.stats(gw);
            assertThat(held.held()).isIn("kafka_unacknowledged", "kafka_unavailable");
            assertThat(held.holdReason()).isNotEmpty();
            assertThat(gw.metrics())
                    .containsPattern(
                            "creditflow_kafka_held\\{reason=\"kafka_(unacknowledged|unavailable)\"\\} 1(\\.0)?\n");
            assertThat(gateway().metrics()).anySatisfy(m -> {
                assertThat(m.name()).isEqualTo("creditflow_kafka_held");
                assertThat(m.labels().get("reason")).isIn("kafka_unacknowledged", "kafka_unavailable");
                assertThat(m.value()).isEqualTo(1);
            });
            long ackedAtStop = p.acknowledgedSequence();
            int probes = 0;
            while (System.nanoTime() - stoppedAt < TimeUnit.SECONDS.toNanos(10) && probes < 200) {
                long t0 = System.nanoTime();
                HttpResponse<String> r = post(topic);
                assertThat(r.statusCode())
                        .as("HTTP publish while Kafka is down: " + r.body())
                        .isEqualTo(503);
                assertThat(Integer.parseInt(
                                r.headers().firstValue("Retry-After").orElse("0")))
                        .isBetween(1, 60);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
                        .as("503 at once")
                        .isLessThan(2_000);
                probes++;
                Await.until(
                        "a moment between probes",
                        Duration.ofSeconds(1),
                        () -> System.nanoTime() - t0 > TimeUnit.MILLISECONDS.toNanos(250));
            }
            assertThat(probes).isPositive();
            long stalledSent = sent.get();
            assertThat(p.acknowledgedSequence())
                    .as("no acknowledgement while Kafka is down")
                    .isEqualTo(ackedAtStop);
            assertThat(stalledSent - (ackedAtStop + 1))
                    .as("credit stopped: unacknowledged messages bounded by the "
                            + "window and the client's send queue")
                    .isLessThan(2_000);

            kafka.restart();
            Await.until(
                    "producers resume", WAIT, () -> Gateways.stats(gw).held().equals("none"));
            producer.join(WAIT.toMillis());
            assertThat(producer.isAlive()).isFalse();
            assertThat(p.awaitAcknowledged(total - 1, 60, TimeUnit.SECONDS))
                    .as("all acknowledged after restart")
                    .isTrue();
            assertThat(coldProducer.awaitAcknowledged(0, 60, TimeUnit.SECONDS)).isTrue();
            Await.until("HTTP accepted again", WAIT, () -> {
                try {
                    return post(topic).statusCode() == 202;
                } catch (Exception e) {
                    return false;
                }
            });
            assertThat(watch.samples()).isGreaterThan(100);
            assertThat(watch.violations())
                    .as("event-loop threads waiting inside Kafka's client (" + watch.contended() + " of "
                            + watch.samples() + " samples showed a loop acquiring a Kafka lock)")
                    .isEmpty();
            System.out.println("loop watch: " + watch.samples() + " samples, " + watch.contended()
                    + " with a loop acquiring one of the Kafka producer's internal locks, no waits");
        }
        coldProducer.close();

        // Every acknowledged message is in Kafka (duplicates allowed: at least once).
        Connection cc = client.connect("127.0.0.1", gw.port());
        Stream s = cc.openStream(Gateways.consume(topic, "audit", "earliest"));
        Set<Long> seen = new HashSet<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (seen.size() < total && System.nanoTime() < deadline) {
            try (Message m = s.poll(1, TimeUnit.SECONDS)) {
                if (m == null) {
                    continue;
                }
                ByteBuffer b = io.creditflow.broker.BrokerProtocol.payload(m.payload());
                if (b.remaining() >= 16 && b.getLong(b.position() + 8) == 1) {
                    seen.add(b.getLong(b.position()));
                }
            }
        }
        assertThat(seen).as("every acknowledged sequence delivered").hasSize((int) total);
        assertThat(Gateways.stats(gw).failedRecords()).isZero();
        cc.close();
        pc.close();
    }

    /** The settings the credit guarantee rests on cannot be overridden. */
    @Test
    void producerSettingsThatMakeCreditSafeWinOverOverrides() {
        KafkaGatewayConfig kc = KafkaGatewayConfig.builder("127.0.0.1:1")
                .producerProperty("max.block.ms", 60_000)
                .producerProperty("acks", "1")
                .producerProperty("buffer.memory", 1024)
                .build();
        BrokerConfig bc = BrokerConfig.builder().budgetBytes(32L << 20).build();
        var p = KafkaGateway.producerProperties(kc, bc);
        assertThat(p.get("max.block.ms")).isEqualTo(0);
        assertThat(p.get("acks")).isEqualTo("all");
        assertThat(p.get("enable.idempotence")).isEqualTo(true);
        assertThat(p.get("buffer.memory")).isEqualTo((32L << 20) + KafkaGateway.BUFFER_HEADROOM_BYTES);
    }
}
