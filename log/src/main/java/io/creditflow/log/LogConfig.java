package io.creditflow.log;

import java.util.Objects;

/**
 * The settings of one {@link FileTopicLog}. Built with {@link #builder()}; every setter validates its argument and says
 * what it expected, as {@code segmentBytes: 100 (expected: >= 256 and <= 1073741824)}. Immutable and thread-safe.
 */
public final class LogConfig {
    /**
     * 64 MiB. Kafka's default is 1 GiB; smaller segments make retention and drop-oldest (which delete whole
     * segments) finer grained under a per-topic bound of a few hundred MiB, at the cost of more files.
     */
    public static final int DEFAULT_SEGMENT_BYTES = 64 << 20;
    /** 4 KiB between sparse index entries, Kafka's {@code index.interval.bytes}. */
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    /** 1 GiB per topic (16 segments of the default size). */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;
    /** 7 days, Kafka's {@code retention.ms} and {@code segment.ms}. */
    public static final long DEFAULT_RETENTION_MILLIS = 7L * 24 * 3600 * 1000;
    /** 10,000 producers remembered for deduplication; the least recently active one is forgotten first. */
    public static final int DEFAULT_MAX_PRODUCERS = 10_000;
    /** 1,024 named cursors per topic. */
    public static final int DEFAULT_MAX_CURSORS = 1024;
    /** A retention setting meaning "no limit of this kind". */
    public static final long UNLIMITED = -1;

    static final int MIN_SEGMENT_BYTES = 256;
    static final int MAX_SEGMENT_BYTES = 1 << 30;

    private final int segmentBytes;
    private final int indexIntervalBytes;
    private final long maxBytes;
    private final long retentionBytes;
    private final long retentionMillis;
    private final long segmentMillis;
    private final FsyncMode fsync;
    private final int maxProducers;
    private final int maxCursors;
    private final LogClock clock;
    private final ChannelFactory channelFactory;

    private LogConfig(Builder b) {
        this.segmentBytes = b.segmentBytes;
        this.indexIntervalBytes = b.indexIntervalBytes;
        this.maxBytes = b.maxBytes;
        this.retentionBytes = b.retentionBytes;
        this.retentionMillis = b.retentionMillis;
        this.segmentMillis = b.segmentMillis;
        this.fsync = b.fsync;
        this.maxProducers = b.maxProducers;
        this.maxCursors = b.maxCursors;
        this.clock = b.clock;
        this.channelFactory = b.channelFactory;
    }

    /** A builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The defaults. */
    public static LogConfig defaults() {
        return builder().build();
    }

    /** The largest a segment file grows before the log rolls to a new one; also the largest batch. */
    public int segmentBytes() {
        return segmentBytes;
    }

    /** Bytes of records between two entries of the sparse offset and time indexes. */
    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    /**
     * The hard bound on the log's bytes on disk (segment and index files): an append that would exceed it
     * is refused with {@link AppendResult.Status#LOG_FULL}.
     */
    public long maxBytes() {
        return maxBytes;
    }

    /** Retention by size: whole oldest segments go while the rest still holds this much; -1 for none. */
    public long retentionBytes() {
        return retentionBytes;
    }

    /** Retention by age: a segment whose newest record is older goes; -1 for none. */
    public long retentionMillis() {
        return retentionMillis;
    }

    /** The active segment rolls at the first append this long after its first record's timestamp; -1 never. */
    public long segmentMillis() {
        return segmentMillis;
    }

    /** When appended records are fsynced. */
    public FsyncMode fsync() {
        return fsync;
    }

    /** How many producers the deduplication table remembers. */
    public int maxProducers() {
        return maxProducers;
    }

    /** How many named cursors the topic's cursor store holds. */
    public int maxCursors() {
        return maxCursors;
    }

    /** The clock for age-based retention and roll. */
    public LogClock clock() {
        return clock;
    }

    /** Opens every file channel. */
    public ChannelFactory channelFactory() {
        return channelFactory;
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.segmentBytes = segmentBytes;
        b.indexIntervalBytes = indexIntervalBytes;
        b.maxBytes = maxBytes;
        b.retentionBytes = retentionBytes;
        b.retentionMillis = retentionMillis;
        b.segmentMillis = segmentMillis;
        b.fsync = fsync;
        b.maxProducers = maxProducers;
        b.maxCursors = maxCursors;
        b.clock = clock;
        b.channelFactory = channelFactory;
        return b;
    }

    /** The settings, for logs. */
    @Override
    public String toString() {
        return "LogConfig{segmentBytes=" + segmentBytes + ", indexIntervalBytes=" + indexIntervalBytes + ", maxBytes="
                + maxBytes + ", retentionBytes=" + retentionBytes + ", retentionMillis=" + retentionMillis
                + ", segmentMillis=" + segmentMillis + ", fsync=" + fsync + ", maxProducers=" + maxProducers
                + ", maxCursors=" + maxCursors + "}";
    }

