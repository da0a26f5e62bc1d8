package io.creditflow.cli;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.DiskPolicy;
import io.creditflow.broker.Quota;
import io.creditflow.broker.TopicStats;
import io.creditflow.broker.kafka.KafkaGateway;
import io.creditflow.broker.kafka.KafkaGatewayConfig;
import io.creditflow.broker.kafka.KafkaGatewayStats;
import io.creditflow.log.FsyncMode;
import io.creditflow.transport.TlsOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * Runs the demo broker until Ctrl-C / SIGTERM, then drains within the grace period. Every option is
 * checked, alone and against the others, before the broker starts: a mistake is a usage error (exit
 * code 2) naming the option.
 */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = "Run the broker; prints each topic once a second; Ctrl-C drains and stops.")
final class BrokerCommand implements Callable<Integer> {
    /**
     * The largest --max-message-kib: a delivered message (plus its 8-byte header) must fit in what
     * {@code ./creditflow consume} accepts, {@link ConsumeCommand#MAX_MESSAGE_BYTES} (16 MiB).
     */
    static final int MAX_MESSAGE_KIB = ConsumeCommand.MAX_MESSAGE_BYTES / 1024 - 1;

    private static final long MAX_MIB = Long.MAX_VALUE >> 20;
    private static final long MAX_KIB = Long.MAX_VALUE >> 10;

    @Spec
    CommandSpec spec;

    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "creditflow port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int port = 7000;

    @Option(names = "--http-port", description = "HTTP edge port, -1 to disable (default: ${DEFAULT-VALUE}).")
    int httpPort = 8080;

    @Option(names = "--budget-mib", description = "Broker-wide buffer budget in MiB (default: ${DEFAULT-VALUE}).")
    long budgetMib = 64;

    @Option(
            names = "--max-message-kib",
            description = "Largest message a producer may publish, in KiB, 1 to " + MAX_MESSAGE_KIB
                    + "; consumers receive it with an 8-byte sequence header (default: ${DEFAULT-VALUE}).")
    int maxMessageKib = 256;

    @Option(
            names = "--topic-buffer-kib",
            description = "Topic buffer per topic in KiB, at least --max-message-kib "
                    + "+ 1 (257 by default): one largest message plus its 8-byte header (default: ${DEFAULT-VALUE}).")
    long topicBufferKib = 1024;

    @Option(
            names = "--subscription-queue-kib",
            description = "Queue per subscription in KiB, at least "
                    + "--max-message-kib + 1 (257 by default): one largest message plus its 8-byte header "
                    + "(default: ${DEFAULT-VALUE}).")
    long subscriptionQueueKib = 1024;

    @Option(
            names = "--disconnect-stall",
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "DISCONNECT: evict consumers that accept nothing "
                    + "this long while messages wait (15, 15s, 500ms, 2m, ...; default: ${DEFAULT-VALUE}).")
    Duration disconnectStall;

    /** The old spelling, in milliseconds: kept for existing scripts. */
    @Option(names = "--disconnect-stall-ms", hidden = true, converter = DurationConverter.BareMillis.class)
    Duration disconnectStallMillis;

    @Option(names = "--http-pause", description = "When a topic is full, pause reading HTTP requests instead of 503.")
    boolean httpPause;

    @Option(
            names = "--grace",
            paramLabel = "DURATION",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "Shutdown drain period (15, 15s, 500ms, 2m, ...; default: ${DEFAULT-VALUE}).")
    Duration grace;

    /** The old spelling, in milliseconds: kept for existing scripts. */
    @Option(names = "--grace-ms", hidden = true, converter = DurationConverter.BareMillis.class)
    Duration graceMillis;

    @Option(
            names = "--auth-file",
            paramLabel = "FILE",
            description = "Tokens, principals and per-topic "
                    + "produce/consume permissions (docs/broker.md); clients then need --token. Default: no auth.")
    Path authFile;

    @Option(
            names = "--quota-bytes-per-second",
            paramLabel = "N",
            converter = ByteSizeConverter.class,
            description = "Default produce quota per principal, bytes a second (payload plus 8 per message), bytes or "
                    + "with k, m, g: an over-quota producer is slowed through its credit, an HTTP publish gets 429. The auth "
                    + "file's quota lines override it. Default: none.")
    long quotaBytesPerSecond;

