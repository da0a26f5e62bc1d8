package io.creditflow.broker;

import io.creditflow.log.FsyncMode;
import io.creditflow.log.LogConfig;
import io.creditflow.transport.TlsOptions;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The broker's settings. Immutable; build with {@link #builder()}. Every bound in the broker is here,
 * with its default and why (docs/boundaries.md lists them with the rest of the pressure chain).
 */
public final class BrokerConfig {
    private final String host;
    private final int port;
    private final int httpPort;
    private final long budgetBytes;
    private final long topicBufferBytes;
    private final int topicBufferMessages;
    private final long subscriptionQueueBytes;
    private final int subscriptionQueueMessages;
    private final Duration disconnectStall;
    private final int maxMessageBytes;
    private final long producerWindowBytes;
    private final boolean httpPauseInsteadOfReject;
    private final Duration shutdownGrace;
    private final Duration httpRequestTimeout;
    private final Duration httpIdleTimeout;
    private final Duration httpWriteTimeout;
    private final Duration writeStallTimeout;
    private final Path authFile;
    private final int maxTopics;
    private final TlsOptions tls;
    private final Duration subscriptionGrace;
    private final Duration evictionBackoffInitial;
    private final Duration evictionBackoffMax;
    private final Duration tickInterval;
    private final int ioThreads;
    private final Path dataDir;
    private final FsyncMode fsync;
    private final long logMaxBytes;
    private final long logTotalMaxBytes;
    private final int logSegmentBytes;
    private final DiskPolicy diskPolicy;
    private final Quota defaultQuota;
    private final int dashboardMaxClients;
    private final int dashboardMaxBoxes;
    private final TopicBackend.Factory topicBackend;

    private BrokerConfig(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.httpPort = b.httpPort;
        this.budgetBytes = b.budgetBytes;
        this.topicBufferBytes = b.topicBufferBytes;
        this.topicBufferMessages = b.topicBufferMessages;
        this.subscriptionQueueBytes = b.subscriptionQueueBytes;
        this.subscriptionQueueMessages = b.subscriptionQueueMessages;
        this.disconnectStall = b.disconnectStall;
        this.maxMessageBytes = b.maxMessageBytes;
        this.producerWindowBytes = b.producerWindowBytes;
        this.httpPauseInsteadOfReject = b.httpPauseInsteadOfReject;
        this.shutdownGrace = b.shutdownGrace;
        this.httpRequestTimeout = b.httpRequestTimeout;
        this.httpIdleTimeout = b.httpIdleTimeout;
        this.httpWriteTimeout = b.httpWriteTimeout;
        this.writeStallTimeout = b.writeStallTimeout;
        this.authFile = b.authFile;
        this.maxTopics = b.maxTopics;
        this.tls = b.tls;
        this.subscriptionGrace = b.subscriptionGrace;
        this.evictionBackoffInitial = b.evictionBackoffInitial;
        this.evictionBackoffMax = b.evictionBackoffMax;
        this.tickInterval = b.tickInterval;
        this.ioThreads = b.ioThreads;
        this.dataDir = b.dataDir;
        this.fsync = b.fsync;
        this.logMaxBytes = b.logMaxBytes;
        this.logTotalMaxBytes = b.logTotalMaxBytes;
        this.diskPolicy = b.diskPolicy;
        this.defaultQuota = b.defaultQuota;
        this.dashboardMaxClients = b.dashboardMaxClients;
        this.dashboardMaxBoxes = b.dashboardMaxBoxes;
        this.topicBackend = b.topicBackend;
        if (topicBackend != null && dataDir != null) {
            throw new IllegalArgumentException("topicBackend: set together with dataDir " + dataDir
                    + " (expected: one of them: topics live in the backend or in the broker's own log)");
        }
        // Unless set, segments are a quarter of the tighter bound (at most the log's 64 MiB default), so that
        // a small --log-max-bytes or --log-total-max-bytes still holds the three segments the log requires.
        long tighter = logTotalMaxBytes > 0 ? Math.min(logMaxBytes, logTotalMaxBytes) : logMaxBytes;
        this.logSegmentBytes = b.logSegmentBytes > 0
                ? b.logSegmentBytes
                : (int) Math.max(4096, Math.min(LogConfig.DEFAULT_SEGMENT_BYTES, tighter / 4));
        if (logMaxBytes < 3L * logSegmentBytes) {
            throw new IllegalArgumentException("logMaxBytes: " + logMaxBytes + " (expected: >= 3 * logSegmentBytes = "
                    + 3L * logSegmentBytes + ")");
        }
        if (logTotalMaxBytes > 0 && logTotalMaxBytes < 3L * logSegmentBytes) {
            throw new IllegalArgumentException("logTotalMaxBytes: " + logTotalMaxBytes
                    + " (expected: 0 for no broker-wide total, or >= 3 * logSegmentBytes = " + 3L * logSegmentBytes
                    + ", room for one topic's three segments)");
        }
        if (dataDir != null && logSegmentBytes < maxMessageBytes + 2 * io.creditflow.log.LogRecord.HEADER_BYTES) {
            throw new IllegalArgumentException("logSegmentBytes: " + logSegmentBytes + " (expected: >= "
                    + (maxMessageBytes + 2 * io.creditflow.log.LogRecord.HEADER_BYTES)
                    + ", one largest message of maxMessageBytes " + maxMessageBytes + " and its record header)");
        }
        long largest = (long) maxMessageBytes + BrokerProtocol.HEADER_BYTES;
        if (topicBufferBytes < largest) {
            throw new IllegalArgumentException("topicBufferBytes: " + topicBufferBytes + " (expected: >= "
                    + largest + ", one largest message of maxMessageBytes " + maxMessageBytes
                    + " plus its 8-byte sequence header, or a largest message could never be buffered)");
        }
        if (subscriptionQueueBytes < largest) {
            throw new IllegalArgumentException("subscriptionQueueBytes: " + subscriptionQueueBytes + " (expected: >= "
                    + largest + ", one largest message of maxMessageBytes " + maxMessageBytes
                    + " plus its 8-byte sequence header, or a largest message could never be queued)");
        }
        if (evictionBackoffMax.compareTo(evictionBackoffInitial) < 0) {
            throw new IllegalArgumentException("evictionBackoff: max " + evictionBackoffMax + " (expected: >= initial "
                    + evictionBackoffInitial + ")");
        }
        if (maxMessageBytes > budgetBytes) {
            throw new IllegalArgumentException(
                    "maxMessageBytes: " + maxMessageBytes + " (expected: <= budgetBytes " + budgetBytes + ")");
        }
    }

