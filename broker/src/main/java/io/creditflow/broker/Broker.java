package io.creditflow.broker;

import io.creditflow.log.AppendRecord;
import io.creditflow.log.DiskTotal;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.server.Server;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamRejectedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The demo broker: producers publish to topics, subscriptions fan messages out or share them in
 * consumer groups, and a slow consumer can never grow the broker's memory without bound. Built only on
 * the public creditflow API ({@link Server}, {@code Stream}, {@code PullListener}).
 *
 * <p>Memory: every message byte held by the broker (topic buffers and subscription queues) is charged
 * to one {@link MemoryBudget} of {@link BrokerConfig#budgetBytes()}; the transport's receive windows
 * are bounded separately by the server's own budget.
 *
 * <p>Authentication and authorization: with {@link BrokerConfig#authFile()} every client must present a
 * known token as its handshake credential (else AUTHENTICATION_FAILED), and each stream needs the
 * produce or consume permission for its topic: a denied open is reset with PERMISSION_DENIED, the
 * connection stays up. The same tokens and permissions apply at the HTTP edge.
 *
 * <p>Durable topics: with {@link BrokerConfig#dataDir()} every topic is a {@link LogTopic}, its backlog in a
 * log on disk and its subscriptions cursors ({@link SubscriptionPolicy#LOG}); every topic folder under the data
 * dir is opened (recovered) at start, and the logs are closed on close and at the end of a shutdown.
 *
 * <p>Thread-safe. Work happens on the transport's event loops (under per-topic locks) and on one
 * broker timer thread (catch-up, DISCONNECT stall checks, rates, HTTP retries).
 */
public final class Broker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Broker.class.getName());

    private final BrokerConfig config;
    /** Null without an auth file: everything is allowed. */
    private final AccessControl access;

    private final MemoryBudget budget;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    /** The durable topics (only with a data dir; then {@link #topics} stays empty). */
    private final Map<String, LogTopic> logTopics = new ConcurrentHashMap<>();
    /** Dashboard sources at most ({@link #addDashboardSource}): each is asked for its boxes every second. */
    static final int MAX_DASHBOARD_SOURCES = 64;
    /** What the durable topics' logs hold on disk together, and its bound ({@link BrokerConfig#logTotalMaxBytes()}). */
    private final DiskTotal diskTotal;

    private final ScheduledExecutorService timer;
    private final Server server;
    private final HttpEdge http;
    /** Where topics live with {@link BrokerConfig#topicBackend()}, else null. */
    private final TopicBackend backend;

    private volatile boolean shuttingDown;
    /** Produce quotas by principal ("" without an auth file); bounded by the auth file's principals plus one. */
    private final Map<String, ProduceQuota> quotas = new ConcurrentHashMap<>();
    /** Topics with a quota wake-up scheduled (one pending per topic). */
    private final java.util.Set<TopicEndpoint> quotaWakeups = ConcurrentHashMap.newKeySet();

    private final Dashboard dashboard;
    private final List<DashboardSource> dashboardSources = new java.util.concurrent.CopyOnWriteArrayList<>();

    private Broker(BrokerConfig config) throws InterruptedException {
        this.config = config;
        this.access = config.authFile() == null ? null : AccessControl.load(config.authFile());
        this.diskTotal =
                config.logTotalMaxBytes() > 0 ? new DiskTotal(config.logTotalMaxBytes()) : DiskTotal.unbounded();
        this.budget = MemoryBudget.ofBytes(config.budgetBytes()); // before the topics: their tail caches reserve in it
        if (config.dataDir() != null) {
            openExistingTopics(config.dataDir());
        }
        this.backend = config.topicBackend() == null
                ? null
                : config.topicBackend().create(new TopicBackend.Context() {
                    @Override
                    public BrokerConfig config() {
                        return config;
                    }

                    @Override
                    public MemoryBudget budget() {
                        return budget;
                    }
                });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "creditflow-broker-timer");
            t.setDaemon(true);
            return t;
        });
        Server.Builder sb = Server.builder()
                .host(config.host())
                .port(config.port())
                .streamWindowBytes(config.producerWindowBytes())
                // Fixed windows: producerWindowBytes is a bound the topic policies rely on (block holds producers
                // at it, inside the broker budget); a window grown to the path's BDP would take that budget from
                // the subscription queues. Clients keep adaptive windows.
                .adaptiveWindows(false)
                .writeStallTimeout(config.writeStallTimeout())
                .maxMessageBytes(config.maxMessageBytes())
                .streamHandler(this::route);
        if (config.tls() != null) {
            sb.tls(config.tls());
        }
        if (config.ioThreads() > 0) {
            sb.ioThreads(config.ioThreads());
        }
        if (access != null) {
            // An unknown (or missing) token refuses the connection with AUTHENTICATION_FAILED.
            sb.authenticator(
                    (credential, remote) -> access.principalForToken(new String(credential, StandardCharsets.UTF_8)));
        }
        try {
            this.server = sb.build().start();
        } catch (RuntimeException | InterruptedException e) {
            closeLogs();
            if (backend != null) {
                backend.close();
            }
            throw e;
        }
        long tickNanos = config.tickInterval().toNanos();
        timer.scheduleAtFixedRate(this::tick, tickNanos, tickNanos, TimeUnit.NANOSECONDS);
        this.dashboard = new Dashboard(this, config);
        this.http = config.httpPort() >= 0 ? HttpEdge.start(this, config) : null;
        timer.scheduleAtFixedRate(dashboard::sample, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Starts a broker: reads the auth file if configured, binds the creditflow port and, unless
     * disabled, the HTTP port.
     *
     * @throws java.io.UncheckedIOException if the auth file cannot be read
     * @throws IllegalArgumentException if the auth file has a mistake (the message names the line)
     */
    public static Broker start(BrokerConfig config) throws InterruptedException {
        return new Broker(config);
    }

    /** Opens every topic folder under the data dir, so that cursors and data survive restarts. */
    private void openExistingTopics(Path dir) {
        try {
            Files.createDirectories(dir);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    try {
                        BrokerProtocol.checkTopic(name);
                    } catch (IllegalArgumentException e) {
                        LOG.log(System.Logger.Level.WARNING, "ignoring " + p + " in the data dir: not a topic name");
                        continue;
                    }
                    logTopics.put(name, LogTopic.open(this, name, config, p));
                }
            }
        } catch (IOException e) {
            closeLogs();
            throw new UncheckedIOException("cannot open the topic logs in " + dir + ": " + e.getMessage(), e);
        }
    }

    private StreamListener route(Stream stream) {
        Map<String, String> md = stream.metadata();
        String role = md.getOrDefault(BrokerProtocol.ROLE, "");
        try {
            if (shuttingDown) {
                return null; // refused: retryable on another broker
            }
            String topicName = BrokerProtocol.checkTopic(md.get(BrokerProtocol.TOPIC));
            AccessControl.Action action = BrokerProtocol.PRODUCE.equals(role)
                    ? AccessControl.Action.PRODUCE
                    : BrokerProtocol.CONSUME.equals(role) ? AccessControl.Action.CONSUME : null;
            if (action == null) {
                throw new IllegalArgumentException("role: '" + role + "' (expected: produce or consume)");
            }
            if (access != null) {
                String principal = stream.connection().principal();
                if (!access.allows(principal, action, topicName)) {
                    // A stream error: this open fails, the connection and its other streams go on. Checked
                    // before the topic is looked up, so a denied open creates nothing.
                    throw new StreamRejectedException(
                            ErrorCode.PERMISSION_DENIED, AccessControl.denial(principal, action, topicName));
                }
            }
            if (!hasRoomForTopic(topicName)) {
                throw new StreamRejectedException(
                        ErrorCode.REFUSED_STREAM, "the broker has its maximum of " + config.maxTopics() + " topics");
            }
            if (backend != null) {
                return openOnBackend(stream, topicName, action);
            }
            if (action == AccessControl.Action.PRODUCE) {
                String producer = md.get(BrokerProtocol.PRODUCER);
                String sequence = md.get(BrokerProtocol.SEQUENCE);
                String acks = md.get(BrokerProtocol.ACKS);
                ProducerLink link = new ProducerLink(
                        endpoint(topicName),
                        producer == null ? AppendRecord.NO_PRODUCER : BrokerProtocol.producerId(producer),
                        sequence == null ? 0 : BrokerProtocol.parseSequence(sequence),
                        acks != null && BrokerProtocol.parseAcks(acks));
                link.quota = quota(stream.connection().principal());
                return link;
            }
            String subscription = BrokerProtocol.checkSubscription(md.get(BrokerProtocol.SUBSCRIPTION));
            String policyText = md.get(BrokerProtocol.POLICY);
            SubscriptionPolicy policy = policyText == null ? null : SubscriptionPolicy.parse(policyText);
            String fromText = md.get(BrokerProtocol.FROM);
            BrokerProtocol.From from = fromText == null ? null : BrokerProtocol.From.parse(fromText);
            if (!isDurable() && policy == SubscriptionPolicy.LOG) {
                throw new IllegalArgumentException(
                        "policy: log needs a durable topic (start the broker with a data " + "dir, --data-dir)");
            }
            if (!isDurable() && from != null) {
                throw new IllegalArgumentException("from: " + fromText + " needs a durable topic (start the broker "
                        + "with a data dir, --data-dir)");
            }
            int delivered = config.maxMessageBytes() + BrokerProtocol.HEADER_BYTES;
            int accepted = stream.connection().peerMaxMessageBytes();
            if (accepted < delivered) {
                if (!isDurable()) {
                    topic(topicName).countRefusedConsumer();
                }
                // Refused here, not discovered at the first large message: then it would be this consumer's
                // problem alone anyway (Subscription.deliver), but the client learns why at once.
                throw new StreamRejectedException(
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "this consumer accepts messages of "
                                + "at most " + accepted + " bytes (its max_message_bytes); the broker delivers up to "
                                + delivered + " (max_message_bytes " + config.maxMessageBytes()
                                + " plus the 8-byte sequence header): announce max_message_bytes >= " + delivered);
            }
            return new ConsumerLink(endpoint(topicName), subscription, policy, from);
        } catch (IllegalArgumentException e) {
            // The request is wrong, not the protocol: an application code the client can act on.
            throw new StreamRejectedException(ErrorCode.INVALID_ARGUMENT, "bad stream metadata: " + e.getMessage());
        }
    }

    /** A stream of a broker with a {@link TopicBackend}: the metadata checked here, the stream served there. */
    private StreamListener openOnBackend(Stream stream, String topicName, AccessControl.Action action) {
        Map<String, String> md = stream.metadata();
        if (action == AccessControl.Action.PRODUCE) {
            String producer = md.get(BrokerProtocol.PRODUCER);
            if (producer != null) {
                BrokerProtocol.producerId(producer); // checks the name
            }
            String sequence = md.get(BrokerProtocol.SEQUENCE);
            String acks = md.get(BrokerProtocol.ACKS);
            return backend.openProducer(new TopicBackend.ProducerRequest(
                    topicName,
                    producer,
                    sequence == null ? 0 : BrokerProtocol.parseSequence(sequence),
                    acks != null && BrokerProtocol.parseAcks(acks)));
        }
        String subscription = BrokerProtocol.checkSubscription(md.get(BrokerProtocol.SUBSCRIPTION));
        String policyText = md.get(BrokerProtocol.POLICY);
        if (policyText != null && SubscriptionPolicy.parse(policyText) != SubscriptionPolicy.LOG) {
            throw new IllegalArgumentException("policy: " + policyText + " (expected: log; topics live in "
                    + "the broker's topic backend, subscriptions are its cursors)");
        }
        String fromText = md.get(BrokerProtocol.FROM);
        BrokerProtocol.From from = fromText == null ? null : BrokerProtocol.From.parse(fromText);
        int delivered = config.maxMessageBytes() + BrokerProtocol.HEADER_BYTES;
        int accepted = stream.connection().peerMaxMessageBytes();
        if (accepted < delivered) {
            throw new StreamRejectedException(
                    ErrorCode.MESSAGE_TOO_LARGE,
                    "this consumer accepts messages of "
                            + "at most " + accepted + " bytes (its max_message_bytes); the broker delivers up to "
                            + delivered + ": announce max_message_bytes >= " + delivered);
        }
        return backend.openConsumer(new TopicBackend.ConsumerRequest(topicName, subscription, from));
    }

    /** The topic backend, or null if topics are the broker's own. */
    public TopicBackend backend() {
        return backend;
    }

    /** The topic of that name, created on first use. */
    Topic topic(String name) {
        return topics.computeIfAbsent(name, n -> new Topic(this, n, config, budget));
    }

    /** True with a data dir: every topic is a durable {@link LogTopic}. */
    boolean isDurable() {
        return config.dataDir() != null;
    }

    /** What streams of topic {@code name} attach to: its log with a data dir, else its in-memory topic. */
    TopicEndpoint endpoint(String name) {
        return isDurable() ? logTopic(name) : topic(name);
    }

    /** The durable topic of that name, its log opened (recovered) on first use. */
    LogTopic logTopic(String name) {
        return logTopics.computeIfAbsent(name, n -> {
            try {
                return LogTopic.open(this, n, config, config.dataDir().resolve(n));
            } catch (IOException e) {
                throw new StreamRejectedException(
                        ErrorCode.INTERNAL_ERROR, "cannot open the log of topic '" + n + "': " + e.getMessage());
            }
        });
    }

    /** The durable topics' logs together on disk: every topic log is opened sharing it. */
    DiskTotal diskTotal() {
        return diskTotal;
    }

    /**
     * Makes room under the broker-wide total for {@code bytesNeeded} in topic {@code held}'s log by deleting the
     * other topics' segments that every one of their cursors has passed (lossless); false if that is not enough.
     */
    boolean reclaimForTotal(long bytesNeeded, LogTopic held) {
        if (!diskTotal.isBounded()) {
            return false;
        }
        for (LogTopic t : logTopics.values()) {
            if (diskTotal.usedBytes() + bytesNeeded <= diskTotal.maxBytes()) {
                return true;
            }
            if (t != held && t.reclaimForTotal(bytesNeeded)) {
                return true;
            }
        }
        return diskTotal.usedBytes() + bytesNeeded <= diskTotal.maxBytes();
    }

    /**
     * The produce quota of {@code principal} (null or "" without an auth file), or null if it has no limit: its
     * auth-file {@code quota} line, else the file's {@code quota *} line, else {@link BrokerConfig#defaultQuota()}.
     */
    ProduceQuota quota(String principal) {
        String who = principal == null ? "" : principal;
        ProduceQuota q = quotas.get(who);
        if (q != null) {
            return q;
        }
        Quota limits = access == null ? null : access.quotaFor(who);
        if (limits == null) {
            limits = config.defaultQuota();
        }
        if (limits.isUnlimited()) {
            return null;
        }
        Quota l = limits;
        return quotas.computeIfAbsent(who, w -> new ProduceQuota(w, l, System.nanoTime()));
    }

    /** Every principal's quota figures, by principal. */
    public List<QuotaStats> quotaStats() {
        long now = System.nanoTime();
        return quotas.values().stream()
                .map(q -> q.stats(now))
                .sorted((a, b) -> a.principal().compareTo(b.principal()))
                .toList();
    }

    /** Pumps {@code topic} again in {@code nanos} (a producer waits for quota tokens); one wake-up per topic. */
    void pumpAfterQuota(TopicEndpoint topic, long nanos) {
        if (quotaWakeups.add(topic)) {
            try {
                timer.schedule(
                        () -> {
                            quotaWakeups.remove(topic);
                            topic.pump();
                        },
                        Math.min(nanos, config.tickInterval().toNanos()),
                        TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                quotaWakeups.remove(topic); // closing
            }
        }
    }

    /** The tokens and permissions from the auth file, or null without one. */
    AccessControl access() {
        return access;
    }

    /** False if publishing to {@code topic} would create a topic beyond {@link BrokerConfig#maxTopics()}. */
    boolean hasRoomForTopic(String topic) {
        if (backend != null) {
            return true; // the backend's cluster holds the topics and bounds them
        }
        if (isDurable()) {
            return logTopics.containsKey(topic) || logTopics.size() < config.maxTopics();
        }
        return topics.containsKey(topic) || topics.size() < config.maxTopics();
    }

    /** Publishes through the same path as the HTTP edge (for embedding and tests). */
    Topic.PublishOutcome publish(String topic, byte[] payload) {
        String name = BrokerProtocol.checkTopic(topic);
        return isDurable() ? logTopic(name).tryPublish(payload) : topic(name).tryPublish(payload);
    }

    void pumpLater(Topic topic) {
        timer.execute(topic::pump);
    }

    void runLater(Runnable r) {
        timer.execute(r);
    }

    private void tick() {
        long now = System.nanoTime();
        for (Topic t : topics.values()) {
            try {
                t.tick(now);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "topic " + t.name + " tick failed", e);
            }
        }
        for (LogTopic t : logTopics.values()) {
            try {
                t.tick(now);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "topic " + t.name + " tick failed", e);
            }
        }
    }

    public int port() {
        return server.port();
    }

    /** The HTTP edge's port, or -1 if it is disabled. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    public BrokerConfig config() {
        return config;
    }

    /** The broker-wide budget: every message byte the broker holds is reserved here. */
    public MemoryBudget budget() {
        return budget;
    }

    /** The transport connections (producers and consumers), for their figures. */
    public java.util.Set<? extends io.creditflow.transport.Connection> connections() {
        return server.connections();
    }

    /** The transport's receive budget (producer windows). */
    public MemoryBudget transportBudget() {
        return server.memoryBudget();
    }

    public List<TopicStats> stats() {
        return java.util.stream.Stream.concat(
                        topics.values().stream().map(Topic::stats),
                        logTopics.values().stream().map(LogTopic::stats))
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    /** The durable topics' figures (empty without a data dir). */
    public List<LogTopicStats> logStats() {
        return logTopics.values().stream()
                .map(LogTopic::logStats)
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    /** The Prometheus text exposition of every figure (what {@code GET /metrics} returns). */
    public String metrics() {
        return Metrics.render(snapshot());
    }

    /** Every figure now, in one snapshot: what {@code /metrics} renders and the dashboard draws. */
    public BrokerSnapshot snapshot() {
        long now = System.nanoTime();
        List<TopicStats> topicStats = stats();
        List<LogTopicStats> logs = logStats();
        java.util.ArrayList<DashboardBox> extra = new java.util.ArrayList<>();
        for (DashboardSource source : dashboardSources) {
            try {
                List<DashboardBox> boxes = source.boxes();
                if (boxes != null) {
                    extra.addAll(boxes);
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "dashboard source " + source + " failed", e);
            }
        }
        return new BrokerSnapshot(
                now,
                budget.reservedBytes(),
                budget.peakReservedBytes(),
                budget.limitBytes(),
                transportBudget().reservedBytes(),
                java.lang.management.ManagementFactory.getMemoryMXBean()
                        .getHeapMemoryUsage()
                        .getUsed(),
                ((io.netty.buffer.ByteBufAllocatorMetricProvider) io.netty.buffer.ByteBufAllocator.DEFAULT)
                        .metric()
                        .usedDirectMemory(),
                topicStats,
                logs,
                quotaStats(),
                http == null ? null : http.stats(),
                List.copyOf(extra),
                backend() == null ? List.of() : backend().metrics());
    }

    /**
     * Adds boxes to the dashboard ({@code GET /}) and to {@code /metrics}: {@code source} is asked for its boxes
     * once a second and at every scrape (see {@link DashboardSource}). The pipeline adds its workers and its
     * database this way. Sources are drawn after the broker's own boxes, in the order they were added.
     */
    public void addDashboardSource(DashboardSource source) {
        java.util.Objects.requireNonNull(source, "source");
        if (dashboardSources.size() >= MAX_DASHBOARD_SOURCES) {
            throw new IllegalStateException("dashboard sources: at most " + MAX_DASHBOARD_SOURCES);
        }
        dashboardSources.add(source);
    }

    /** Removes a source added with {@link #addDashboardSource}; false if it was not there. */
    public boolean removeDashboardSource(DashboardSource source) {
        return dashboardSources.remove(source);
    }

    Dashboard dashboard() {
        return dashboard;
    }

    /**
     * The boxes of the dashboard's last sample (taken once a second), as the page at {@code GET /} draws them now,
     * stall reasons and states included; empty before the first sample.
     */
    public List<DashboardBox> dashboardBoxes() {
        return dashboard.rows().stream().map(Dashboard.Row::box).toList();
    }

    /** Sends a dashboard event to the live connections (no-op without the HTTP edge). */
    void broadcastDashboard(String event) {
        if (http != null) {
            http.broadcast(event);
        }
    }

    /**
     * Graceful shutdown (what SIGTERM does): the HTTP edge refuses publishes (503) and reports unhealthy,
     * new streams are refused, GOAWAY goes to
     * every connection, buffered messages keep flowing to consumers, who get a half-close once their
     * subscription is drained; after {@code grace} whatever is left is closed.
     */
    public CompletionStage<Void> shutdown(Duration grace) {
        shuttingDown = true;
        if (http != null) {
            http.startDraining(); // /health answers 503 and publishes are refused while we drain
        }
        for (Topic t : topics.values()) {
            t.startDraining();
        }
        for (LogTopic t : logTopics.values()) {
            t.startDraining();
        }
        if (backend != null) {
            backend.startDraining();
        }
        return server.shutdown(grace).whenComplete((v, e) -> {
            timer.shutdownNow();
            if (http != null) {
                http.close();
            }
            closeLogs();
            if (backend != null) {
                backend.close();
            }
        });
    }

    /** Closes at once. */
    @Override
    public void close() {
        shuttingDown = true;
        if (http != null) {
            http.close();
        }
        timer.shutdownNow();
        server.close();
        closeLogs();
        if (backend != null) {
            backend.close();
        }
    }

    /** Commits what consumers consumed and closes every topic log (flushing the cursors). */
    private void closeLogs() {
        for (LogTopic t : logTopics.values()) {
            t.close();
        }
    }

    /** True once every topic buffer and subscription queue is empty. */
    public boolean isDrained() {
        return (backend == null || backend.isDrained())
                && topics.values().stream().allMatch(Topic::isDrained)
                && logTopics.values().stream().allMatch(LogTopic::isDrained);
    }
}
