package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Crashes, each process a separate JVM, exactly as a user runs them: {@code ./creditflow broker --data-dir} killed
 * with SIGKILL five times at random moments while {@code ./creditflow produce --json} sends sequence-numbered
 * messages and reconnects; then {@code consume --from earliest --json} must see every acknowledged message exactly
 * once, in order (docs/log.md: in every fsync mode a process crash loses nothing acknowledged; the idempotent
 * producer makes the resends after each reconnect harmless). And a durable subscription's consumer killed with
 * SIGKILL resumes under the same name: nothing lost, duplicates at most what it had been delivered but not
 * consumed, its first message soon after it reconnects.
 */
class CrashDurabilityTest {
    private static final Pattern LISTENING = Pattern.compile("broker listening on 127\\.0\\.0\\.1:(\\d+),");
    private static final Pattern RECEIVED = Pattern.compile("received ([\\d,]+), .* last sequence (-?\\d+),");
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

    private CliChild start(String... args) throws IOException {
        CliChild c = CliChild.start(args);
        children.add(c);
        return c;
    }

    private CliChild broker(int port, String fsync) throws IOException, InterruptedException {
        CliChild b = start(
                "broker",
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--http-port",
                "-1",
                "--data-dir",
                dir.resolve("data").toString(),
                "--fsync",
                fsync);
        Matcher m = b.awaitLine(l -> l.startsWith("broker listening on"), START, LISTENING);
        assertThat(Integer.parseInt(m.group(1))).isEqualTo(port);
        return b;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @ParameterizedTest(name = "fsync {0}, seed {1}")
    @CsvSource({"batch, 1", "always, 2", "interval=50, 3", "never, 4"})
    void killingTheBrokerFiveTimesLosesNothingAcknowledgedAndDuplicatesNothing(String fsync, long seed)
            throws Exception {
        int messages = 40_000;
        int kills = 5;
        int port = freePort();
        Random random = new Random(seed);
        CliChild broker = broker(port, fsync);
        CliChild producer = start(
                "produce",
                "--port",
                Integer.toString(port),
                "--topic",
                "crash",
                "--count",
                Integer.toString(messages),
                "--size",
                "200",
                "--rate",
                "4000",
                "--producer-id",
                "crash-test",
                "--reconnect-for",
                "60s",
                "--json");
        producer.awaitLine(l -> l.contains("msg/s"), START, null); // connected and sending: now the kills
        for (int kill = 0; kill < kills; kill++) {
            if (kill > 0) {
                producer.awaitLine(l -> l.startsWith("produce: reconnected"), START, null);
            }
            Thread.sleep(100 + random.nextInt(600)); // a random moment while it sends (not synchronisation)
            assertThat(producer.process.isAlive())
                    .as("the producer is still sending at kill " + kill + "; output " + producer.tail())
                    .isTrue();
            broker.kill9();
            broker = broker(port, fsync);
        }
        assertThat(producer.awaitExit(RUN))
                .as("produce exit code; output " + producer.tail())
                .isZero();
        JsonNode sent = JSON.readTree(producer.jsonLine());
        assertThat(sent.get("acknowledged").asLong()).as(sent.toString()).isEqualTo(messages);
        assertThat(sent.get("last_acknowledged_sequence").asLong()).isEqualTo(messages - 1);
        assertThat(sent.get("reconnects").asInt())
                .as("the producer lived through every kill: " + sent)
                .isEqualTo(kills);

        CliChild consumer = start(
                "consume",
                "--port",
                Integer.toString(port),
                "--topic",
                "crash",
                "--subscription",
                "check",
                "--from",
                "earliest",
                "--idle-exit",
                "2s",
                "--json");
        assertThat(consumer.awaitExit(RUN)).as("consume exit code").isZero();
        JsonNode got = JSON.readTree(consumer.jsonLine());
        System.out.println("fsync " + fsync + ": produce " + sent + "; consume " + got);
        assertThat(got.get("received").asLong()).as(got.toString()).isEqualTo(messages);
        assertThat(got.get("gaps").asLong()).as(got.toString()).isZero();
        assertThat(got.get("duplicates").asLong()).as(got.toString()).isZero();
        assertThat(got.get("out_of_order").asLong()).as(got.toString()).isZero();
        assertThat(got.get("first_sequence").asLong()).isZero();
        assertThat(got.get("last_sequence").asLong()).isEqualTo(messages - 1);
    }

    @Test
    void aKilledConsumerResumesUnderItsNameLosingNothing() throws Exception {
        int messages = 20_000;
        int port = freePort();
        broker(port, "batch");
        CliRun produced = CliRun.of(
                "produce",
                "--port",
                Integer.toString(port),
                "--topic",
                "resume",
                "--count",
                Integer.toString(messages),
                "--size",
                "100",
                "--json");
        assertThat(produced.exitCode()).as(produced.err()).isZero();
        assertThat(JSON.readTree(produced.out().strip()).get("acknowledged").asLong())
                .isEqualTo(messages);

        int rate = 1000;
        CliChild first = start(
                "consume",
                "--port",
                Integer.toString(port),
                "--topic",
                "resume",
                "--subscription",
                "durable",
                "--from",
                "earliest",
                "--rate",
                Integer.toString(rate));
        // Progress lines come once a second; kill right after the third one, mid-stream.
        first.awaitLine(l -> l.contains("received "), START, null);
        first.awaitLine(l -> l.contains("received "), START, null);
        Matcher progress = first.awaitLine(l -> l.contains("received "), START, RECEIVED);
        first.kill9();
        long consumedAtLeast = Long.parseLong(progress.group(2)); // offsets = producer sequences here
        assertThat(consumedAtLeast).as("the first consumer was mid-stream").isBetween(1L, messages - 2L);

        CliChild second = start(
                "consume",
                "--port",
                Integer.toString(port),
                "--topic",
                "resume",
                "--subscription",
                "durable",
                "--idle-exit",
                "2s",
                "--json");
        assertThat(second.awaitExit(RUN)).isZero();
        JsonNode got = JSON.readTree(second.jsonLine());
        long resumedAt = got.get("first_sequence").asLong();
        System.out.println("killed consumer: consumed at least to " + consumedAtLeast + "; the next " + got);
        // Nothing lost: it resumes at or before what the first one consumed (plus what it could consume at its rate
        // between its progress line and the kill, 250 ms here at most), and reads to the end without a gap.
        assertThat(resumedAt).as(got.toString()).isLessThanOrEqualTo(consumedAtLeast + 1 + rate / 4);
        assertThat(resumedAt)
                .as("it resumed at its committed offset, not from the start")
                .isPositive();
        assertThat(got.get("last_sequence").asLong()).isEqualTo(messages - 1);
        assertThat(got.get("gaps").asLong()).isZero();
        assertThat(got.get("duplicates").asLong()).isZero();
        // Duplicates across the two: at most what the first had been delivered but not consumed, its window
        // (the client's default 4,096 messages), and the commit trails consumption by about a quarter of it.
        assertThat(consumedAtLeast + 1 - resumedAt).as("redelivered").isLessThanOrEqualTo(4096);
        assertThat(got.get("first_message_ms").asLong())
                .as("first message after reconnecting, ms")
                .isLessThanOrEqualTo(1000);
    }
}
