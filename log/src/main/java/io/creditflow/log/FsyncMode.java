package io.creditflow.log;

import java.util.Objects;

/**
 * When a {@link FileTopicLog} forces appended records to stable storage, and so what {@link TopicLog#durableOffset()}
 * promises. docs/log.md states, per mode, what a process crash (kill -9) and a power loss can lose. Immutable and
 * thread-safe.
 *
 * <ul>
 *   <li>{@code always}: every append is fsynced before {@code append} returns.
 *   <li>{@code batch} (the default): group commit. A flusher thread fsyncs everything appended since the
 *       previous fsync with one {@code force}, as soon as the previous one has finished.
 *   <li>{@code interval=MS}: the flusher fsyncs at most once every {@code MS} milliseconds.
 *   <li>{@code never}: the operating system decides when to write back; the log fsyncs only on {@link
 *       TopicLog#flush()} and on close. The durable offset follows the end of the log as soon as the
 *       records are written to the operating system.
 * </ul>
 */
public final class FsyncMode {
    /** The kinds of mode. */
    public enum Kind {
        /** fsync before every append returns. */
        ALWAYS,
        /** Group commit by a flusher thread. */
        BATCH,
        /** fsync by a flusher thread at a fixed interval. */
        INTERVAL,
        /** No fsync except on flush and close. */
        NEVER
    }

    /** fsync before every append returns. */
    public static final FsyncMode ALWAYS = new FsyncMode(Kind.ALWAYS, 0);
    /** Group commit: one fsync covers everything appended since the previous one. */
    public static final FsyncMode BATCH = new FsyncMode(Kind.BATCH, 0);
    /** No fsync except on flush and close. */
    public static final FsyncMode NEVER = new FsyncMode(Kind.NEVER, 0);

    private static final String EXPECTED = "(expected: always, batch, interval=MS, never)";

    private final Kind kind;
    private final long intervalMillis;

    private FsyncMode(Kind kind, long intervalMillis) {
        this.kind = kind;
        this.intervalMillis = intervalMillis;
    }

    /** fsync by the flusher thread at most once every {@code intervalMillis} milliseconds ({@code > 0}). */
    public static FsyncMode interval(long intervalMillis) {
        if (intervalMillis <= 0) {
            throw new IllegalArgumentException("intervalMillis: " + intervalMillis + " (expected: > 0)");
        }
        return new FsyncMode(Kind.INTERVAL, intervalMillis);
    }

    /**
     * Parses {@code always}, {@code batch}, {@code interval=MS} or {@code never} (case-insensitive), the
     * syntax of the broker's {@code --fsync} flag.
     *
     * @throws IllegalArgumentException with a message such as {@code fsync: 'sometimes' (expected: always,
     *     batch, interval=MS, never)}
     */
    public static FsyncMode parse(String text) {
        Objects.requireNonNull(text, "text");
        String s = text.trim().toLowerCase(java.util.Locale.ROOT);
        switch (s) {
            case "always":
                return ALWAYS;
            case "batch":
                return BATCH;
            case "never":
                return NEVER;
            default:
                break;
        }
        if (s.startsWith("interval=")) {
            String digits = s.substring("interval=".length());
            long ms;
            try {
                ms = Long.parseLong(digits);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "fsync: '" + text + "' (expected: interval=MS with MS a whole number of milliseconds > 0)");
            }
            if (ms <= 0) {
                throw new IllegalArgumentException(
                        "fsync: '" + text + "' (expected: interval=MS with MS a whole number of milliseconds > 0)");
            }
            return new FsyncMode(Kind.INTERVAL, ms);
        }
        throw new IllegalArgumentException("fsync: '" + text + "' " + EXPECTED);
    }

    /** The kind of mode. */
    public Kind kind() {
        return kind;
    }

    /** The flush interval of an {@code interval=MS} mode, in milliseconds; 0 for the other kinds. */
    public long intervalMillis() {
        return intervalMillis;
    }

    /** Whether a flusher thread runs in this mode ({@code batch} and {@code interval}). */
    boolean usesFlusher() {
        return kind == Kind.BATCH || kind == Kind.INTERVAL;
    }

    /** The text {@link #parse} accepts for this mode, such as {@code interval=200}. */
    @Override
    public String toString() {
        switch (kind) {
            case ALWAYS:
                return "always";
            case BATCH:
                return "batch";
            case INTERVAL:
                return "interval=" + intervalMillis;
            default:
                return "never";
        }
    }

    /** Modes are equal when their kind and interval are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof FsyncMode m && m.kind == kind && m.intervalMillis == intervalMillis;
    }

    /** A hash of kind and interval. */
    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Long.hashCode(intervalMillis);
    }
}
