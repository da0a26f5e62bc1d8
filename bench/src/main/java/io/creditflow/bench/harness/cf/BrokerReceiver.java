package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.LogTopicStats;
import io.creditflow.broker.TopicStats;
import io.creditflow.log.AppendRecord;
import io.creditflow.log.AppendResult;
import io.creditflow.log.FileTopicLog;
import io.creditflow.log.FsyncMode;
import io.creditflow.log.LogConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The broker scenarios' receiving side (S8, S11): the demo {@link Broker} with its default configuration (64 MiB
 * budget, 1 MiB topic buffer and subscription queues), HTTP edge off. Its held bytes are the broker budget's
 * reservation: every message byte in topic buffers and subscription queues.
 *
 * <p>A durable run ({@link RunSpec#durable()}) gives the broker a temporary data dir, the run's fsync mode and a
 * {@value #LOG_MAX_BYTES}-byte bound per topic log that no run reaches (so neither disk policy ever acts), samples
 * the logs' bytes on disk every {@value #DISK_SAMPLE_MILLIS} ms, and deletes the folder when the run ends. A
 * catch-up run ({@link RunSpec#backlogBytes()} {@code > 0}) first writes the backlog into the topic's log with the
 * log's own API, fsyncs it, and drops the page cache (when this process may: root on Linux) so the consumer reads
 * it from the disk; the broker then opens and recovers that log as it would after a restart.
 */
public final class BrokerReceiver implements Receiver {
    static final String TOPIC = "bench";
    /** The bound on each topic log in a durable run: 8 GiB, more than any run writes. */
    static final long LOG_MAX_BYTES = 8L << 30;

    static final int DISK_SAMPLE_MILLIS = 100;
    private static final int FILL_BATCH = 256;
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    private Broker broker;
    private RunSpec spec;
    private Path dataDir;
    private ScheduledExecutorService diskSampler;
    private volatile long diskPeakBytes;
    private final Map<String, Object> backlog = new LinkedHashMap<>();
    private final boolean dropPageCache;

    public BrokerReceiver() {
        this(true);
    }

    /** {@code dropPageCache} false: a catch-up run leaves the page cache alone (tests: it is the whole machine's). */
    BrokerReceiver(boolean dropPageCache) {
        this.dropPageCache = dropPageCache;
    }

    @Override
    public int start(RunContext ctx) throws Exception {
        spec = ctx.spec();
        BrokerConfig.Builder b =
                BrokerConfig.builder().host("127.0.0.1").port(0).httpPort(-1);
        if (spec.durable()) {
            dataDir = Files.createTempDirectory("creditflow-bench-log-");
            FsyncMode fsync = FsyncMode.parse(spec.fsync());
            b.dataDir(dataDir).fsync(fsync).logMaxBytes(LOG_MAX_BYTES);
            if (spec.backlogBytes() > 0) {
                writeBacklog(dataDir.resolve(TOPIC), fsync);
                if (dropPageCache) {
                    backlog.putAll(dropPageCache());
                } else {
                    backlog.put("page_cache_dropped", false);
                    backlog.put("page_cache_drop_error", "not asked to");
                }
            }
        }
        broker = Broker.start(b.build());
        if (spec.durable()) {
            diskSampler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "bench-disk-sampler");
                t.setDaemon(true);
                return t;
            });
            diskSampler.scheduleAtFixedRate(this::sampleDisk, 0, DISK_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        }
        return broker.port();
    }

    /** The backlog: {@link RunSpec#backlogRecords()} records of the run's payload size, fsynced. */
    private void writeBacklog(Path dir, FsyncMode fsync) throws IOException {
        long t0 = System.nanoTime();
        long records = spec.backlogRecords();
        LogConfig config = LogConfig.builder()
                .maxBytes(LOG_MAX_BYTES)
                .segmentBytes(LogConfig.DEFAULT_SEGMENT_BYTES)
                .fsync(fsync)
                .build();
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            List<AppendRecord> batch = new ArrayList<>(FILL_BATCH);
            for (long k = 0; k < records; k += batch.size()) {
                batch.clear();
                long now = System.currentTimeMillis();
                for (int j = 0; j < FILL_BATCH && k + j < records; j++) {
                    batch.add(
                            AppendRecord.of(ByteBuffer.wrap(Payloads.make(spec.payloadBytes(), 0, k + j, k + j)), now));
                }
                AppendResult r = log.append(batch);
                if (r.status() != AppendResult.Status.OK) {
                    throw new IOException("writing the backlog: " + r.status() + " at offset " + log.endOffset());
                }
            }
            log.flush();
            backlog.put("backlog_records", log.endOffset());
            backlog.put("backlog_disk_bytes", log.sizeBytes());
        }
        backlog.put("backlog_write_s", (System.nanoTime() - t0) / 1e9);
    }

    /**
     * {@code sync; echo 3 > /proc/sys/vm/drop_caches}, and the kernel's page cache size before and after: the
     * catch-up is "cold" only if this worked.
     */
    static Map<String, Object> dropPageCache() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("page_cache_mib_before_drop", pageCacheMib());
        String error = null;
        try {
            Process sync = new ProcessBuilder("sync")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!sync.waitFor(120, TimeUnit.SECONDS)) {
                sync.destroyForcibly();
                error = "sync did not finish within 120 s";
            } else {
                Files.writeString(DROP_CACHES, "3");
            }
        } catch (IOException | SecurityException e) {
            error = String.valueOf(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        }
        m.put("page_cache_dropped", error == null);
        m.put("page_cache_drop_error", error);
        m.put("page_cache_mib_after_drop", pageCacheMib());
        return m;
    }

    /** The "Cached:" line of /proc/meminfo in MiB, or null. */
    private static Double pageCacheMib() {
        try {
            return parseCachedMib(Files.readString(Path.of("/proc/meminfo")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** From /proc/meminfo's text: the "Cached:" figure in MiB, or null. */
    static Double parseCachedMib(String meminfo) {
        for (String line : meminfo.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals("Cached:")) {
                return Long.parseLong(f[1]) / 1024.0;
            }
        }
        return null;
    }

    /** The run's data dir, or null (in-memory topics, or closed). */
    Path dataDir() {
        return dataDir;
    }

    private void sampleDisk() {
        try {
            long total = 0;
            for (LogTopicStats t : broker.logStats()) {
                total += t.sizeBytes();
            }
            if (total > diskPeakBytes) {
                diskPeakBytes = total;
            }
        } catch (RuntimeException e) {
            // a sampler must never take the child down
        }
    }

    /** Producers plus consumers attached to the topic. */
    @Override
    public int accepted() {
        int n = 0;
        for (TopicStats t : broker.stats()) {
            n += t.producers();
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                n += s.consumers();
            }
        }
        return n;
    }

    @Override
    public void consumeOne(int stream) {
        // consumers live in the sending JVM
    }

    @Override
    public long heldBytes() {
        return broker.budget().reservedBytes();
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio");
        m.put("broker_budget_bytes", broker.budget().limitBytes());
        m.put("broker_budget_peak_since_start_bytes", broker.budget().peakReservedBytes());
        long dropped = 0;
        long evictions = 0;
        for (TopicStats t : broker.stats()) {
            evictions += t.evictions();
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                dropped += s.droppedMessages();
            }
        }
        m.put("broker_dropped_msgs", dropped);
        m.put("broker_evictions", evictions);
        if (spec.durable()) {
            sampleDisk();
            m.putAll(logFigures(broker.logStats(), spec));
            m.put("log_disk_peak_bytes", diskPeakBytes);
            m.putAll(backlog);
        }
        return m;
    }

    /**
     * The topic logs' figures: what was dropped unread, what each slow subscription skipped, its lag, and
     * whether producers were held (the bound is never reached in these runs, so all of these should be 0).
     * Subscription {@code sub-i} is consumer {@code i}'s ({@link BrokerSender}).
     */
    static Map<String, Object> logFigures(List<LogTopicStats> topics, RunSpec spec) {
        long unreadDropped = 0;
        long skipped = 0;
        long slowSkipped = 0;
        long slowLag = 0;
        long holdEvents = 0;
        long startOffset = 0;
        long endOffset = 0;
        long size = 0;
        for (LogTopicStats t : topics) {
            unreadDropped += t.unreadRecordsDropped();
            startOffset += t.startOffset();
            endOffset += t.endOffset();
            size += t.sizeBytes();
            for (long v : t.holdEvents().values()) {
                holdEvents += v;
            }
            for (LogTopicStats.CursorStats c : t.cursors()) {
                skipped += c.skippedRecords();
                if (isSlowSubscription(c.name(), spec)) {
                    slowSkipped += c.skippedRecords();
                    slowLag += c.lag();
                }
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("log_fsync", spec.fsync());
        m.put("log_max_bytes", LOG_MAX_BYTES);
        m.put("log_size_bytes", size);
        m.put("log_start_offset", startOffset);
        m.put("log_end_offset", endOffset);
        m.put("log_unread_records_dropped", unreadDropped);
        m.put("log_skipped_records", skipped);
        m.put("log_slow_skipped_records", slowSkipped);
        m.put("log_slow_lag_records", slowLag);
        m.put("log_hold_events", holdEvents);
        return m;
    }

    private static boolean isSlowSubscription(String name, RunSpec spec) {
        if (!name.startsWith(BrokerSender.SUBSCRIPTION_PREFIX)) {
            return false;
        }
        try {
            return spec.isSlow(Integer.parseInt(name.substring(BrokerSender.SUBSCRIPTION_PREFIX.length())));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    @Override
    public void close() {
        if (diskSampler != null) {
            diskSampler.shutdownNow();
        }
        if (broker != null) {
            broker.close();
        }
        if (dataDir != null) {
            deleteTree(dataDir);
            dataDir = null;
        }
    }

    /** Deletes a folder and everything in it. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the run's data dir " + dir, e);
        }
    }
}
