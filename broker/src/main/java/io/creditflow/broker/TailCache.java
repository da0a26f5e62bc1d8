package io.creditflow.broker;

import io.creditflow.log.LogRecord;
import io.creditflow.proto.core.MemoryBudget;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The records a topic log appended last, in memory, for the subscriptions reading near its head: each takes them
 * from here instead of reading and checking them from the log again (with 15 fast consumers, one copy instead of 15
 * positioned reads and CRC checks per record). Contiguous offsets only; a gap (an append the cache did not see)
 * empties it. Each record's payload sits in its own heap array behind an 8-byte slot already holding its offset,
 * so {@link LogSubscription#frame} sends it without a copy and without writing to it.
 *
 * <p>The four questions: <b>bound</b> {@code maxBytes} per topic (record sizes as the log counts them), every byte
 * also reserved in the broker budget, so all topics' caches together stay within the budget; <b>when full</b> the
 * oldest records go (drop: they are still in the log, where a subscription behind the cache reads them); when the
 * budget refuses, the new records are not cached; <b>pressure</b> none: a miss costs a log read, nothing waits;
 * <b>observed</b> {@code LogTopicStats.tailCacheBytes/tailCacheHits} and {@code creditflow_log_tail_cache_*}.
 *
 * <p>Not thread-safe: guarded by its {@link LogTopic}'s lock.
 */
final class TailCache {
    private final long maxBytes;
    private final MemoryBudget budget;
    /** A ring, power-of-two sized: record {@code i} (0 the oldest) at {@code (head + i) & (ring.length - 1)}. */
    private LogRecord[] ring = new LogRecord[256];

    private int head;
    private int size;
    private long bytes;
    private long hits;

    TailCache(long maxBytes, MemoryBudget budget) {
        this.maxBytes = maxBytes;
        this.budget = budget;
    }

    /** Records just appended at consecutive offsets; the oldest cached ones go to make room. */
    void add(LogRecord r) {
        if (size > 0 && r.offset() != at(size - 1).offset() + 1) {
            clear();
        }
        long recordBytes = r.sizeBytes();
        if (recordBytes > maxBytes) {
            clear();
            return;
        }
        while (bytes + recordBytes > maxBytes) {
            evictOldest();
        }
        if (!budget.tryReserveExactly(recordBytes)) {
            clear(); // the budget is for what cannot be read back; the next records start a new run
            return;
        }
        if (size == ring.length) {
            LogRecord[] grown = new LogRecord[ring.length * 2];
            for (int i = 0; i < size; i++) {
                grown[i] = at(i);
            }
            ring = grown;
            head = 0;
        }
        ring[(head + size) & (ring.length - 1)] = r;
        size++;
        bytes += recordBytes;
    }

    /**
     * Hands the cached records from {@code offset} on to {@code out}, in order, at most {@code maxBytes} (at least
     * one record) and {@code maxRecords}.
     *
     * @return the records handed over, 0 if {@code offset} is not cached
     */
    int copyFrom(long offset, long maxBytes, int maxRecords, Consumer<LogRecord> out) {
        if (size == 0) {
            return 0;
        }
        long first = at(0).offset();
        if (offset < first || offset - first >= size) {
            return 0;
        }
        int n = 0;
        long taken = 0;
        for (int i = (int) (offset - first); i < size; i++) {
            LogRecord r = at(i);
            if (n > 0 && (taken + r.sizeBytes() > maxBytes || n >= maxRecords)) {
                break;
            }
            out.accept(r);
            taken += r.sizeBytes();
            n++;
        }
        hits += n;
        return n;
    }

    void clear() {
        budget.release(bytes);
        bytes = 0;
        Arrays.fill(ring, null);
        head = 0;
        size = 0;
    }

    private LogRecord at(int i) {
        return ring[(head + i) & (ring.length - 1)];
    }

    private void evictOldest() {
        LogRecord r = ring[head];
        ring[head] = null;
        head = (head + 1) & (ring.length - 1);
        size--;
        bytes -= r.sizeBytes();
        budget.release(r.sizeBytes());
    }

    long bytes() {
        return bytes;
    }

    /** Records subscriptions took from here instead of the log. */
    long hits() {
        return hits;
    }
}