    /** Builds a {@link LogConfig}. Not thread-safe; confine to one thread. */
    public static final class Builder {
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private int indexIntervalBytes = DEFAULT_INDEX_INTERVAL_BYTES;
        private long maxBytes = DEFAULT_MAX_BYTES;
        private long retentionBytes = UNLIMITED;
        private long retentionMillis = DEFAULT_RETENTION_MILLIS;
        private long segmentMillis = DEFAULT_RETENTION_MILLIS;
        private FsyncMode fsync = FsyncMode.BATCH;
        private int maxProducers = DEFAULT_MAX_PRODUCERS;
        private int maxCursors = DEFAULT_MAX_CURSORS;
        private LogClock clock = LogClock.SYSTEM;
        private ChannelFactory channelFactory = ChannelFactory.DEFAULT;

        private Builder() {}

        /** See {@link LogConfig#segmentBytes()}; 256 B to 1 GiB. */
        public Builder segmentBytes(int segmentBytes) {
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("segmentBytes: " + segmentBytes + " (expected: >= "
                        + MIN_SEGMENT_BYTES + " and <= " + MAX_SEGMENT_BYTES + ")");
            }
            this.segmentBytes = segmentBytes;
            return this;
        }

        /** See {@link LogConfig#indexIntervalBytes()}; {@code > 0}. */
        public Builder indexIntervalBytes(int indexIntervalBytes) {
            if (indexIntervalBytes <= 0) {
                throw new IllegalArgumentException("indexIntervalBytes: " + indexIntervalBytes + " (expected: > 0)");
            }
            this.indexIntervalBytes = indexIntervalBytes;
            return this;
        }

        /** See {@link LogConfig#maxBytes()}; at least 3 segments (checked by {@link #build()}). */
        public Builder maxBytes(long maxBytes) {
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
            }
            this.maxBytes = maxBytes;
            return this;
        }

        /** See {@link LogConfig#retentionBytes()}; {@code >= 0} or -1. */
        public Builder retentionBytes(long retentionBytes) {
            if (retentionBytes < UNLIMITED) {
                throw new IllegalArgumentException("retentionBytes: " + retentionBytes + " (expected: >= 0, or -1)");
            }
            this.retentionBytes = retentionBytes;
            return this;
        }

        /** See {@link LogConfig#retentionMillis()}; {@code >= 0} or -1. */
        public Builder retentionMillis(long retentionMillis) {
            if (retentionMillis < UNLIMITED) {
                throw new IllegalArgumentException("retentionMillis: " + retentionMillis + " (expected: >= 0, or -1)");
            }
            this.retentionMillis = retentionMillis;
            return this;
        }

        /** See {@link LogConfig#segmentMillis()}; {@code > 0} or -1. */
        public Builder segmentMillis(long segmentMillis) {
            if (segmentMillis == 0 || segmentMillis < UNLIMITED) {
                throw new IllegalArgumentException("segmentMillis: " + segmentMillis + " (expected: > 0, or -1)");
            }
            this.segmentMillis = segmentMillis;
            return this;
        }

        /** See {@link LogConfig#fsync()}. */
        public Builder fsync(FsyncMode fsync) {
            this.fsync = Objects.requireNonNull(fsync, "fsync");
            return this;
        }

        /** See {@link LogConfig#maxProducers()}; {@code > 0}. */
        public Builder maxProducers(int maxProducers) {
            if (maxProducers <= 0) {
                throw new IllegalArgumentException("maxProducers: " + maxProducers + " (expected: > 0)");
            }
            this.maxProducers = maxProducers;
            return this;
        }

        /** See {@link LogConfig#maxCursors()}; {@code > 0}. */
        public Builder maxCursors(int maxCursors) {
            if (maxCursors <= 0) {
                throw new IllegalArgumentException("maxCursors: " + maxCursors + " (expected: > 0)");
            }
            this.maxCursors = maxCursors;
            return this;
        }

        /** See {@link LogConfig#clock()}. */
        public Builder clock(LogClock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** See {@link LogConfig#channelFactory()}. */
        public Builder channelFactory(ChannelFactory channelFactory) {
            this.channelFactory = Objects.requireNonNull(channelFactory, "channelFactory");
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException if {@code maxBytes} is below three segments: dropping every
         *     segment but the active one must always make room for one more full batch (and its index
         *     entries), or a drop-oldest policy could not make progress
         */
        public LogConfig build() {
            if (maxBytes < 3L * segmentBytes) {
                throw new IllegalArgumentException(
                        "maxBytes: " + maxBytes + " (expected: >= 3 * segmentBytes = " + 3L * segmentBytes + ")");
            }
            return new LogConfig(this);
        }
    }
}
