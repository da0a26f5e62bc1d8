package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.creditflow.broker.kafka.EmbeddedKafka;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command-line checks of the durable log, unchanged, against {@code broker --kafka-bootstrap} on a real Kafka
 * broker (in this JVM): {@code produce --json} has everything acknowledged, {@code consume --json} sees every
 * sequence once and in order (one producer, so one partition).
 */
@Tag("kafka")
class CliKafkaTest {
    private static final Pattern LISTENING = Pattern.compile("broker listening on 127\\.0\\.0\\.1:(\\d+),");
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration RUN = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<CliChild> children = new ArrayList<>();

    @AfterEach
    void stopChildren() throws InterruptedException {
        CliChild.destroyAll(children);
    }

    private CliChild start(String... args) throws java.io.IOException {
        CliChild c = CliChild.start(args);
        children.add(c);
        return c;
    }

    @Test
    void produceAndConsumeJsonChecksPassAgainstAGateway() throws Exception {
        int messages = 5_000;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            CliChild broker = start(
                    "broker",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    Integer.toString(port),
                    "--http-port",
                    "-1",
                    "--kafka-bootstrap",
                    kafka.bootstrap());
            broker.awaitLine(l -> l.startsWith("broker listening on"), START, LISTENING);
            CliChild producer = start(
                    "produce",
                    "--port",
                    Integer.toString(port),
                    "--topic",
                    "cli",
                    "--count",
                    Integer.toString(messages),
                    "--size",
                    "200",
                    "--producer-id",
                    "cli-test",
                    "--json");
            assertThat(producer.awaitExit(RUN))
                    .as("produce exit code; output " + producer.tail())
                    .isZero();
            JsonNode sent = JSON.readTree(producer.jsonLine());
            assertThat(sent.get("acknowledged").asLong()).as(sent.toString()).isEqualTo(messages);

            CliChild consumer = start(
                    "consume",
                    "--port",
                    Integer.toString(port),
                    "--topic",
                    "cli",
                    "--subscription",
                    "check",
                    "--from",
                    "earliest",
                    "--idle-exit",
                    "5s",
                    "--json");
            assertThat(consumer.awaitExit(RUN))
                    .as("consume exit code; output " + consumer.tail())
                    .isZero();
            JsonNode got = JSON.readTree(consumer.jsonLine());
            assertThat(got.get("received").asLong()).as(got.toString()).isEqualTo(messages);
            assertThat(got.get("gaps").asLong()).as(got.toString()).isZero();
            assertThat(got.get("duplicates").asLong()).as(got.toString()).isZero();
            assertThat(got.get("out_of_order").asLong()).as(got.toString()).isZero();
            assertThat(got.get("first_sequence").asLong()).isZero();
            assertThat(got.get("last_sequence").asLong()).isEqualTo(messages - 1);
            CliChild.destroyAll(children);
        }
    }
}
