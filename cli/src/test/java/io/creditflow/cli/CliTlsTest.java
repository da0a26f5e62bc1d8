package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.testing.TestPki;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS through the command line: {@code ./creditflow broker} with {@code --tls-*} options runs as a
 * separate JVM on loopback; {@code consume} runs as another (it must be subscribed, which it says,
 * before anything is published), {@code produce} and the clients expected to fail run in this JVM
 * through {@code new CommandLine(new Main())}. The certificates come from {@link TestPki}, made at test
 * time.
 */
class CliTlsTest {
    private static final Pattern LISTENING =
            Pattern.compile("broker listening on 127\\.0\\.0\\.1:(\\d+), .*; (tls .*)$");
    private static final Duration START = Duration.ofSeconds(30);
    private static final Duration RUN = Duration.ofSeconds(30);
    private static final int MESSAGES = 200;

    @TempDir
    static Path dir;

    static TestPki pki;

    private final List<CliChild> children = new ArrayList<>();

    @BeforeAll
    static void certificates() throws IOException, InterruptedException {
        pki = TestPki.generate(dir);
    }

    @AfterEach
    void stopChildren() throws InterruptedException {
        CliChild.destroyAll(children);
    }

    @Test
    void tlsBrokerDeliversToATlsConsumerAndRefusesAPlainClient() throws Exception {
        CliChild broker = start(
                "broker",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--http-port",
                "-1",
                "--tls-cert",
                pki.server().chainPem().toString(),
                "--tls-key",
                pki.server().keyPem().toString());
        Matcher listening = broker.awaitLine(l -> LISTENING.matcher(l).find(), START, LISTENING);
        assertThat(listening.group(2)).isEqualTo("tls on");
        String port = listening.group(1);
        String ca = pki.ca().chainPem().toString();

        CliChild consumer = start(
                "consume",
                "--port",
                port,
                "--topic",
                "tls-demo",
                "--subscription",
                "s",
                "--count",
                String.valueOf(MESSAGES),
                "--idle-exit",
                "20s",
                "--tls-trust",
                ca);
        consumer.awaitLine(l -> l.startsWith("subscribed to topic 'tls-demo'"), START, null);

        CliRun producer = CliRun.of(
                "produce",
                "--port",
                port,
                "--topic",
                "tls-demo",
                "--size",
                "100",
                "--count",
                String.valueOf(MESSAGES),
                "--tls-trust",
                ca);
        assertThat(producer.exitCode()).as("produce: %s", producer).isZero();
        assertThat(producer.out()).contains("done: " + MESSAGES + " messages sent");

        assertThat(consumer.awaitExit(RUN))
                .as("consumer exit code; output: %s", consumer.lines)
                .isZero();
        assertThat(consumer.lines)
                .contains("done: " + MESSAGES + " messages received, 0 skipped by the policy")
                .noneMatch(l -> l.contains("not confirmed"));

        // A plain client against the TLS port: refused at the handshake, one line on stderr.
        CliRun plain = CliRun.of("produce", "--port", port, "--topic", "tls-demo", "--count", "1");
        assertThat(plain.exitCode()).as("plain client: %s", plain).isEqualTo(1);
        assertThat(plain.err())
                .startsWith("produce: cannot connect to 127.0.0.1:" + port + " (tls off): ")
                .contains("--tls")
                .doesNotContain("\tat ");
        assertThat(plain.err().lines().count()).isEqualTo(1);

        // A TLS client that does not trust the broker's CA: a TLS handshake failure.
        CliRun untrusting = CliRun.of(
                "consume",
                "--port",
                port,
                "--count",
                "1",
                "--tls-trust",
                pki.otherCa().chainPem().toString());
        assertThat(untrusting.exitCode())
                .as("untrusting client: %s", untrusting)
                .isEqualTo(1);
        assertThat(untrusting.err())
                .startsWith("consume: cannot connect to 127.0.0.1:" + port + " (tls on): ")
                .contains("TLS handshake failed");
        assertThat(untrusting.err().lines().count()).isEqualTo(1);
    }

    @Test
    void mutualTlsBrokerWantsAClientCertificate() throws Exception {
        String ca = pki.ca().chainPem().toString();
        CliChild broker = start(
                "broker",
                "--port",
                "0",
                "--http-port",
                "-1",
                "--tls-cert",
                pki.server().chainPem().toString(),
                "--tls-key",
                pki.server().keyPem().toString(),
                "--tls-trust",
                ca,
                "--tls-client-auth");
        Matcher listening = broker.awaitLine(l -> LISTENING.matcher(l).find(), START, LISTENING);
        assertThat(listening.group(2)).isEqualTo("tls on (mutual)");
        String port = listening.group(1);

        CliRun anonymous = CliRun.of("consume", "--port", port, "--count", "1", "--idle-exit", "5s", "--tls-trust", ca);
        assertThat(anonymous.exitCode())
                .as("client without a certificate: %s", anonymous)
                .isEqualTo(1);
        assertThat(anonymous.err())
                .startsWith("consume: cannot connect to 127.0.0.1:" + port + " (tls on): ")
                .contains("TLS");
        assertThat(anonymous.err().lines().count()).isEqualTo(1);
        assertThat(anonymous.out()).doesNotContain("subscribed");

        String[] identity = {
            "--tls-trust",
            ca,
            "--tls-cert",
            pki.client().chainPem().toString(),
            "--tls-key",
            pki.client().keyPem().toString()
        };
        CliChild consumer = start(concat(
                new String[] {
                    "consume",
                    "--port",
                    port,
                    "--topic",
                    "mtls",
                    "--count",
                    String.valueOf(MESSAGES),
                    "--idle-exit",
                    "20s"
                },
                identity));
        consumer.awaitLine(l -> l.startsWith("subscribed to topic 'mtls'"), START, null);

        CliRun producer = CliRun.of(concat(
                new String[] {"produce", "--port", port, "--topic", "mtls", "--count", String.valueOf(MESSAGES)},
                identity));
        assertThat(producer.exitCode()).as("produce: %s", producer).isZero();

        assertThat(consumer.awaitExit(RUN))
                .as("consumer exit code; output: %s", consumer.lines)
                .isZero();
        assertThat(consumer.lines).contains("done: " + MESSAGES + " messages received, 0 skipped by the policy");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** {@code ./creditflow args...} in a child JVM on this test's class path, stdout and stderr merged. */
    private CliChild start(String... args) throws IOException {
        CliChild c = CliChild.start(args);
        children.add(c);
        return c;
    }
}
