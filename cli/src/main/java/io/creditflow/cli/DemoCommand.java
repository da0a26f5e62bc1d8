package io.creditflow.cli;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.LogTopicStats;
import io.creditflow.broker.SubscriptionPolicy;
import io.creditflow.broker.TopicStats;
import io.creditflow.client.Client;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main demo: an embedded broker, one producer at full speed, one fast and one slow consumer; a table
 * once a second shows the pressure travel from the slow consumer back to the producer, and a summary
 * accounts for every message.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Broker + producer + fast and slow consumer; watch the pressure travel, once a second.")
final class DemoCommand implements Runnable {
    /** The embedded broker's largest message: BrokerConfig's default (a test checks they agree). */
    static final int MAX_SIZE = 256 * 1024;
    /** The producer's default rate with {@code --policy log}. */
    static final int LOG_DEFAULT_RATE = 20_000;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--policy",
            defaultValue = "log",
            converter = PolicyConverter.class,
            completionCandidates = PolicyConverter.class,
            description = "The slow subscription's policy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: the "
                    + "topic is a log on disk, in a new temporary folder deleted at exit; every subscription is a "
                    + "cursor).")
    SubscriptionPolicy policy;

    @Option(
            names = "--rate",
            paramLabel = "MSGS_PER_S",
            description = "The producer's messages per second "
                    + "(default: full speed; with --policy log " + LOG_DEFAULT_RATE + ", so that 30 s stay well under "
                    + "--log-max-mib: at full speed the log would fill it within seconds and then hold the producer).")
    Double rate;

    @Option(
            names = "--log-max-mib",
            description = "With --policy log: the topic log's bound on disk, MiB; when full "
                    + "the producer is held (disk policy block) (default: ${DEFAULT-VALUE}).")
    long logMaxMib = 1024;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long to run before the summary (15, 15s, 1.5s, 2m, ...; default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(names = "--slow-rate", description = "The slow consumer's messages per second (default: ${DEFAULT-VALUE}).")
    double slowRate = 100;

    @Option(
            names = "--size",
            description = "Payload bytes per message, 8 to " + MAX_SIZE + " (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(names = "--budget-mib", description = "Broker buffer budget in MiB (default: ${DEFAULT-VALUE}).")
    long budgetMib = 64;

    @Option(
            names = "--kafka",
            description = "Run the demo over Apache Kafka: a single-node Kafka broker in a child JVM "
                    + "(as kafka-dev, temporary data) and the broker as a credit gateway in front of it (docs/kafka.md); the "
                    + "slow subscription's policy is log.")
    boolean kafka;

    @Option(
            names = "--json",
            description = "Print the summary as one JSON object on stdout (the table goes to stderr).")
    boolean json;

    private final AtomicBoolean producing = new AtomicBoolean(true);
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong produced = new AtomicLong();
    private final Party fast = new Party();
    private final Party slow = new Party();

    /** One consumer's counters. */
    private static final class Party {
        final AtomicLong delivered = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong outOfOrder = new AtomicLong();
        volatile long lastSequence = -1;
        volatile boolean evicted;
        volatile String closeReason = "";
        volatile boolean fullSpeed;
        /** When it had every message produced, after the producer stopped; 0 before. */
        volatile long caughtUpNanos;

        volatile Stream stream;
    }

    private void validate() {
        if (!(slowRate > 0) || Double.isInfinite(slowRate)) {
            throw Usage.error(spec, "--slow-rate", slowRate + " (expected: > 0 messages per second)");
        }
        Usage.range(
                spec,
                "--size",
                size,
                8,
                MAX_SIZE,
                "8 to " + MAX_SIZE + " bytes: the first 8 carry a " + "sequence number; the demo broker takes at most "
                        + MAX_SIZE);
        Usage.range(spec, "--budget-mib", budgetMib, 1, Long.MAX_VALUE >> 20, "1 to " + (Long.MAX_VALUE >> 20));
        Usage.range(spec, "--log-max-mib", logMaxMib, 1, Long.MAX_VALUE >> 20, "1 to " + (Long.MAX_VALUE >> 20));
        if (rate != null) {
            Usage.rate(spec, "--rate", rate);
        }
    }

    @Override
    public void run() {
        validate();
        SubscriptionPolicy slowPolicy = policy;
        PrintStream table = json ? System.err : System.out;
        boolean durable = slowPolicy == SubscriptionPolicy.LOG;
        double producerRate = rate != null ? rate : durable ? LOG_DEFAULT_RATE : 0;
        java.nio.file.Path dataDir = null;
        BrokerConfig.Builder cb = BrokerConfig.builder().port(0).httpPort(-1).budgetBytes(budgetMib << 20);
        KafkaDevCommand.KafkaProcess kafkaProcess = null;
        if (kafka) {
            if (!durable) {
                throw Usage.error(
                        spec,
                        "--kafka",
                        "with --policy " + slowPolicy.label() + " (expected: --policy log: "
                                + "on Kafka the backlog is Kafka's, subscriptions are consumer groups)");
            }
            try {
                dataDir = java.nio.file.Files.createTempDirectory("creditflow-demo-kafka-");
                kafkaProcess = KafkaDevCommand.KafkaProcess.start(
                        KafkaDevCommand.kafkaLib(null), dataDir, freePort(), freePort(), dataDir.resolve("kafka.log"));
            } catch (Exception e) {
                if (dataDir != null) {
                    deleteTree(dataDir);
                }
                throw new IllegalStateException("demo: cannot start Kafka: " + e.getMessage(), e);
            }
            cb.topicBackend(io.creditflow.broker.kafka.KafkaGateway.factory(
                    io.creditflow.broker.kafka.KafkaGatewayConfig.builder(kafkaProcess.bootstrap())
                            .partitions(1)
                            .build()));
        } else if (durable) {
            try {
                dataDir = java.nio.file.Files.createTempDirectory("creditflow-demo-");
            } catch (java.io.IOException e) {
                throw new IllegalStateException("demo: cannot create a temporary data folder: " + e, e);
            }
            cb.dataDir(dataDir).logMaxBytes(logMaxMib << 20);
        }
        BrokerConfig config = cb.build();
        Thread mainThread = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                mainThread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        try (Broker broker = Broker.start(config);
                Client producerClient = Client.builder().ioThreads(1).build();
                Client fastClient = Client.builder().ioThreads(1).build();
                Client slowClient = Client.builder().ioThreads(1).build()) {
            BrokerProducer producer =
                    BrokerProducer.open(producerClient.connect("127.0.0.1", broker.port()), "demo", "demo-producer", 0);
            fast.stream =
                    subscribe(fastClient, broker, "fast", durable ? SubscriptionPolicy.LOG : SubscriptionPolicy.BLOCK);
            slow.stream = subscribe(slowClient, broker, "slow", slowPolicy);
            Thread p = daemon("producer", () -> produce(producer, producerRate));
            Thread f = daemon("fast-consumer", () -> consume(fast, 0));
            Thread s = daemon("slow-consumer", () -> consume(slow, slowRate));
            f.start();
            s.start();
            p.start();

            table.printf(
                    "creditflow demo: 1 producer (%s), fast consumer, slow consumer at %.0f msg/s with "
                            + "policy %s; %d-byte messages; broker budget %s%s%n",
                    producerRate > 0 ? String.format("%,.0f msg/s", producerRate) : "full speed",
                    slowRate,
                    slowPolicy.label(),
                    size,
                    Fmt.bytes(config.budgetBytes()),
                    kafka
                            ? "; topics in Apache Kafka at " + kafkaProcess.bootstrap()
                                    + " (a child JVM, data deleted at exit)"
                            : durable
                                    ? "; topic log in " + dataDir + ", at most " + Fmt.bytes(config.logMaxBytes())
                                            + " (deleted at exit)"
                                    : "");
            table.printf(
                    "%4s | %9s %-15s | %7s %-21s | %9s %7s | %7s %7s %9s %8s %-24s | %9s %6s %6s%n",
                    "t",
                    "produce/s",
                    "stalled",
                    "topic q",
                    "topic stalled",
                    "fast/s",
                    "fast q",
                    "slow/s",
                    "slow q",
                    "slow cred",
                    "dropped",
                    "slow stalled",
                    "buffered",
                    "heapM",
                    "dirM");
            long start = System.nanoTime();
            long[] last = new long[3];
            long[] lastStall = new long[3];
            double heapPeak = 0;
            double directPeak = 0;
            long end = start + duration.toNanos();
            int t = 0;
            // A row each whole second; a partial last second (--duration 2.5s) runs without one.
            while (!stop.get() && end - start >= TimeUnit.SECONDS.toNanos(t + 1)) {
                t++;
                sleepUntil(start + TimeUnit.SECONDS.toNanos(t));
                long[] now = {produced.get(), fast.delivered.get(), slow.delivered.get()};
                TopicStats ts = topic(broker);
                TopicStats.SubscriptionStats fs = sub(ts, "fast");
                TopicStats.SubscriptionStats ss = sub(ts, "slow");
                long producerStall = producer.stream().stats().stalledNanos(StallReason.NO_PEER_CREDIT);
                long topicStall = ts == null ? 0 : ts.subscriptionFullNanos() + ts.topicFullNanos();
                long slowStall = ss == null ? 0 : ss.noConsumerCreditNanos();
                double heap = Fmt.heapMib();
                double direct = Fmt.directMib();
                if (durable) {
                    sampleLog(broker, ss);
                }
                heapPeak = Math.max(heapPeak, heap);
                directPeak = Math.max(directPeak, direct);
                table.printf(
                        "%3ds | %9s %-15s | %7s %-21s | %9s %7s | %7s %7s %9s %8s %-24s | %9s %6.0f %6.1f%n",
                        t,
                        Fmt.rate(now[0] - last[0]),
                        share("no credit", producerStall - lastStall[0]),
                        ts == null ? "-" : String.format("%,d", ts.depthMessages()),
                        share(
                                ts != null && ts.topicFullNanos() > 0 ? "topic full" : "sub full",
                                topicStall - lastStall[1]),
                        Fmt.rate(now[1] - last[1]),
                        fs == null ? "-" : String.format("%,d", fs.depthMessages()),
                        Fmt.rate(now[2] - last[2]),
                        ss == null ? (slow.evicted ? "evicted" : "-") : String.format("%,d", ss.depthMessages()),
                        ss == null ? "-" : Fmt.bytes(ss.consumerCreditBytes()),
                        ss == null ? "-" : String.format("%,d", ss.droppedMessages()),
                        share("no consumer credit", slowStall - lastStall[2]),
                        Fmt.bytes(broker.budget().reservedBytes()),
                        heap,
                        direct);
                lastStall[0] = producerStall;
                lastStall[1] = topicStall;
                lastStall[2] = slowStall;
                last = now;
            }
            if (!stop.get()) {
                sleepUntil(end);
            }
            double runSeconds = (System.nanoTime() - start) / 1e9;
            // What the whole process (broker, producer, consumers) keeps with every queue at its bound.
            double liveHeap = Fmt.liveHeapMib();
            long producedInRun = produced.get();
            long fastInRun = fast.delivered.get();
            long slowInRun = slow.delivered.get();
            TopicStats atEnd = topic(broker);
            TopicStats.SubscriptionStats slowAtEnd = sub(atEnd, "slow");
            long droppedBeforeDrain = slowAtEnd == null ? 0 : slowAtEnd.droppedMessages();

            // Drain: stop producing, let both consumers read at full speed until every message is accounted for.
            producing.set(false);
            slow.fullSpeed = true;
            long speedUpNanos = System.nanoTime();
            p.join(5000);
            producer.close();
            producer.awaitAcknowledged(producer.nextSequence() - 1, 10, TimeUnit.SECONDS);
            long drainStart = System.nanoTime();
            long dropped = droppedBeforeDrain;
            while (System.nanoTime() - drainStart < TimeUnit.SECONDS.toNanos(30)) {
                TopicStats.SubscriptionStats ss = sub(topic(broker), "slow");
                if (ss != null) {
                    dropped = ss.droppedMessages();
                }
                boolean fastDone = fast.delivered.get() >= produced.get();
                boolean slowDone = slow.evicted || slow.delivered.get() + dropped >= produced.get();
                if (durable) {
                    sampleLog(broker, ss);
                }
                if (fastDone && slowDone) {
                    break;
                }
                Thread.sleep(20);
            }
            double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
            if (durable) {
                sampleLog(broker, sub(topic(broker), "slow"));
            }
            stop.set(true);
            long total = produced.get();
            if (slow.evicted) {
                dropped = total - slow.delivered.get(); // everything after the eviction
            }
            long acknowledged = producer.acknowledgedSequence() + 1;
            // Lost: acknowledged (on a log) or sent (in memory) messages that neither consumer got nor a policy
            // dropped and counted.
            long base = durable ? acknowledged : total;
            long lost = Math.max(0, base - fast.delivered.get())
                    + fast.gaps.get()
                    + (slow.evicted ? slow.gaps.get() : Math.max(0, base - slow.delivered.get() - dropped));
            String summary = String.format(
                    Locale.ROOT,
                    "{\"policy\":\"%s\",\"duration_s\":%.1f,\"produced\":%d,"
                            + "\"delivered_fast\":%d,\"delivered_slow\":%d,\"dropped\":%d,\"lost\":%d,"
                            + "\"producer_msgs_per_s\":%.1f,\"fast_msgs_per_s\":%.1f,\"slow_msgs_per_s\":%.1f,"
                            + "\"broker_buffered_peak_bytes\":%d,\"broker_budget_bytes\":%d,\"heap_peak_mib\":%.1f,"
                            + "\"heap_live_mib\":%.1f,"
                            + "\"direct_peak_mib\":%.1f,\"slow_evicted\":%s,\"slow_gaps_seen\":%d,"
                            + "\"out_of_order\":%d,\"drain_s\":%.2f,\"message_bytes\":%d,\"slow_rate_target\":%.0f,"
                            + "\"acknowledged\":%d,\"disk_peak_bytes\":%d,\"slow_lag_peak_messages\":%d,"
                            + "\"catch_up_s\":%.2f}",
                    slowPolicy.label(),
                    runSeconds,
                    total,
                    fast.delivered.get(),
                    slow.delivered.get(),
                    dropped,
                    lost,
                    producedInRun / runSeconds,
                    fastInRun / runSeconds,
                    slowInRun / runSeconds,
                    broker.budget().peakReservedBytes(),
                    broker.budget().limitBytes(),
                    heapPeak,
                    liveHeap,
                    directPeak,
                    slow.evicted,
                    slow.gaps.get(),
                    fast.outOfOrder.get() + slow.outOfOrder.get(),
                    drainSeconds,
                    size,
                    slowRate,
                    acknowledged,
                    diskPeakBytes,
                    slowLagPeak,
                    slow.caughtUpNanos > 0 ? Math.max(0, slow.caughtUpNanos - speedUpNanos) / 1e9 : -1.0);
            if (json) {
                System.out.println(summary);
            } else {
                table.printf(
                        "%nsummary (%s): produced %,d in %.1f s (%.0f msg/s while running); fast got %,d "
                                + "(%.0f msg/s), slow got %,d (%.0f msg/s), dropped %,d%s, lost %d; broker buffered "
                                + "peak %s of a %s budget; drained the rest in %.1f s%n",
                        slowPolicy.label(),
                        total,
                        runSeconds,
                        producedInRun / runSeconds,
                        fast.delivered.get(),
                        fastInRun / runSeconds,
                        slow.delivered.get(),
                        slowInRun / runSeconds,
                        dropped,
                        slow.evicted ? " (slow consumer evicted: " + slow.closeReason + ")" : "",
                        lost,
                        Fmt.bytes(broker.budget().peakReservedBytes()),
                        Fmt.bytes(broker.budget().limitBytes()),
                        drainSeconds);
                table.println(summary);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("demo failed: " + e, e);
        } finally {
            if (kafkaProcess != null) {
                kafkaProcess.close();
            }
            if (dataDir != null) {
                deleteTree(dataDir);
            }
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down
            }
        }
    }

    private Stream subscribe(Client client, Broker broker, String name, SubscriptionPolicy p)
            throws java.io.IOException, InterruptedException {
        StreamOptions.Builder o = StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, "demo")
                .metadata(BrokerProtocol.SUBSCRIPTION, name)
                .metadata(BrokerProtocol.POLICY, p.label());
        if (kafka) {
            // A new consumer group starts where its from says: the demo's topic is new, so read it all.
            o.metadata(BrokerProtocol.FROM, "earliest");
        }
        return client.connect("127.0.0.1", broker.port()).openStream(o.build());
    }

    private void produce(BrokerProducer producer, double perSecond) {
        Pacer pacer = new Pacer(perSecond);
        long n = 0;
        while (producing.get()) {
            byte[] payload = new byte[Math.max(size, 8)];
            ByteBuffer.wrap(payload).putLong(n);
            try {
                pacer.await();
                producer.send(ByteBuffer.wrap(payload), 100, TimeUnit.MILLISECONDS);
                n++;
                produced.incrementAndGet();
            } catch (TimeoutException e) {
                // held back by the slow consumer, through the broker: the point of the demo
            } catch (InterruptedException | StreamClosedException e) {
                return;
            }
        }
    }

    private void consume(Party party, double rate) {
        Pacer pacer = new Pacer(rate);
        Stream stream = party.stream;
        while (!stop.get()) {
            try {
                if (!party.fullSpeed) {
                    pacer.await();
                }
                try (Message m = stream.poll(100, TimeUnit.MILLISECONDS)) {
                    if (m == null) {
                        continue;
                    }
                    ByteBuffer b = m.payload();
                    long seq = BrokerProtocol.sequence(b);
                    long producerSeq = BrokerProtocol.payload(b).getLong();
                    long prev = party.lastSequence;
                    if (prev >= 0 && seq != prev + 1) {
                        if (seq <= prev) {
                            party.outOfOrder.incrementAndGet();
                        } else {
                            party.gaps.addAndGet(seq - prev - 1);
                        }
                    }
                    if (producerSeq != seq) {
                        party.outOfOrder.incrementAndGet(); // one producer: topic and producer order must agree
                    }
                    party.lastSequence = seq;
                    if (party.delivered.incrementAndGet() >= produced.get()
                            && !producing.get()
                            && party.caughtUpNanos == 0) {
                        party.caughtUpNanos = System.nanoTime();
                    }
                }
            } catch (StreamClosedException e) {
                party.evicted = e.status().code() == ErrorCode.SLOW_CONSUMER;
                party.closeReason = e.status().reason();
                return;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The peaks of the topic log's size on disk and of the slow subscription's lag, sampled. */
    private long diskPeakBytes;

    private long slowLagPeak;

    private void sampleLog(Broker broker, TopicStats.SubscriptionStats slowStats) {
        for (LogTopicStats t : broker.logStats()) {
            if (t.name().equals("demo")) {
                diskPeakBytes = Math.max(diskPeakBytes, t.sizeBytes());
            }
        }
        if (slowStats != null) {
            slowLagPeak = Math.max(slowLagPeak, slowStats.depthMessages());
        }
    }

    private static int freePort() throws java.io.IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(java.nio.file.Path dir) {
        try (java.util.stream.Stream<java.nio.file.Path> paths = java.nio.file.Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("demo: could not delete " + dir + ": " + e);
        }
    }

    private static TopicStats topic(Broker broker) {
        for (TopicStats t : broker.stats()) {
            if (t.name().equals("demo")) {
                return t;
            }
        }
        return null;
    }

    private static TopicStats.SubscriptionStats sub(TopicStats t, String name) {
        if (t != null) {
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                if (s.name().equals(name)) {
                    return s;
                }
            }
        }
        return null;
    }

    /** "no credit 87%" for the share of the last second spent stalled, or "-". */
    private static String share(String reason, long stalledNanos) {
        long pct = Math.min(100, Math.round(stalledNanos / 1e7));
        return pct < 5 ? "-" : reason + " " + pct + "%";
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