    /**
     * The produce quota of every principal the auth file gives none ({@code quota} lines, {@link AccessControl}),
     * and of every client of a broker without an auth file (they share principal {@value QuotaStats#ANONYMOUS}).
     * Default {@link Quota#NONE}.
     */
    public Quota defaultQuota() {
        return defaultQuota;
    }

    /** Dashboard live connections ({@code GET /events}) at most; beyond, 503. Default 16. */
    public int dashboardMaxClients() {
        return dashboardMaxClients;
    }

    /** Boxes the dashboard draws and keeps sparklines for at most (the rest are counted, not drawn). Default 200. */
    public int dashboardMaxBoxes() {
        return dashboardMaxBoxes;
    }

    public static Builder builder() {
        return new Builder();
    }

    public String host() {
        return host;
    }

    /** The creditflow port; 0 picks a free one. */
    public int port() {
        return port;
    }

    /** The HTTP edge's port; 0 picks a free one, -1 disables the edge. */
    public int httpPort() {
        return httpPort;
    }

    /** Broker-wide bound on buffered message bytes (topic buffers and subscription queues together). */
    public long budgetBytes() {
        return budgetBytes;
    }

    public long topicBufferBytes() {
        return topicBufferBytes;
    }

    public int topicBufferMessages() {
        return topicBufferMessages;
    }

    public long subscriptionQueueBytes() {
        return subscriptionQueueBytes;
    }

    public int subscriptionQueueMessages() {
        return subscriptionQueueMessages;
    }

