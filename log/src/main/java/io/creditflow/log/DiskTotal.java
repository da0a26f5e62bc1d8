package io.creditflow.log;

/**
 * A bound on the bytes on disk of several {@link FileTopicLog}s together (a broker's durable topics), beside each
 * log's own {@link LogConfig#maxBytes()}. Every log opened with the same total adds its size here; an append that
 * would take the sum over {@link #maxBytes()} is refused with {@link AppendResult.Status#LOG_FULL} exactly as one
 * over the log's own bound, and {@link TopicLog#reclaim} and {@link TopicLog#dropOldest} delete that log's own
 * oldest segments until the batch fits under both. Thread-safe: the check and the reservation of an append are
 * one atomic step, so logs appending on different threads never overshoot the total together.
 */
public final class DiskTotal {
    private final long maxBytes;
    private long usedBytes;

    /**
     * A total of at most {@code maxBytes}; {@link Long#MAX_VALUE} for none (the sum is still counted).
     *
     * @throws IllegalArgumentException if {@code maxBytes <= 0}
     */
    public DiskTotal(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
        }
        this.maxBytes = maxBytes;
    }

    /** A total that bounds nothing and only adds up. */
    public static DiskTotal unbounded() {
        return new DiskTotal(Long.MAX_VALUE);
    }

    /** The bound; {@link Long#MAX_VALUE} for none. */
    public long maxBytes() {
        return maxBytes;
    }

    /** Whether there is a bound. */
    public boolean isBounded() {
        return maxBytes != Long.MAX_VALUE;
    }

    /** Bytes on disk of the open logs that share this total (segment and index files). */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** Whether {@code bytes} more fit under the bound now. */
    synchronized boolean fits(long bytes) {
        return bytes <= maxBytes - usedBytes;
    }

    /** Adds {@code bytes} if they fit under the bound; false (nothing added) if not. */
    synchronized boolean tryReserve(long bytes) {
        if (bytes > maxBytes - usedBytes) {
            return false;
        }
        usedBytes += bytes;
        return true;
    }

    /** Adds {@code delta} (negative: bytes deleted or released), bound or not: what is on disk is counted. */
    synchronized void add(long delta) {
        usedBytes += delta;
    }

    @Override
    public String toString() {
        return "DiskTotal{" + usedBytes() + " of " + (isBounded() ? maxBytes + " B}" : "unbounded}");
    }
}