    @Option(
            names = "--quota-messages-per-second",
            paramLabel = "N",
            description = "Default produce quota per principal, messages a second (see --quota-bytes-per-second). "
                    + "Default: none.")
    long quotaMessagesPerSecond;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "TLS on the creditflow port: PEM certificate "
                    + "chain, leaf first; needs --tls-key. The HTTP edge stays plain HTTP. Default: no TLS.")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM PKCS#8 private key of --tls-cert " + "(unencrypted: BEGIN PRIVATE KEY).")
    Path tlsKey;

    @Option(
            names = "--tls-trust",
            paramLabel = "FILE",
            description = "PEM CA certificates client certificates "
                    + "must chain to; clients may then present one (verified if sent).")
    Path tlsTrust;

    @Option(
            names = "--tls-client-auth",
            description = "Mutual TLS: refuse clients without a certificate that " + "chains to --tls-trust.")
    boolean tlsClientAuth;

    @Option(
            names = "--kafka-bootstrap",
            paramLabel = "HOST:PORT[,...]",
            description =
                    "Topics live in Apache Kafka: "
                            + "the broker is a stateless credit gateway in front of this cluster (docs/kafka.md). Not with --data-dir.")
    String kafkaBootstrap;

    @Option(
            names = "--kafka-partitions",
            paramLabel = "N",
            defaultValue = "4",
            description = "Partitions of the "
                    + "topics the gateway creates in Kafka (existing ones keep theirs; default: ${DEFAULT-VALUE}).")
    int kafkaPartitions;

    @Option(
            names = "--kafka-replication",
            paramLabel = "N",
            defaultValue = "-1",
            description =
                    "Replication "
                            + "factor of the topics the gateway creates; -1: the cluster's default (default: ${DEFAULT-VALUE}).")
    int kafkaReplication;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Durable topics: every topic is an append-only "
                    + "log in DIR/<topic>, subscriptions are cursors (policy log) that survive restarts. Default: topics in "
                    + "memory.")
    Path dataDir;

    @Option(
            names = "--fsync",
            paramLabel = "MODE",
            defaultValue = "batch",
            converter = FsyncConverter.class,
            description = "With --data-dir: always, batch (group commit), interval=MS or never; docs/log.md says "
                    + "what each can lose (default: ${DEFAULT-VALUE}).")
    FsyncMode fsync;

    @Option(
            names = "--log-max-bytes",
            paramLabel = "N",
            defaultValue = "1g",
            converter = ByteSizeConverter.class,
            description = "With --data-dir: bound on each topic log on disk, bytes or with k, m, g (512m, 1g; "
                    + "default: ${DEFAULT-VALUE}).")
    long logMaxBytes;

    @Option(
            names = "--log-total-max-bytes",
            paramLabel = "N",
            converter = ByteSizeConverter.class,
            description = "With --data-dir: bound on all topic logs together on disk, bytes or with k, m, g; an "
                    + "append that would go over it is handled by the topic's --disk-policy in its own log. Default: no "
                    + "total (each topic bounded by --log-max-bytes).")
    long logTotalMaxBytes;

    @Option(
            names = "--disk-policy",
            paramLabel = "POLICY",
            defaultValue = "block",
            converter = DiskPolicyConverter.class,
            description = "With --data-dir, when a topic log is full: block "
                    + "(hold producers until the slowest subscription moves) or drop-oldest (laggards skip whole segments, "
                    + "counted; default: ${DEFAULT-VALUE}).")
    DiskPolicy diskPolicy;

    /** {@code --fsync}: {@link FsyncMode#parse}. */
    static final class FsyncConverter implements ITypeConverter<FsyncMode> {
        @Override
        public FsyncMode convert(String value) {
            try {
                return FsyncMode.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: always, batch, interval=MS or never)");
            }
        }
    }

    /** {@code --disk-policy}: block or drop-oldest. */
    static final class DiskPolicyConverter implements ITypeConverter<DiskPolicy> {
        @Override
        public DiskPolicy convert(String value) {
            try {
                return DiskPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "' (expected: block or drop-oldest)");
            }
        }
    }

    /** Byte sizes: {@code 1048576}, {@code 512k}, {@code 512m}, {@code 1g} (binary units, case-insensitive). */
    static final class ByteSizeConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            int shift = 0;
            if (v.endsWith("b")) {
                v = v.substring(0, v.length() - 1);
            }
            if (!v.isEmpty()) {
                char unit = v.charAt(v.length() - 1);
                shift = unit == 'k' ? 10 : unit == 'm' ? 20 : unit == 'g' ? 30 : unit == 't' ? 40 : 0;
                if (shift > 0) {
                    v = v.substring(0, v.length() - 1);
                }
            }
            try {
                long n = Long.parseLong(v);
                if (n > 0 && n <= Long.MAX_VALUE >> shift) {
                    return n << shift;
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new TypeConversionException("'" + value + "' (expected: a positive number of bytes, optionally "
                    + "with k, m, g or t, as in 512m or 1g)");
        }
    }

    /** Checks every option and their relations; returns the configuration. */
    BrokerConfig config() {
        Usage.range(spec, "--port", port, 0, 65535, "0 to 65535");
        Usage.range(spec, "--http-port", httpPort, -1, 65535, "-1 to disable, or 0 to 65535");
        Usage.range(spec, "--budget-mib", budgetMib, 1, MAX_MIB, "1 to " + MAX_MIB);
        Usage.range(
                spec,
                "--max-message-kib",
                maxMessageKib,
                1,
                MAX_MESSAGE_KIB,
                "1 to " + MAX_MESSAGE_KIB
                        + ": a delivered message, 8 bytes larger, must fit in the 16 MiB a consumer accepts");
        Usage.range(spec, "--topic-buffer-kib", topicBufferKib, 1, MAX_KIB, "1 to " + MAX_KIB);
        Usage.range(spec, "--subscription-queue-kib", subscriptionQueueKib, 1, MAX_KIB, "1 to " + MAX_KIB);
        long largest = maxMessageKib * 1024L + BrokerProtocol.HEADER_BYTES;
        String largestText = "one largest message (" + maxMessageKib + " KiB + " + BrokerProtocol.HEADER_BYTES
                + " bytes of sequence header)";
        if (topicBufferKib * 1024 < largest) {
            throw Usage.error(
                    spec,
                    "--topic-buffer-kib",
                    topicBufferKib + " KiB is less than " + largestText
                            + ": a largest message could never be buffered (expected: >= " + (maxMessageKib + 1)
                            + ", or a smaller --max-message-kib)");
        }
        if (subscriptionQueueKib * 1024 < largest) {
            throw Usage.error(
                    spec,
                    "--subscription-queue-kib",
                    subscriptionQueueKib + " KiB is less than "
                            + largestText + ": a largest message could never be queued (expected: >= "
                            + (maxMessageKib + 1)
                            + ", or a smaller --max-message-kib)");
        }
        if (budgetMib << 20 < largest) {
            throw Usage.error(
                    spec,
                    "--budget-mib",
                    budgetMib + " MiB is less than " + largestText
                            + ": a largest message could never be buffered (expected: more, or a smaller --max-message-kib)");
        }
        Duration stall = disconnectStall;
        if (disconnectStallMillis != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--disconnect-stall")) {
                throw Usage.error(
                        spec,
                        "--disconnect-stall-ms",
                        "given with --disconnect-stall (expected: one of "
                                + "them; --disconnect-stall takes units, as in 5s)");
            }
            stall = disconnectStallMillis;
        }
        if (stall.isZero()) {
            throw Usage.error(spec, "--disconnect-stall", "0s (expected: > 0)");
        }
        Duration drain = grace;
        if (graceMillis != null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--grace")) {
                throw Usage.error(
                        spec,
                        "--grace-ms",
                        "given with --grace (expected: one of them; --grace takes " + "units, as in 10s)");
            }
            drain = graceMillis;
        }
        if (authFile != null) {
            Usage.readableFile(spec, "--auth-file", authFile);
        }
        BrokerConfig.Builder b = BrokerConfig.builder()
                .host(host)
                .port(port)
                .httpPort(httpPort)
                .budgetBytes(budgetMib << 20)
                .maxMessageBytes(maxMessageKib * 1024)
                .topicBuffer(topicBufferKib << 10, 10_000)
                .subscriptionQueue(subscriptionQueueKib << 10, 10_000)
                .disconnectStall(stall)
                .httpPauseInsteadOfReject(httpPause)
                .shutdownGrace(drain);
        if (authFile != null) {
            b.authFile(authFile);
        }
        if (quotaBytesPerSecond < 0) {
            throw Usage.error(spec, "--quota-bytes-per-second", quotaBytesPerSecond + " (expected: > 0)");
        }
        if (quotaMessagesPerSecond < 0) {
            throw Usage.error(spec, "--quota-messages-per-second", quotaMessagesPerSecond + " (expected: > 0)");
        }
        b.defaultQuota(new Quota(quotaBytesPerSecond, quotaMessagesPerSecond));
        if (dataDir != null) {
            b.dataDir(dataDir.toAbsolutePath().normalize());
        }
        if (kafkaBootstrap != null) {
            if (dataDir != null) {
                throw Usage.error(
                        spec,
                        "--kafka-bootstrap",
                        "given with --data-dir (expected: one of them: topics "
                                + "live in Kafka or in the broker's own log)");
            }
            try {
                b.topicBackend(KafkaGateway.factory(KafkaGatewayConfig.builder(kafkaBootstrap)
                        .partitions(kafkaPartitions)
                        .replicationFactor(kafkaReplication)
                        .build()));
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, "--kafka-bootstrap", e.getMessage());
            }
        }
        b.fsync(fsync).diskPolicy(diskPolicy);
        try {
            b.logMaxBytes(logMaxBytes);
        } catch (IllegalArgumentException e) {
            throw Usage.error(spec, "--log-max-bytes", e.getMessage());
        }
        b.logTotalMaxBytes(logTotalMaxBytes);
        TlsOptions tls = tls();
        if (tls != null) {
            b.tls(tls);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            // A relation the checks above do not know about (the broker's own, stricter, rules).
            throw Usage.error(spec, "broker", e.getMessage());
        }
    }

    private TlsOptions tls() {
        if (tlsCert == null && tlsKey == null) {
            if (tlsTrust != null) {
                throw Usage.error(spec, "--tls-trust", "needs --tls-cert and --tls-key (the broker's own certificate)");
            }
            if (tlsClientAuth) {
                throw Usage.error(spec, "--tls-client-auth", "needs --tls-cert, --tls-key and --tls-trust");
            }
            return null;
        }
        if (tlsClientAuth && tlsTrust == null) {
            throw Usage.error(
                    spec,
                    "--tls-client-auth",
                    "needs --tls-trust FILE (the CAs client certificates must " + "chain to)");
        }
        TlsOptions.Builder tb = TlsOptions.builder();
        TlsFiles.identity(spec, tb, tlsCert, tlsKey);
        TlsFiles.trust(spec, tb, tlsTrust);
        return tb.requireClientAuth(tlsClientAuth).build();
    }

    @Override
    public Integer call() {
        BrokerConfig config = config();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Duration drain = config.shutdownGrace();
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            Broker broker;
            try {
                broker = Broker.start(config);
            } catch (IllegalArgumentException e) {
                // A mistake in the auth file (the message names the file and line), or a setting the
                // transport refuses.
                String m = e.getMessage();
                boolean inFile = authFile != null && m.contains(authFile.toString());
                throw Usage.error(spec, inFile ? "--auth-file" : "broker", m);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                // The auth file cannot be read (UncheckedIOException), a port is taken (Netty's IOException,
                // thrown unchecked), ...: one line, exit 1.
                err.printf(
                        "broker: cannot start on %s, port %d, http port %d: %s%n",
                        host, port, httpPort, e.getMessage() != null ? e.getMessage() : e.toString());
                return 1;
            }
            out.printf(
                    "broker listening on %s:%d, http %s; budget %s; auth %s; %s%n",
                    host,
                    broker.port(),
                    broker.httpPort() < 0 ? "off" : host + ":" + broker.httpPort(),
                    Fmt.bytes(config.budgetBytes()),
                    authFile == null ? "off" : authFile,
                    TlsFiles.describe(config.tls()));
            if (broker.httpPort() >= 0) {
                out.printf(
                        "dashboard at http://%s:%d/%s%n",
                        host,
                        broker.httpPort(),
                        config.defaultQuota().isUnlimited()
                                ? ""
                                : "; default produce quota "
                                        + (config.defaultQuota().bytesPerSecond() > 0
                                                ? Fmt.bytes(config.defaultQuota()
                                                                .bytesPerSecond()) + "/s "
                                                : "")
                                        + (config.defaultQuota().messagesPerSecond() > 0
                                                ? config.defaultQuota().messagesPerSecond() + " msg/s"
                                                : ""));
            }
            if (kafkaBootstrap != null) {
                out.printf(
                        "topics in Apache Kafka at %s (a stateless credit gateway; %d partitions per new topic)%n",
                        kafkaBootstrap, kafkaPartitions);
            }
            if (config.dataDir() != null) {
                out.printf(
                        "durable topics in %s; fsync %s; log max %s per topic, %s in total; disk policy %s%n",
                        config.dataDir(),
                        config.fsync(),
                        Fmt.bytes(config.logMaxBytes()),
                        config.logTotalMaxBytes() > 0 ? Fmt.bytes(config.logTotalMaxBytes()) : "no bound",
                        config.diskPolicy().label());
            }
            out.flush();
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(
                            () -> {
                                out.printf("shutting down: draining for up to %s%n", DurationConverter.format(drain));
                                out.flush();
                                try {
                                    broker.shutdown(drain)
                                            .toCompletableFuture()
                                            .get(drain.toMillis() + 5000, TimeUnit.MILLISECONDS);
                                } catch (Exception e) {
                                    out.println("shutdown: " + e);
                                }
                                out.println(
                                        broker.isDrained()
                                                ? "drained: nothing left buffered"
                                                : "closed with data left");
                                out.flush();
                                stopped.countDown();
                            },
                            "broker-shutdown"));
            for (int t = 1; !stopped.await(1, TimeUnit.SECONDS); t++) {
                for (TopicStats s : broker.stats()) {
                    StringBuilder subs = new StringBuilder();
                    for (TopicStats.SubscriptionStats sub : s.subscriptions()) {
                        subs.append(String.format(
                                " | %s(%s) q=%,d drop=%,d",
                                sub.name(), sub.policy().label(), sub.depthMessages(), sub.droppedMessages()));
                    }
                    out.printf(
                            "%4ds %s: published %,d, depth %,d, producers %d%s; buffered %s%n",
                            t,
                            s.name(),
                            s.publishedMessages(),
                            s.depthMessages(),
                            s.producers(),
                            subs,
                            Fmt.bytes(broker.budget().reservedBytes()));
                }
                if (broker.backend() instanceof KafkaGateway g) {
                    KafkaGatewayStats ks = g.stats();
                    out.printf(
                            "%4ds kafka: acknowledged %,d, in flight %,d (%s), producers %d, held %s%s%n",
                            t,
                            ks.acknowledgedRecords(),
                            ks.inFlightRecords(),
                            Fmt.bytes(ks.inFlightBytes()),
                            ks.producers(),
                            ks.held(),
                            ks.holdReason().isEmpty() ? "" : " (" + ks.holdReason() + ")");
                    for (KafkaGatewayStats.SubscriptionStats sub : ks.subscriptions()) {
                        out.printf(
                                "      %s/%s: delivered %,d, read-ahead %s, %s, %d partitions here%n",
                                sub.topic(),
                                sub.name(),
                                sub.delivered(),
                                Fmt.bytes(sub.readAheadBytes()),
                                sub.paused() ? "paused" : "fetching",
                                sub.assignedPartitions());
                    }
                }
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
