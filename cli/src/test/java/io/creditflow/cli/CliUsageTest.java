package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.broker.BrokerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * Bad options and bad combinations give a usage error (exit code 2, the message naming the option, no
 * stack trace) before anything starts; help texts state defaults with units and the buffer minimums; the
 * old millisecond spellings still work. Everything runs in this JVM through {@code new
 * CommandLine(new Main())}: no broker is started and nothing connects.
 */
class CliUsageTest {
    @TempDir
    static Path dir;

    static Path garbage;
    static Path missing;

    @BeforeAll
    static void files() throws IOException {
        garbage = Files.writeString(dir.resolve("garbage.pem"), "not a PEM file\n", StandardCharsets.US_ASCII);
        missing = dir.resolve("missing.pem");
    }

    static Stream<Arguments> usageErrors() {
        String g = garbage.toString();
        String m = missing.toString();
        return Stream.of(
                // pipeline: checked before anything starts
                args(
                        "--log-max-mib: 1 (expected: at least four times what the workers' windows hold",
                        "pipeline",
                        "--log-max-mib",
                        "1",
                        "--segment-kib",
                        "128",
                        "--batch",
                        "1000"),
                args(
                        "--slow-at: 90.0 (expected: 0 to --duration)",
                        "pipeline",
                        "--duration",
                        "60s",
                        "--slow-at",
                        "90s"),
                args(
                        "--jdbc-url: unsupported JDBC URL 'jdbc:mysql://x' (expected: jdbc:h2:... or",
                        "pipeline",
                        "--jdbc-url",
                        "jdbc:mysql://x"),
                // broker: sizes and their relation to the largest message
                args(
                        "--topic-buffer-kib: 64 KiB is less than one largest message (256 KiB + 8 bytes of sequence "
                                + "header): a largest message could never be buffered (expected: >= 257",
                        "broker",
                        "--topic-buffer-kib=64"),
                args(
                        "--topic-buffer-kib: 256 KiB is less than one largest message",
                        "broker",
                        "--topic-buffer-kib=256"),
                args(
                        "--subscription-queue-kib: 100 KiB is less than one largest message (256 KiB + 8 bytes",
                        "broker",
                        "--subscription-queue-kib",
                        "100"),
                args(
                        "--topic-buffer-kib: 64 KiB is less than one largest message (64 KiB + 8 bytes",
                        "broker",
                        "--max-message-kib",
                        "64",
                        "--topic-buffer-kib",
                        "64"),
                args("--max-message-kib: 0 (expected: 1 to 16383", "broker", "--max-message-kib", "0"),
                args("--max-message-kib: 16384 (expected: 1 to 16383", "broker", "--max-message-kib", "16384"),
                args("--budget-mib: 0 (expected: 1 to", "broker", "--budget-mib", "0"),
                args(
                        "--budget-mib: 1 MiB is less than one largest message (2048 KiB + 8 bytes",
                        "broker",
                        "--budget-mib",
                        "1",
                        "--max-message-kib",
                        "2048",
                        "--topic-buffer-kib",
                        "4096",
                        "--subscription-queue-kib",
                        "4096"),
                args("--topic-buffer-kib: -1 (expected: 1 to", "broker", "--topic-buffer-kib", "-1"),
                args("--port: 70000 (expected: 0 to 65535)", "broker", "--port", "70000"),
                args("--quota-messages-per-second: -1 (expected: > 0)", "broker", "--quota-messages-per-second", "-1"),
                args("--http-port: -2 (expected: -1 to disable, or 0 to 65535)", "broker", "--http-port", "-2"),
                args("Invalid value for option '--port': 'seven' is not an int", "broker", "--port", "seven"),
                // broker: durations
                args(
                        "Invalid value for option '--disconnect-stall': '15x' is not a duration (expected: a duration "
                                + "such as 15 (seconds), 1.5s, 500ms",
                        "broker",
                        "--disconnect-stall",
                        "15x"),
                args("--disconnect-stall: 0s (expected: > 0)", "broker", "--disconnect-stall", "0"),
                args("--disconnect-stall: 0s (expected: > 0)", "broker", "--disconnect-stall-ms", "0"),
                args(
                        "Invalid value for option '--grace-ms': '-1' is negative (expected: a duration such as 500 "
                                + "(milliseconds)",
                        "broker",
                        "--grace-ms",
                        "-1"),
                args("Invalid value for option '--grace': '-1s' is negative", "broker", "--grace", "-1s"),
                args("--grace-ms: given with --grace", "broker", "--grace", "1s", "--grace-ms", "500"),
                args(
                        "--disconnect-stall-ms: given with --disconnect-stall",
                        "broker",
                        "--disconnect-stall",
                        "1s",
                        "--disconnect-stall-ms",
                        "500"),
                // broker: files and TLS
                args("--auth-file: " + m + ": no such file", "broker", "--auth-file", m),
                args("--auth-file: " + dir + ": not a regular file", "broker", "--auth-file", dir.toString()),
                args("--tls-cert: given without --tls-key", "broker", "--tls-cert", g),
                args("--tls-key: given without --tls-cert", "broker", "--tls-key", g),
                args("--tls-trust: needs --tls-cert and --tls-key", "broker", "--tls-trust", g),
                args("--tls-client-auth: needs --tls-cert, --tls-key and --tls-trust", "broker", "--tls-client-auth"),
                args(
                        "--tls-client-auth: needs --tls-trust FILE",
                        "broker",
                        "--tls-cert",
                        g,
                        "--tls-key",
                        g,
                        "--tls-client-auth"),
                args("--tls-cert: " + m + ": no such file", "broker", "--tls-cert", m, "--tls-key", g),
                args("--tls-key: " + m + ": no such file", "broker", "--tls-cert", g, "--tls-key", m),
                args(
                        "--tls-key: " + g + ": expected exactly one '-----BEGIN PRIVATE KEY-----'",
                        "broker",
                        "--tls-cert",
                        g,
                        "--tls-key",
                        g),
                // consume
                args(
                        "Invalid value for option '--policy': 'fast' (expected: block, drop-oldest, drop-newest, "
                                + "disconnect, log)",
                        "consume",
                        "--policy",
                        "fast"),
                args(
                        "Invalid value for option '--from': 'yesterday' (expected: earliest, latest, offset:N or "
                                + "time:EPOCH_MS)",
                        "consume",
                        "--from",
                        "yesterday"),
                args(
                        "Invalid value for option '--fsync': 'sometimes' (expected: always, batch, interval=MS or "
                                + "never)",
                        "broker",
                        "--fsync",
                        "sometimes"),
                args(
                        "Invalid value for option '--disk-policy': 'pray' (expected: block or drop-oldest)",
                        "broker",
                        "--disk-policy",
                        "pray"),
                args(
                        "Invalid value for option '--log-max-bytes': '0' (expected: a positive number of bytes",
                        "broker",
                        "--log-max-bytes",
                        "0"),
                args(
                        "Invalid value for option '--log-total-max-bytes': '-1' (expected: a positive number of bytes",
                        "broker",
                        "--log-total-max-bytes",
                        "-1"),
                args(
                        "broker: logTotalMaxBytes: 8192 (expected: 0 for no broker-wide total, or >= 3 * logSegmentBytes = "
                                + "12288",
                        "broker",
                        "--log-total-max-bytes",
                        "8k",
                        "--log-max-bytes",
                        "1m"),
                args("--count: 0 (expected: >= 1 messages)", "consume", "--count", "0"),
                args("--idle-exit: 0s (expected: > 0)", "consume", "--idle-exit", "0"),
                args(
                        "Invalid value for option '--idle-exit': 'soon' is not a duration",
                        "consume",
                        "--idle-exit",
                        "soon"),
                args("--rate: -1.0 (expected: >= 0 messages per second", "consume", "--rate", "-1"),
                args("--rate: NaN (expected: >= 0 messages per second", "consume", "--rate", "NaN"),
                args("--subscription: '' (expected: a name)", "consume", "--subscription", ""),
                args(
                        "--topic: 'a topic' (expected: 1-128 characters of letters, digits",
                        "consume",
                        "--topic",
                        "a topic"),
                args("--port: 0 (expected: 1 to 65535)", "consume", "--port", "0"),
                args("--tls-cert: given without --tls-key", "consume", "--tls-cert", g),
                args("--tls-trust: " + g + ": no '-----BEGIN CERTIFICATE-----' block", "consume", "--tls-trust", g),
                args("--tls-trust: " + m + ": no such file", "consume", "--tls", "--tls-trust", m),
                // produce
                args("--size: 4 (expected: 8 to 16776192 bytes)", "produce", "--size", "4"),
                args("--size: 16776193 (expected: 8 to 16776192 bytes)", "produce", "--size", "16776193"),
                args("--rate: -5.0 (expected: >= 0 messages per second", "produce", "--rate", "-5"),
                args("--count: -1 (expected: >= 0 messages)", "produce", "--count", "-1"),
                args("--tls-key: given without --tls-cert", "produce", "--tls-key", g),
                args("Unknown option: '--tls-client-auth'", "produce", "--tls-client-auth"),
                // demo and stall
                args("Invalid value for option '--policy': 'x' (expected: block, drop-oldest", "demo", "--policy", "x"),
                args("Invalid value for option '--duration': '15x' is not a duration", "demo", "--duration", "15x"),
                args("--slow-rate: 0.0 (expected: > 0 messages per second)", "demo", "--slow-rate", "0"),
                args("--size: 300000 (expected: 8 to 262144 bytes", "demo", "--size", "300000"),
                args("Invalid value for option '--stall-for': '-2s' is negative", "stall", "--stall-for", "-2s"),
                args("--window: 0 (expected: 1 to 16384 KiB)", "stall", "--window", "0"),
                // Kafka
                args(
                        "--kafka-bootstrap: given with --data-dir",
                        "broker",
                        "--kafka-bootstrap",
                        "127.0.0.1:9092",
                        "--data-dir",
                        "x"),
                args(
                        "--kafka-bootstrap: bootstrapServers: 'nohost' (expected: HOST:PORT[,HOST:PORT...])",
                        "broker",
                        "--kafka-bootstrap",
                        "nohost"),
                args(
                        "--kafka-bootstrap: partitions: 0 (expected: 1 to 65535",
                        "broker",
                        "--kafka-bootstrap",
                        "127.0.0.1:9092",
                        "--kafka-partitions",
                        "0"),
                args("--kafka: with --policy block (expected: --policy log", "demo", "--kafka", "--policy", "block"),
                args("--port: 0 (expected: 1 to 65534", "kafka-dev", "--port", "0"));
    }

