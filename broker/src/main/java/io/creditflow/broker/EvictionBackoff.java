package io.creditflow.broker;

import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamRejectedException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Holds back the name of a subscription whose consumers were just evicted (DISCONNECT), so that a consumer
 * that resubscribes at once does not start an evict-resubscribe loop: the first eviction holds the name for
 * {@code initial}, each further one within {@link #WINDOW_NANOS} doubles it, up to {@code max}. A consumer
 * that joins meanwhile is refused with SLOW_CONSUMER and a reason ending in {@code retry-after-ms=N}.
 *
 * <p>The four questions: <b>bound</b> at most {@link #MAX_ENTRIES} names per topic (the oldest goes first)
 * and each entry forgotten {@link #WINDOW_NANOS} after its last eviction; <b>when full</b> the oldest entry
 * is forgotten (that name rejoins without waiting); <b>pressure</b> the consumer is told how long to wait;
 * <b>observed</b> {@link #refusedRejoins()} ({@code creditflow_topic_rejoins_refused_total}) beside the
 * topic's evictions.
 *
 * <p>Guarded by the topic's lock.
 */
final class EvictionBackoff {
    /** Evictions this close together count as one run, doubling the hold. */
    static final long WINDOW_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** Names remembered per topic: each costs about 100 bytes. */
    static final int MAX_ENTRIES = 10_000;

    private static final class Entry {
        long lastEvictionNanos;
        long holdUntilNanos;
        int evictionsInRun;
    }

    private final long initialNanos;
    private final long maxNanos;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private long refusedRejoins;

    EvictionBackoff(java.time.Duration initial, java.time.Duration max) {
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** The consumers of subscription {@code name} were evicted at {@code now}. */
    void onEvicted(String name, long now) {
        if (initialNanos == 0) {
            return;
        }
        Entry e = entries.remove(name); // re-inserted last: the map stays ordered by last eviction
        if (e == null || now - e.lastEvictionNanos > WINDOW_NANOS) {
            e = new Entry();
        }
        e.evictionsInRun++;
        long hold = initialNanos << Math.min(e.evictionsInRun - 1, 30);
        e.holdUntilNanos = now + Math.min(hold <= 0 ? maxNanos : hold, maxNanos);
        e.lastEvictionNanos = now;
        entries.put(name, e);
        if (entries.size() > MAX_ENTRIES) {
            Iterator<String> it = entries.keySet().iterator();
            it.next();
            it.remove();
        }
    }

    /**
     * @throws StreamRejectedException SLOW_CONSUMER if {@code name} is held back at {@code now}
     */
    void checkRejoin(String name, long now) {
        Entry e = entries.get(name);
        if (e != null && now < e.holdUntilNanos) {
            refusedRejoins++;
            long leftMillis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(e.holdUntilNanos - now));
            throw new StreamRejectedException(
                    ErrorCode.SLOW_CONSUMER,
                    "subscription '" + name + "' was evicted "
                            + TimeUnit.NANOSECONDS.toMillis(now - e.lastEvictionNanos) + " ms ago (" + e.evictionsInRun
                            + (e.evictionsInRun == 1 ? " eviction" : " evictions") + " in a row); rejoin in "
                            + leftMillis + " ms, retry-after-ms=" + leftMillis);
        }
    }

    /** Forgets names whose last eviction is older than the window. */
    void prune(long now) {
        entries.values().removeIf(e -> now - e.lastEvictionNanos > WINDOW_NANOS);
    }

    long refusedRejoins() {
        return refusedRejoins;
    }
}