    /** DISCONNECT: consumers that accept nothing for this long while messages wait are evicted. */
    public Duration disconnectStall() {
        return disconnectStall;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The creditflow receive window per producer stream: bytes a producer may have in flight. */
    public long producerWindowBytes() {
        return producerWindowBytes;
    }

    /** HTTP edge: pause reading the request (TCP pushes back) instead of answering 503 when full. */
    public boolean httpPauseInsteadOfReject() {
        return httpPauseInsteadOfReject;
    }

    public Duration shutdownGrace() {
        return shutdownGrace;
    }

    /** HTTP: a request must arrive whole within this of its first byte (slow headers or body: 408). */
    public Duration httpRequestTimeout() {
        return httpRequestTimeout;
    }

    /** HTTP: an idle keep-alive connection is closed after this. */
    public Duration httpIdleTimeout() {
        return httpIdleTimeout;
    }

    /** HTTP: a client that reads none of its responses for this long is closed. */
    public Duration httpWriteTimeout() {
        return httpWriteTimeout;
    }

    /** creditflow: a consumer that granted credit and stopped reading its socket is closed after this. */
    public Duration writeStallTimeout() {
        return writeStallTimeout;
    }

    /**
     * The auth file (tokens, principals, per-topic permissions; docs/broker.md), read when the broker
     * starts, or null: no authentication, everyone may do everything.
     */
    public Path authFile() {
        return authFile;
    }

    /** Topics at most: each costs a little state, and clients create them by naming them. */
    public int maxTopics() {
        return maxTopics;
    }

    /**
     * TLS (optionally mutual) for the creditflow port, or null: plain TCP. The HTTP edge stays plain HTTP
     * (put a TLS-terminating proxy in front of it, or keep it on loopback).
     */
    public TlsOptions tls() {
        return tls;
    }

    /**
     * How long a subscription whose last consumer left is kept, with its queue, for a consumer to come back
     * under the same name (0: removed at once). Under BLOCK it keeps holding the topic meanwhile, exactly as a
     * slow consumer would; when it expires its queue is dropped and counted
     * ({@code creditflow_topic_expired_subscriptions_total}).
     */
    public Duration subscriptionGrace() {
        return subscriptionGrace;
    }

    /** DISCONNECT: how long an evicted subscription's name is held back at first (0: not at all). */
    public Duration evictionBackoffInitial() {
        return evictionBackoffInitial;
    }

    /** DISCONNECT: the longest hold after repeated evictions (the hold doubles per eviction within a minute). */
    public Duration evictionBackoffMax() {
        return evictionBackoffMax;
    }

    /**
     * The broker timer's period: catch-up after a bounded pump, DISCONNECT stall checks, subscription
     * expiry, drain rates. No message waits for it while credit and room exist (every move is driven by
     * the transport's readable and ready events); tests lengthen it to prove exactly that.
     */
    public Duration tickInterval() {
        return tickInterval;
    }

    /** Event-loop threads of the creditflow port; 0: one per available processor. */
    public int ioThreads() {
        return ioThreads;
    }

    /**
     * The folder of the durable topic logs, or null (the default): topics live in memory as before. With a
     * data dir every topic is a durable {@link LogTopic} in {@code dataDir/<topic>}, and every topic folder
     * found there is opened when the broker starts.
     */
    public Path dataDir() {
        return dataDir;
    }

    /** When the topic logs fsync (default {@code batch}); see docs/log.md for what each mode can lose. */
    public FsyncMode fsync() {
        return fsync;
    }

    /** The bound on each topic log's bytes on disk (default 1 GiB, the log's default). */
    public long logMaxBytes() {
        return logMaxBytes;
    }

    /**
     * The bound on the bytes on disk of all durable topics' logs together, beside each one's {@link #logMaxBytes()};
     * 0 (the default): no broker-wide total, so the sum is bounded only by {@link #maxTopics()} times {@link
     * #logMaxBytes()} and, last, by the disk itself (a full disk holds producers, see docs/log.md). When an append
     * would take the total over, the appending topic's {@link #diskPolicy()} applies to its own log as for its own
     * bound.
     */
    public long logTotalMaxBytes() {
        return logTotalMaxBytes;
    }

    /**
     * Segment size of the topic logs: as set, or a quarter of the tighter of {@link #logMaxBytes()} and {@link
     * #logTotalMaxBytes()} up to 64 MiB.
     */
    public int logSegmentBytes() {
        return logSegmentBytes;
    }

    /** What a durable topic does when its log reaches {@link #logMaxBytes()} (default {@code block}). */
    public DiskPolicy diskPolicy() {
        return diskPolicy;
    }

    /** The settings of each topic log. */
    LogConfig logConfig() {
        return LogConfig.builder()
                .maxBytes(logMaxBytes)
                .segmentBytes(logSegmentBytes)
                .fsync(fsync)
                .build();
    }

    /**
     * Where topics live outside the broker (for example Apache Kafka, module {@code broker-kafka}), or null: in
     * memory, or in the broker's own log with {@link #dataDir()}.
     */
    public TopicBackend.Factory topicBackend() {
        return topicBackend;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private String host = "127.0.0.1";
        private int port = 7000;
        private int httpPort = 8080;
        private long budgetBytes = 64L * 1024 * 1024;
        private long topicBufferBytes = 1024 * 1024;
        private int topicBufferMessages = 10_000;
        private long subscriptionQueueBytes = 1024 * 1024;
        private int subscriptionQueueMessages = 10_000;
        private Duration disconnectStall = Duration.ofSeconds(5);
        private int maxMessageBytes = 256 * 1024;
        private long producerWindowBytes = 256 * 1024;
        private boolean httpPauseInsteadOfReject;
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private Duration httpRequestTimeout = Duration.ofSeconds(10);
        private Duration httpIdleTimeout = Duration.ofSeconds(60);
        private Duration httpWriteTimeout = Duration.ofSeconds(10);
        private Duration writeStallTimeout = Duration.ofSeconds(30);
        private Path authFile;
        private int maxTopics = 10_000;
        private TlsOptions tls;
        private Duration subscriptionGrace = Duration.ofSeconds(30);
        private Duration evictionBackoffInitial = Duration.ofSeconds(1);
        private Duration evictionBackoffMax = Duration.ofSeconds(30);
        private Duration tickInterval = Duration.ofMillis(100);
        private int ioThreads;
        private Path dataDir;
        private FsyncMode fsync = FsyncMode.BATCH;
        private long logMaxBytes = LogConfig.DEFAULT_MAX_BYTES;
        private long logTotalMaxBytes;
        private int logSegmentBytes;
        private DiskPolicy diskPolicy = DiskPolicy.BLOCK;
        private Quota defaultQuota = Quota.NONE;
        // 16 browsers watching one broker is plenty; each costs a connection and up to 64 KiB of buffered events.
        private int dashboardMaxClients = 16;
        // 200 boxes of 2 sparklines of 300 floats: about 0.5 MiB of rings, and a page still readable.
        private int dashboardMaxBoxes = 200;

        /** See {@link BrokerConfig#defaultQuota()}. */
        public Builder defaultQuota(Quota quota) {
            if (quota == null) {
                throw new NullPointerException("defaultQuota");
            }
            this.defaultQuota = quota;
            return this;
        }

        /** See {@link BrokerConfig#dashboardMaxClients()}; {@code > 0}. */
        public Builder dashboardMaxClients(int clients) {
            this.dashboardMaxClients = (int) positive("dashboardMaxClients", clients);
            return this;
        }

        /** See {@link BrokerConfig#dashboardMaxBoxes()}; {@code > 0}. */
        public Builder dashboardMaxBoxes(int boxes) {
            this.dashboardMaxBoxes = (int) positive("dashboardMaxBoxes", boxes);
            return this;
        }

        private TopicBackend.Factory topicBackend;

        /** See {@link BrokerConfig#topicBackend()}; null (the default): the broker's own topics. */
        public Builder topicBackend(TopicBackend.Factory factory) {
            this.topicBackend = factory;
            return this;
        }

        /** See {@link BrokerConfig#dataDir()}; null: in-memory topics. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** See {@link BrokerConfig#fsync()}. */
        public Builder fsync(FsyncMode mode) {
            if (mode == null) {
                throw new NullPointerException("fsync");
            }
            this.fsync = mode;
            return this;
        }

        /** See {@link BrokerConfig#logMaxBytes()}; {@code > 0}, and at least three segments. */
        public Builder logMaxBytes(long bytes) {
            this.logMaxBytes = positive("logMaxBytes", bytes);
            return this;
        }

        /**
         * See {@link BrokerConfig#logTotalMaxBytes()}; {@code >= 0} (0: no broker-wide total), and if set at least
         * three segments.
         */
        public Builder logTotalMaxBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException(
                        "logTotalMaxBytes: " + bytes + " (expected: >= 0, 0 for no broker-wide total)");
            }
            this.logTotalMaxBytes = bytes;
            return this;
        }

