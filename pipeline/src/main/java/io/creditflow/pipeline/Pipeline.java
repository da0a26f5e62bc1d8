package io.creditflow.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.DashboardBox;
import io.creditflow.broker.DashboardSource;
import io.creditflow.broker.LogTopicStats;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.time.Duration;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One run of the pipeline of the post, end to end, in this process: the {@link LoadGenerator} posts events to the
 * broker's HTTP edge, the broker appends them to a durable topic log bounded by {@code --log-max-mib}, the
 * {@link SinkWorkers} (or, with {@code naive}, the supervised {@link NaiveSink} child) write them to the database,
 * and at {@code slowAt} for {@code slowFor} seconds another connection holds a lock the writes need
 * ({@link Database.Lock}). A row once a second; after {@code duration} the load stops, the backlog drains, and the
 * summary accounts for every event with SQL ({@link #run}).
 *
 * <p>Two tenants post events: {@value #TENANT} at {@code rate}, with no quota, and {@value #QUOTA_TENANT} at
 * {@code tenantRate}, four times its produce quota of {@code tenantQuota} messages a second by default. The broker
 * runs with an auth file written for the run (a token per tenant and one for the sink, and the quota line), so the
 * edge answers the second tenant's excess with 429 and a computed Retry-After, and the dashboard's box for it says
 * {@code quota}; the first tenant never sees a 429.
 */
public final class Pipeline {
    static final String TOPIC = "events";
    static final String SUBSCRIPTION = "sink";
    /** The tenant that posts at {@code rate}, with no quota. */
    static final String TENANT = "web";
    /** The tenant that offers {@code tenantRate}, over its quota of {@code tenantQuota} messages a second. */
    static final String QUOTA_TENANT = "batch";
    /** The principal of the sink (workers, or the naive child). */
    static final String SINK = "sink";

    private static final ObjectMapper JSON = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private final PipelineSettings s;
    private final PrintStream out;
    private final Consumer<URI> onDashboard;
    private final Map<String, String> tokens = new LinkedHashMap<>();
    /** The stall reasons the dashboard gave the quota tenant's box, in the order first seen. */
    private final Set<String> tenantStalls = new LinkedHashSet<>();

    private int tenantQuotaSeconds;
    private long lagPeak;
    private long diskPeak;
    private double heapPeak;
    private double directPeak;
    private int blockedPeak;
    private int waitersPeak;
    private long queuePeak;
    private long creditMinDuringSlow = Long.MAX_VALUE;

    private Pipeline(PipelineSettings s, PrintStream out, Consumer<URI> onDashboard) {
        this.s = s;
        this.out = out;
        this.onDashboard = onDashboard;
    }

    /** Runs once with {@code settings} (bounded, or naive) and returns the summary; rows go to {@code out}. */
    public static Map<String, Object> run(PipelineSettings settings, PrintStream out) throws Exception {
        return run(settings, out, uri -> {});
    }

    /**
     * As {@link #run(PipelineSettings, PrintStream)}, and tells {@code onDashboard} (on the calling thread, once the
     * load has started) the address of the broker's dashboard, its token included; it must return at once.
     */
    static Map<String, Object> run(PipelineSettings settings, PrintStream out, Consumer<URI> onDashboard)
            throws Exception {
        settings.validate();
        return new Pipeline(settings.copy(), out, onDashboard).go();
    }

    /** Runs the bounded pipeline, then the naive one, with the same settings; both summaries by mode. */
    public static Map<String, Object> compare(PipelineSettings settings, PrintStream out) throws Exception {
        PipelineSettings bounded = settings.copy();
        bounded.naive = false;
        PipelineSettings naive = settings.copy();
        naive.naive = true;
        bounded.validate();
        naive.validate(); // both before either runs
        Map<String, Object> both = new LinkedHashMap<>();
        both.put("bounded", run(bounded, out));
        both.put("naive", run(naive, out));
        return both;
    }

    /** One line of JSON. */
    public static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The two summaries of {@link #compare} as a table, one field a line. */
    @SuppressWarnings("unchecked")
    public static String sideBySide(Map<String, Object> both) {
        Map<String, Object> a = (Map<String, Object>) both.get("bounded");
        Map<String, Object> b = (Map<String, Object>) both.get("naive");
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-28s %22s %22s%n", "", "bounded", "naive"));
        java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            sb.append(
                    String.format(Locale.ROOT, "%-28s %22s %22s%n", k, a.getOrDefault(k, "-"), b.getOrDefault(k, "-")));
        }
        return sb.toString();
    }

    private Map<String, Object> go() throws Exception {
        Path dir = Files.createTempDirectory("creditflow-pipeline-");
        org.h2.tools.Server h2 = null;
        try {
            String url = s.jdbcUrl;
            if (url == null) {
                Path db = Files.createDirectories(dir.resolve("db"));
                if (s.naive) {
                    // The child JVM must reach the database too: H2's TCP server on loopback, serving the file.
                    System.setProperty("h2.bindAddress", "127.0.0.1");
                    int port = freePort();
                    h2 = org.h2.tools.Server.createTcpServer(
                                    "-tcpPort", String.valueOf(port), "-baseDir", db.toString(), "-ifNotExists")
                            .start();
                    url = "jdbc:h2:tcp://127.0.0.1:" + port + "/pipeline";
                } else {
                    url = "jdbc:h2:file:" + db.resolve("pipeline");
                }
            }
            Database.createSchema(url);
            BrokerConfig config = BrokerConfig.builder()
                    .authFile(writeAuthFile(dir.resolve("auth")))
                    .host("127.0.0.1")
                    .port(0)
                    .httpPort(0)
                    .maxMessageBytes(PipelineSettings.MAX_SIZE)
                    .dataDir(dir.resolve("log"))
                    .logMaxBytes(s.logMaxMib << 20)
                    .logSegmentBytes(s.segmentKib * 1024)
                    .build();
            try (Broker broker = Broker.start(config)) {
                return runWith(broker, url);
            }
        } finally {
            if (h2 != null) {
                h2.stop();
            }
            deleteTree(dir);
        }
    }

    /**
     * The run's auth file: a random token for each tenant and for the sink, their permissions on the topic, and the
     * quota tenant's {@code quota} line (AccessControl's format, docs/broker.md).
     */
    private Path writeAuthFile(Path file) throws IOException {
        SecureRandom random = new SecureRandom();
        StringBuilder text = new StringBuilder("# written by ./creditflow pipeline for one run\n");
        for (String principal : List.of(TENANT, QUOTA_TENANT, SINK)) {
            byte[] b = new byte[16];
            random.nextBytes(b);
            String token = HexFormat.of().formatHex(b);
            tokens.put(principal, token);
            text.append("token ")
                    .append(token)
                    .append(" principal ")
                    .append(principal)
                    .append('\n');
        }
        text.append("allow ").append(TENANT).append(" produce ").append(TOPIC).append('\n');
        text.append("allow ")
                .append(QUOTA_TENANT)
                .append(" produce ")
                .append(TOPIC)
                .append('\n');
        text.append("allow ").append(SINK).append(" consume ").append(TOPIC).append('\n');
        text.append("quota ")
                .append(QUOTA_TENANT)
                .append(" messages-per-second ")
                .append(s.tenantQuota)
                .append('\n');
        return Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private Map<String, Object> runWith(Broker broker, String url) throws Exception {
        Database.Dialect dialect = Database.dialect(url);
        SinkWorkers workers = null;
        Supervisor supervisor = null;
        DashboardSource boxes = null;
        LoadGenerator gen = null;
        LoadGenerator tenant = null;
        Database.Lock lock = null;
        try (Connection monitor = Database.connect(url)) {
            if (s.naive) {
                supervisor = new Supervisor(
                        s.naiveHeapMib,
                        "127.0.0.1",
                        broker.port(),
                        tokens.get(SINK),
                        TOPIC,
                        SUBSCRIPTION,
                        url,
                        s.workers,
                        s.batch);
                supervisor.start();
            } else {
                workers = new SinkWorkers(
                        "127.0.0.1", broker.port(), tokens.get(SINK), TOPIC, SUBSCRIPTION, s.workers, s.batch, url);
                SinkWorkers pool = workers;
                boxes = () -> List.of(pool.workersBox(), pool.databaseBox());
                broker.addDashboardSource(boxes);
                workers.start();
            }
            awaitSubscribed(broker, s.naive ? 1 : s.workers);
            URI topicUri = URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/" + TOPIC);
            Duration maxBackoff = Duration.ofMillis((long) (s.maxBackoffS * 1000));
            AtomicLong ids = new AtomicLong();
            gen = new LoadGenerator(TENANT, topicUri, tokens.get(TENANT), ids, s.clients, s.rate, s.size, maxBackoff);
            if (s.tenantRate > 0) {
                tenant = new LoadGenerator(
                        QUOTA_TENANT,
                        topicUri,
                        tokens.get(QUOTA_TENANT),
                        ids,
                        s.tenantClients,
                        s.tenantRate,
                        s.size,
                        maxBackoff);
            }
            Tenants load = new Tenants(gen, tenant);
            out.printf(
                    Locale.ROOT,
                    "creditflow pipeline (%s): %,.0f events/s of %d bytes from %d HTTP clients%s -> "
                            + "edge :%d -> topic log (quota %d MiB) -> %s -> %s; database lock from %.0f s for %.0f s%n",
                    s.naive
                            ? "naive: unbounded queue in a " + s.naiveHeapMib + " MiB child JVM, supervised"
                            : "bounded",
                    s.rate,
                    s.size,
                    s.clients,
                    tenant == null
                            ? ""
                            : String.format(
                                    Locale.ROOT,
                                    ", and tenant %s offering %,.0f/s over its quota of %d msg/s from %d",
                                    QUOTA_TENANT,
                                    s.tenantRate,
                                    s.tenantQuota,
                                    s.tenantClients),
                    broker.httpPort(),
                    s.logMaxMib,
                    s.naive ? s.workers + " writers" : s.workers + " workers x batch " + s.batch,
                    dialect == Database.Dialect.H2 ? "H2" : "PostgreSQL",
                    s.slowAtS,
                    s.slowForS);
            out.printf(
                    "%4s | %8s %6s %7s %3s | %-13s %6s | %7s %4s | %9s %8s %9s %-8s | %6s %5s%s%n",
                    "t",
                    "accept/s",
                    "503/s",
                    "retried",
                    "RA",
                    s.naive ? "queue (child)" : "workers blkd",
                    "held",
                    "rows/s",
                    "dbw",
                    "credit",
                    "lag",
                    "log disk",
                    "log held",
                    "heapM",
                    "dirM",
                    tenant == null ? "" : String.format(" | %-5s %5s %5s %s", QUOTA_TENANT, "202/s", "429/s", "box"));

            load.start();
            onDashboard.accept(URI.create("http://127.0.0.1:" + broker.httpPort() + "/?token=" + tokens.get(TENANT)));
            long start = System.nanoTime();
            long slowAt = start + seconds(s.slowAtS);
            long slowEnd = slowAt + seconds(s.slowForS);
            long end = start + seconds(s.durationS);
            long rejectedBeforeSlow = -1;
            long slowBeganNanos = 0;
            long slowEndedNanos = 0;
            long[] last = {0, 0, 0, 0, 0};
            int t = 0;
            while (true) {
                long now = System.nanoTime();
                if (lock == null && slowBeganNanos == 0 && s.slowForS > 0 && now >= slowAt && now < end) {
                    rejectedBeforeSlow = load.rejected();
                    lock = new Database.Lock(url); // the slow afternoon begins, inside the database
                    slowBeganNanos = System.nanoTime();
                }
                if (lock != null && now >= slowEnd) {
                    lock.close();
                    lock = null;
                    slowEndedNanos = System.nanoTime();
                }
                if (now >= end) {
                    break;
                }
                long nextTick = start + TimeUnit.SECONDS.toNanos(t + 1);
                long wake = Math.min(end, nextTick);
                if (slowBeganNanos == 0 && s.slowForS > 0) {
                    wake = Math.min(wake, slowAt);
                } else if (lock != null) {
                    wake = Math.min(wake, slowEnd);
                }
                sleepUntil(wake);
                if (System.nanoTime() >= nextTick) {
                    t++;
                    long rows = workers != null ? workers.rowsWritten() : Database.count(monitor, "events_naive");
                    long[] now2 = {
                        load.accepted(),
                        load.rejected(),
                        rows,
                        tenant == null ? 0 : tenant.accepted(),
                        tenant == null ? 0 : tenant.throttled()
                    };
                    row(t, broker, load, workers, supervisor, monitor, dialect, now2, last, lock != null);
                    last = now2;
                }
            }
            if (rejectedBeforeSlow < 0) {
                rejectedBeforeSlow = load.rejected();
            }
            double runSeconds = (System.nanoTime() - start) / 1e9;
            load.close();
            if (lock != null) { // --slow-for reaches past --duration: the database recovers for the drain
                lock.close();
                lock = null;
                slowEndedNanos = System.nanoTime();
            }
            // Drain: no more load; wait until every record of the log was handed to the sink and the sink holds
            // nothing (workers: nothing polled or buffered; naive: an empty queue), steadily for half a second.
            long drainStart = System.nanoTime();
            long drainDeadline = drainStart + seconds(s.drainTimeoutS);
            boolean drained = false;
            long idleSince = 0;
            while (System.nanoTime() < drainDeadline) {
                LogTopicStats.CursorStats c = cursor(broker);
                sample(broker, c);
                boolean idle = backlog(broker) == 0
                        && (workers != null
                                ? workers.inFlight() == 0 && workers.bufferedBytes() == 0
                                : supervisor.childAlive() && supervisor.queued() == 0);
                long now = System.nanoTime();
                if (!idle) {
                    idleSince = 0;
                } else if (idleSince == 0) {
                    idleSince = now;
                } else if (now - idleSince >= TimeUnit.MILLISECONDS.toNanos(500)) {
                    drained = true;
                    break;
                }
                TimeUnit.MILLISECONDS.sleep(50);
            }
            double drainSeconds = ((idleSince > 0 ? idleSince : System.nanoTime()) - drainStart) / 1e9;
            LogTopicStats.CursorStats atEnd = cursor(broker);
            long uncommittedEnd = atEnd == null ? -1 : atEnd.lag();
            long lagEnd = backlog(broker);
            // Stop the sink before counting (the naive child's queue, if any, dies with it).
            long oomDeaths = 0;
            long restarts = 0;
            long otherDeaths = 0;
            if (supervisor != null) {
                supervisor.close();
                oomDeaths = supervisor.oomDeaths();
                restarts = supervisor.restarts();
                otherDeaths = supervisor.otherDeaths();
            }
            long redeliveries = 0;
            long dbErrors = 0;
            double dbStallS = 0;
            if (workers != null) {
                workers.close();
                redeliveries = workers.redeliveriesSkipped();
                dbErrors = workers.dbErrors();
                dbStallS = workers.dbStallNanos() / 1e9;
            }
            Database.Check check = Database.check(url, s.naive ? "events_naive" : "events", ids.get());
            BitSet accepted = load.acceptedIds();
            BitSet lost = (BitSet) accepted.clone();
            lost.andNot(check.ids());
            BitSet unacknowledged = (BitSet) check.ids().clone();
            unacknowledged.andNot(accepted);
            System.gc();
            double liveHeap = heapMib();

            Map<String, Object> m = new LinkedHashMap<>();
            m.put("mode", s.naive ? "naive" : "bounded");
            m.put("database", dialect == Database.Dialect.H2 ? "h2" : "postgresql");
            m.put("duration_s", round(runSeconds));
            m.put("slow_at_s", s.slowAtS);
            m.put("slow_for_s", slowEndedNanos > 0 ? round((slowEndedNanos - slowBeganNanos) / 1e9) : 0.0);
            m.put("rate", s.rate);
            m.put("accepted", (long) accepted.cardinality());
            m.put("rejected_503", load.rejected());
            m.put("rejected_503_before_slow", rejectedBeforeSlow);
            m.put("first_503_s", load.firstRejectNanos() == 0 ? -1.0 : round((load.firstRejectNanos() - start) / 1e9));
            m.put("last_503_s", load.lastRejectNanos() == 0 ? -1.0 : round((load.lastRejectNanos() - start) / 1e9));
            m.put("rejected_429", load.throttled());
            m.put("retried", load.retried());
            m.put("shed_by_clients", load.shed());
            m.put("http_errors", load.errors());
            m.put("rows_in_db", check.rows());
            m.put("duplicates_in_db", check.duplicates());
            m.put("lost", (long) lost.cardinality());
            m.put("in_db_not_acknowledged", (long) unacknowledged.cardinality());
            m.put("lag_peak_messages", lagPeak);
            m.put("lag_end_messages", lagEnd);
            m.put("uncommitted_end_messages", uncommittedEnd);
            m.put("disk_peak_bytes", diskPeak);
            m.put("log_max_bytes", s.logMaxMib << 20);
            m.put("heap_live_mib", round(liveHeap));
            m.put("heap_peak_mib", round(heapPeak));
            m.put("direct_peak_mib", round(directPeak));
            m.put("drain_s", round(drainSeconds));
            m.put("drained", drained);
            m.put("db_lock_waiters_peak", waitersPeak);
            if (tenant != null) {
                BitSet tenantAccepted = tenant.acceptedIds();
                BitSet tenantLost = (BitSet) tenantAccepted.clone();
                tenantLost.andNot(check.ids());
                m.put("quota_tenant", QUOTA_TENANT);
                m.put("quota_tenant_quota_messages_per_s", s.tenantQuota);
                m.put("quota_tenant_rate", s.tenantRate);
                m.put("quota_tenant_accepted", (long) tenantAccepted.cardinality());
                m.put("quota_tenant_rejected_429", tenant.throttled());
                m.put(
                        "quota_tenant_first_429_s",
                        tenant.firstThrottleNanos() == 0 ? -1.0 : round((tenant.firstThrottleNanos() - start) / 1e9));
                m.put("quota_tenant_rejected_503", tenant.rejected());
                m.put("quota_tenant_retried", tenant.retried());
                m.put("quota_tenant_shed", tenant.shed());
                m.put("quota_tenant_lost", (long) tenantLost.cardinality());
                m.put("quota_tenant_dashboard_stalls", List.copyOf(tenantStalls));
                m.put("quota_tenant_dashboard_quota_s", tenantQuotaSeconds);
            }
            if (s.naive) {
                m.put("oom_deaths", oomDeaths);
                m.put("restarts", restarts);
                m.put("other_deaths", otherDeaths);
                m.put("duplicates", check.duplicates());
                m.put("child_heap_max_mib", s.naiveHeapMib);
                m.put("queue_peak", queuePeak);
            } else {
                m.put("workers", s.workers);
                m.put("blocked_workers_peak", blockedPeak);
                m.put("db_stall_worker_s", round(dbStallS));
                m.put(
                        "credit_min_during_slow_messages",
                        creditMinDuringSlow == Long.MAX_VALUE ? -1 : creditMinDuringSlow);
                m.put("redeliveries_skipped", redeliveries);
                m.put("db_errors", dbErrors);
            }
            return m;
        } finally {
            if (lock != null) {
                lock.close();
            }
            if (gen != null) {
                gen.close();
            }
            if (tenant != null) {
                tenant.close();
            }
            if (supervisor != null) {
                supervisor.close();
            }
            if (workers != null) {
                workers.close();
            }
            if (boxes != null) {
                broker.removeDashboardSource(boxes);
            }
        }
    }

    private void row(
            int t,
            Broker broker,
            Tenants gen,
            SinkWorkers workers,
            Supervisor supervisor,
            Connection monitor,
            Database.Dialect dialect,
            long[] now,
            long[] last,
            boolean slow) {
        LogTopicStats.CursorStats c = cursor(broker);
        sample(broker, c);
        LogTopicStats log = log(broker);
        long credit = c == null ? -1 : c.consumerCreditMessages(); // broker-side: what the sink lets it send
        if (slow && credit >= 0) {
            creditMinDuringSlow = Math.min(creditMinDuringSlow, credit);
        }
        int waiters = Database.lockWaiters(monitor, dialect);
        waitersPeak = Math.max(waitersPeak, waiters);
        String pool;
        String heldCol;
        double rowsPerS;
        if (workers != null) {
            int blocked = workers.blocked();
            blockedPeak = Math.max(blockedPeak, blocked);
            pool = blocked + "/" + workers.workers();
            heldCol = String.format("%,d", workers.inFlight());
            rowsPerS = now[2] - last[2];
        } else {
            long q = supervisor.queued();
            queuePeak = Math.max(queuePeak, q);
            pool = String.format("%,d", q) + (supervisor.childAlive() ? "" : " dead");
            heldCol = supervisor.childHeapMib() + "M";
            rowsPerS = now[2] < 0 || last[2] < 0 ? -1 : now[2] - last[2];
        }
        out.printf(
                Locale.ROOT,
                "%3ds | %,8d %,6d %,7d %3s | %-13s %6s | %7s %4s | %9s %,8d %9s %-8s | %6.0f %5.1f%s%s%n",
                t,
                now[0] - last[0],
                now[1] - last[1],
                gen.retried(),
                now[1] > last[1] ? String.valueOf(gen.lastRetryAfter()) : "-",
                pool,
                heldCol,
                rowsPerS < 0 ? "-" : String.format("%,.0f", rowsPerS),
                waiters < 0 ? "?" : String.valueOf(waiters),
                credit < 0 ? "-" : credit == Long.MAX_VALUE ? "unlimited" : String.format("%,d", credit),
                c == null ? 0 : c.lag(),
                log == null ? "-" : bytes(log.sizeBytes()),
                log == null ? "-" : log.held(),
                heapMib(),
                directMib(),
                gen.quota() == null
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                " | %-5s %,5d %,5d %s",
                                "",
                                now[3] - last[3],
                                now[4] - last[4],
                                tenantBox(broker)),
                supervisor == null
                        ? ""
                        : String.format(
                                "  deaths %d (oom %d)",
                                supervisor.oomDeaths() + supervisor.otherDeaths(), supervisor.oomDeaths()));
    }

    /**
     * The quota tenant's box in the dashboard's last sample: its stall reason (or {@code moving}), also kept for the
     * summary.
     */
    private String tenantBox(Broker broker) {
        for (DashboardBox b : broker.dashboardBoxes()) {
            if (b.id().equals("quota:" + QUOTA_TENANT)) {
                String reason = b.stallReason();
                if (reason.isEmpty()) {
                    return "moving";
                }
                tenantStalls.add(reason);
                if (reason.startsWith("quota")) {
                    tenantQuotaSeconds++;
                }
                return reason;
            }
        }
        return "-";
    }

    private void sample(Broker broker, LogTopicStats.CursorStats c) {
        if (c != null) {
            lagPeak = Math.max(lagPeak, c.lag());
        }
        LogTopicStats log = log(broker);
        if (log != null) {
            diskPeak = Math.max(diskPeak, log.sizeBytes());
        }
        heapPeak = Math.max(heapPeak, heapMib());
        directPeak = Math.max(directPeak, directMib());
    }

    private static void awaitSubscribed(Broker broker, int consumers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            LogTopicStats.CursorStats c = cursor(broker);
            if (c != null && c.consumers() >= consumers) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new IllegalStateException("the sink did not subscribe within 30 s");
    }

    /** Records in the log not yet handed to the sink: end offset - the cursor's position; -1 before both exist. */
    static long backlog(Broker broker) {
        LogTopicStats l = log(broker);
        LogTopicStats.CursorStats c = cursor(broker);
        return l == null || c == null ? -1 : Math.max(0, l.endOffset() - c.position());
    }

    static LogTopicStats log(Broker broker) {
        for (LogTopicStats l : broker.logStats()) {
            if (l.name().equals(TOPIC)) {
                return l;
            }
        }
        return null;
    }

    static LogTopicStats.CursorStats cursor(Broker broker) {
        LogTopicStats l = log(broker);
        if (l != null) {
            for (LogTopicStats.CursorStats c : l.cursors()) {
                if (c.name().equals(SUBSCRIPTION)) {
                    return c;
                }
            }
        }
        return null;
    }

    static double heapMib() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024.0 * 1024);
    }

    /** Direct memory held by Netty's allocator (the JDK's JMX pools do not see it). */
    static double directMib() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                        .metric()
                        .usedDirectMemory()
                / (1024.0 * 1024);
    }

    private static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private static long seconds(double s) {
        return (long) (s * 1e9);
    }

    private static void sleepUntil(long deadline) throws InterruptedException {
        long wait = deadline - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket ss = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return ss.getLocalPort();
        }
    }

    /** The load generators of both tenants, counted together (the second may be null: no quota tenant). */
    private record Tenants(LoadGenerator main, LoadGenerator quota) {
        void start() throws InterruptedException {
            main.start();
            if (quota != null) {
                quota.start();
            }
        }

        void close() throws InterruptedException {
            main.close();
            if (quota != null) {
                quota.close();
            }
        }

        long accepted() {
            return main.accepted() + (quota == null ? 0 : quota.accepted());
        }

        long rejected() {
            return main.rejected() + (quota == null ? 0 : quota.rejected());
        }

        long throttled() {
            return main.throttled() + (quota == null ? 0 : quota.throttled());
        }

        long retried() {
            return main.retried() + (quota == null ? 0 : quota.retried());
        }

        long shed() {
            return main.shed() + (quota == null ? 0 : quota.shed());
        }

        long errors() {
            return main.errors() + (quota == null ? 0 : quota.errors());
        }

        /** The last 503's Retry-After either tenant got, seconds. */
        long lastRetryAfter() {
            return Math.max(main.lastRetryAfter(), quota == null ? 0 : quota.lastRetryAfter());
        }

        long firstRejectNanos() {
            long a = main.firstRejectNanos();
            long b = quota == null ? 0 : quota.firstRejectNanos();
            return a == 0 ? b : b == 0 ? a : Math.min(a, b);
        }

        long lastRejectNanos() {
            return Math.max(main.lastRejectNanos(), quota == null ? 0 : quota.lastRejectNanos());
        }

        BitSet acceptedIds() {
            BitSet ids = main.acceptedIds();
            if (quota != null) {
                ids.or(quota.acceptedIds());
            }
            return ids;
        }
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            System.err.println("pipeline: could not delete " + dir + ": " + e);
        }
    }
}