    private static Arguments args(String message, String... args) {
        return Arguments.of(message, args);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("usageErrors")
    void badOptionsAreUsageErrorsWithoutAStackTrace(String message, String[] args) {
        CliRun r = CliRun.of(args);
        assertThat(r.exitCode()).as("exit code; stderr: %s", r.err()).isEqualTo(2);
        assertThat(r.err()).startsWith(message);
        // With the usage, or (an unknown option) with the options meant.
        assertThat(r.err()).containsAnyOf("Usage: creditflow " + args[0], "Possible solutions: ");
        assertThat(r.err()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void brokerHelpStatesTheBufferMinimumsAndDefaultsWithUnits() {
        CliRun r = CliRun.of("broker", "--help");
        assertThat(r.exitCode()).isZero();
        String help = r.out().replaceAll("\\s+", " ");
        assertThat(help)
                .contains(
                        "--topic-buffer-kib=<topicBufferKib> Topic buffer per topic in KiB, at least "
                                + "--max-message-kib + 1 (257 by default): one largest message plus its 8-byte header (default: 1024)");
        assertThat(help)
                .contains("--subscription-queue-kib=<subscriptionQueueKib> Queue per subscription in KiB, at "
                        + "least --max-message-kib + 1 (257 by default)");
        assertThat(help).contains("--max-message-kib=<maxMessageKib>").contains("(default: 256)");
        assertThat(help).contains("--disconnect-stall=DURATION").contains("default: 5s)");
        assertThat(help).contains("--grace=DURATION").contains("default: 10s)");
        assertThat(help).contains("The HTTP edge stays plain HTTP");
        assertThat(help)
                .contains("--tls-cert=FILE")
                .contains("--tls-key=FILE")
                .contains("--tls-trust=FILE")
                .contains("--tls-client-auth");
        assertThat(help).as("the old millisecond spellings are hidden").doesNotContain("-ms");
    }

    @Test
    void demoStallAndConsumeHelpShowDurationDefaultsWithUnits() {
        assertThat(CliRun.of("demo", "--help").out().replaceAll("\\s+", " ")).contains("default: 30s)");
        String stall = CliRun.of("stall", "--help").out().replaceAll("\\s+", " ");
        assertThat(stall).contains("default: 20s)").contains("(default: 5s)").contains("(default: 8s)");
        String consume = CliRun.of("consume", "--help").out().replaceAll("\\s+", " ");
        assertThat(consume)
                .contains("--idle-exit=DURATION")
                .contains("--count=N")
                .contains("block, drop-oldest, drop-newest, disconnect");
    }

    /** The broker command after parsing {@code args}, its options resolved as {@code call()} would. */
    private static BrokerConfig brokerConfig(String... args) {
        CommandLine cl = new CommandLine(new Main());
        List<String> all = new ArrayList<>(List.of("broker"));
        all.addAll(List.of(args));
        CommandLine.ParseResult pr = cl.parseArgs(all.toArray(String[]::new));
        return ((BrokerCommand) pr.subcommand().commandSpec().userObject()).config();
    }

    @Test
    void brokerDurationsTakeUnitsAndTheOldMillisecondSpellingsStillWork() {
        BrokerConfig defaults = brokerConfig();
        assertThat(defaults.disconnectStall()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.maxMessageBytes()).isEqualTo(256 * 1024);
        assertThat(defaults.tls()).isNull();

        BrokerConfig units = brokerConfig("--disconnect-stall", "1.5s", "--grace", "1m30s");
        assertThat(units.disconnectStall()).isEqualTo(Duration.ofMillis(1500));
        assertThat(units.shutdownGrace()).isEqualTo(Duration.ofSeconds(90));

        BrokerConfig legacy = brokerConfig("--disconnect-stall-ms", "750", "--grace-ms=2500");
        assertThat(legacy.disconnectStall()).isEqualTo(Duration.ofMillis(750));
        assertThat(legacy.shutdownGrace()).isEqualTo(Duration.ofMillis(2500));

        BrokerConfig zeroGrace = brokerConfig("--grace", "0");
        assertThat(zeroGrace.shutdownGrace()).isZero();
    }

    @Test
    void brokerLogOptionsReachTheConfigAndAreOffWithoutADataDir() {
        BrokerConfig defaults = brokerConfig();
        assertThat(defaults.dataDir()).isNull();
        assertThat(defaults.fsync()).isEqualTo(io.creditflow.log.FsyncMode.BATCH);
        assertThat(defaults.logMaxBytes()).isEqualTo(1L << 30);
        assertThat(defaults.diskPolicy()).isEqualTo(io.creditflow.broker.DiskPolicy.BLOCK);
        assertThat(defaults.logTotalMaxBytes())
                .as("no broker-wide total unless set")
                .isZero();

        BrokerConfig c = brokerConfig(
                "--data-dir",
                "data",
                "--fsync",
                "interval=50",
                "--log-max-bytes",
                "512m",
                "--disk-policy",
                "drop-oldest");
        assertThat(c.dataDir().isAbsolute()).isTrue();
        assertThat(c.dataDir().getFileName().toString()).isEqualTo("data");
        assertThat(c.fsync()).isEqualTo(io.creditflow.log.FsyncMode.interval(50));
        assertThat(c.logMaxBytes()).isEqualTo(512L << 20);
        assertThat(c.diskPolicy()).isEqualTo(io.creditflow.broker.DiskPolicy.DROP_OLDEST);
        assertThat(brokerConfig("--log-max-bytes", "1048576").logMaxBytes()).isEqualTo(1L << 20);
        BrokerConfig total = brokerConfig("--data-dir", "data", "--log-total-max-bytes", "2g");
        assertThat(total.logTotalMaxBytes()).isEqualTo(2L << 30);
        assertThat(total.logSegmentBytes()).isEqualTo(64 << 20);
        BrokerConfig tight = brokerConfig("--data-dir", "data", "--log-total-max-bytes", "16m");
        assertThat(tight.logSegmentBytes()).as("a quarter of the tighter bound").isEqualTo(4 << 20);
    }

    @Test
    void brokerBuffersMayBeExactlyOneLargestMessageAndItsHeader() {
        BrokerConfig c = brokerConfig(
                "--max-message-kib",
                "64",
                "--topic-buffer-kib",
                "65",
                "--subscription-queue-kib",
                "65",
                "--budget-mib",
                "1");
        assertThat(c.maxMessageBytes()).isEqualTo(64 * 1024);
        assertThat(c.topicBufferBytes()).isEqualTo(65 * 1024);
        assertThat(c.subscriptionQueueBytes()).isEqualTo(65 * 1024);
    }

    @Test
    void theDemoSizeLimitIsTheBrokerDefault() {
        assertThat(DemoCommand.MAX_SIZE)
                .isEqualTo(BrokerConfig.builder().build().maxMessageBytes());
    }
}