        /** See {@link BrokerConfig#logSegmentBytes()}; 256 B to 1 GiB. */
        public Builder logSegmentBytes(int bytes) {
            if (bytes < 256 || bytes > (1 << 30)) {
                throw new IllegalArgumentException(
                        "logSegmentBytes: " + bytes + " (expected: >= 256 and <= " + (1 << 30) + ")");
            }
            this.logSegmentBytes = bytes;
            return this;
        }

        /** See {@link BrokerConfig#diskPolicy()}. */
        public Builder diskPolicy(DiskPolicy policy) {
            if (policy == null) {
                throw new NullPointerException("diskPolicy");
            }
            this.diskPolicy = policy;
            return this;
        }

        /** See {@link BrokerConfig#ioThreads()}; default 0, one per available processor. */
        public Builder ioThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("ioThreads: " + threads + " (expected: >= 0, 0 for one per core)");
            }
            this.ioThreads = threads;
            return this;
        }

        /** See {@link BrokerConfig#subscriptionGrace()}; default 30 s, 0 to remove a subscription with its last consumer. */
        public Builder subscriptionGrace(Duration grace) {
            this.subscriptionGrace = nonNegative("subscriptionGrace", grace);
            return this;
        }

        /** See {@link BrokerConfig#evictionBackoffInitial()}; defaults 1 s doubling up to 30 s; 0 disables. */
        public Builder evictionBackoff(Duration initial, Duration max) {
            this.evictionBackoffInitial = nonNegative("evictionBackoff initial", initial);
            this.evictionBackoffMax = nonNegative("evictionBackoff max", max);
            return this;
        }

        /** See {@link BrokerConfig#tickInterval()}; default 100 ms. */
        public Builder tickInterval(Duration interval) {
            this.tickInterval = positive("tickInterval", interval);
            return this;
        }

        /** TLS for the creditflow port ({@link TlsOptions#requireClientAuth()} for mutual TLS). Default: none. */
        public Builder tls(TlsOptions options) {
            if (options == null) {
                throw new NullPointerException("tls");
            }
            this.tls = options;
            return this;
        }

        /** Topics at most (a stream naming a new topic beyond it is refused, retryable). */
        public Builder maxTopics(int topics) {
            this.maxTopics = (int) positive("maxTopics", topics);
            return this;
        }

        private Builder() {}

        /** HTTP edge time limits for slow clients: whole request, idle keep-alive, unread responses. */
        public Builder httpTimeouts(Duration request, Duration idle, Duration write) {
            this.httpRequestTimeout = positive("httpRequestTimeout", request);
            this.httpIdleTimeout = positive("httpIdleTimeout", idle);
            this.httpWriteTimeout = positive("httpWriteTimeout", write);
            return this;
        }

        /** How long a consumer may leave the broker's writes waiting (it granted credit, then stopped reading). */
        public Builder writeStallTimeout(Duration timeout) {
            this.writeStallTimeout = positive("writeStallTimeout", timeout);
            return this;
        }

        private static Duration nonNegative(String name, Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: >= 0)");
            }
            return d;
        }

        private static Duration positive(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
            }
            this.port = port;
            return this;
        }

        public Builder httpPort(int port) {
            if (port < -1 || port > 65535) {
                throw new IllegalArgumentException("httpPort: " + port + " (expected: -1 to disable, or 0-65535)");
            }
            this.httpPort = port;
            return this;
        }

        public Builder budgetBytes(long bytes) {
            this.budgetBytes = positive("budgetBytes", bytes);
            return this;
        }

        public Builder topicBuffer(long bytes, int messages) {
            this.topicBufferBytes = positive("topicBufferBytes", bytes);
            this.topicBufferMessages = (int) positive("topicBufferMessages", messages);
            return this;
        }

        public Builder subscriptionQueue(long bytes, int messages) {
            this.subscriptionQueueBytes = positive("subscriptionQueueBytes", bytes);
            this.subscriptionQueueMessages = (int) positive("subscriptionQueueMessages", messages);
            return this;
        }

        public Builder disconnectStall(Duration stall) {
            if (stall == null || stall.isNegative() || stall.isZero()) {
                throw new IllegalArgumentException("disconnectStall: " + stall + " (expected: > 0)");
            }
            this.disconnectStall = stall;
            return this;
        }

        public Builder maxMessageBytes(int bytes) {
            this.maxMessageBytes = (int) positive("maxMessageBytes", bytes);
            return this;
        }

        public Builder producerWindowBytes(long bytes) {
            this.producerWindowBytes = positive("producerWindowBytes", bytes);
            return this;
        }

        public Builder httpPauseInsteadOfReject(boolean pause) {
            this.httpPauseInsteadOfReject = pause;
            return this;
        }

        public Builder shutdownGrace(Duration grace) {
            this.shutdownGrace = nonNegative("shutdownGrace", grace);
            return this;
        }

        /**
         * Requires every client to authenticate with a token from {@code file} and checks each stream's
         * produce or consume permission on its topic (the HTTP edge: {@code Authorization: Bearer}). Read
         * when the broker starts; see {@link AccessControl} for the format.
         */
        public Builder authFile(Path file) {
            if (file == null) {
                throw new NullPointerException("authFile");
            }
            this.authFile = file;
            return this;
        }

        public BrokerConfig build() {
            return new BrokerConfig(this);
        }

        private static long positive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
            return value;
        }
    }
}
