package io.creditflow.bench.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One child's counters for one run: per stream, messages and payload bytes sent (sender) and consumed
 * (receiver; the broker sender counts its consumers here too), a latency recorder, and a time series of
 * the cumulative byte counts of tracked streams, each sample stamped with {@link System#nanoTime()} (the
 * clock the two JVMs share) so the orchestrator can line up the two sides' series.
 *
 * <p>Thread-safe. Counters sit 64 bytes apart so streams served by different threads do not share a
 * cache line.
 */
public final class Meter {
    private static final int STRIDE = 8;

    private final int streams;
    private final AtomicLongArray sent;
    private final AtomicLongArray consumed;
    private final Recorder latency = new Recorder(3);
    private final AtomicLong negativeLatency = new AtomicLong();
    private final int[] tracked;
    private final List<long[]> sentSeries = new ArrayList<>();
    private final List<long[]> consumedSeries = new ArrayList<>();
    private long markNanos;
    private long[] sentAtMark;
    private long[] consumedAtMark;

    public Meter(int streams, int[] tracked) {
        this.streams = streams;
        this.sent = new AtomicLongArray(streams * 2 * STRIDE);
        this.consumed = new AtomicLongArray(streams * 2 * STRIDE);
        this.tracked = tracked.clone();
    }

    public int streams() {
        return streams;
    }

    public void sent(int stream, int bytes) {
        int k = stream * 2 * STRIDE;
        sent.lazySet(k, sent.get(k) + 1);
        sent.lazySet(k + STRIDE, sent.get(k + STRIDE) + bytes);
    }

    /** Counts a consumed message. Safe for several threads only if each stream has one writer at a time. */
    public void consumed(int stream, int bytes) {
        int k = stream * 2 * STRIDE;
        consumed.lazySet(k, consumed.get(k) + 1);
        consumed.lazySet(k + STRIDE, consumed.get(k + STRIDE) + bytes);
    }

    /** Records the one-way latency of a message stamped with its intended send time. */
    public void latency(long intendedNanos) {
        long d = System.nanoTime() - intendedNanos;
        if (d < 0) {
            negativeLatency.incrementAndGet();
            d = 0;
        }
        latency.recordValue(d);
    }

    public long sentMessages(int stream) {
        return sent.get(stream * 2 * STRIDE);
    }

    public long sentBytes(int stream) {
        return sent.get(stream * 2 * STRIDE + STRIDE);
    }

    public long consumedMessages(int stream) {
        return consumed.get(stream * 2 * STRIDE);
    }

    public long consumedBytes(int stream) {
        return consumed.get(stream * 2 * STRIDE + STRIDE);
    }

    /** Called by the probe thread: records the tracked streams' cumulative bytes, stamped with the time. */
    public synchronized void sampleSeries(long nowNanos) {
        if (tracked.length == 0) {
            return;
        }
        long[] s = new long[tracked.length + 1];
        long[] c = new long[tracked.length + 1];
        s[0] = nowNanos;
        c[0] = nowNanos;
        for (int j = 0; j < tracked.length; j++) {
            s[j + 1] = sentBytes(tracked[j]);
            c[j + 1] = consumedBytes(tracked[j]);
        }
        sentSeries.add(s);
        consumedSeries.add(c);
    }

    /** Start of the measured window: counters are remembered, the latency histogram starts over. */
    public synchronized void mark() {
        sentAtMark = snapshot(sent);
        consumedAtMark = snapshot(consumed);
        latency.reset();
        negativeLatency.set(0);
        markNanos = System.nanoTime();
    }

    private long[] snapshot(AtomicLongArray a) {
        long[] s = new long[streams * 2];
        for (int i = 0; i < streams; i++) {
            s[2 * i] = a.get(i * 2 * STRIDE);
            s[2 * i + 1] = a.get(i * 2 * STRIDE + STRIDE);
        }
        return s;
    }

    /**
     * The figures since the mark: per stream arrays of messages and bytes sent and consumed in the
     * window, cumulative totals, latency percentiles and the tracked series.
     */
    public synchronized Map<String, Object> result() {
        long[] sNow = snapshot(sent);
        long[] cNow = snapshot(consumed);
        long[] s0 = sentAtMark != null ? sentAtMark : new long[streams * 2];
        long[] c0 = consumedAtMark != null ? consumedAtMark : new long[streams * 2];
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mark_nanos", markNanos);
        m.put("sent_msgs", delta(sNow, s0, 0));
        m.put("sent_bytes", delta(sNow, s0, 1));
        m.put("consumed_msgs", delta(cNow, c0, 0));
        m.put("consumed_bytes", delta(cNow, c0, 1));
        m.put("sent_bytes_total", delta(sNow, new long[sNow.length], 1));
        m.put("consumed_bytes_total", delta(cNow, new long[cNow.length], 1));
        Histogram h = latency.getIntervalHistogram();
        if (h.getTotalCount() > 0) {
            m.put("latency_count", h.getTotalCount());
            m.put("p50_us", h.getValueAtPercentile(50) / 1000.0);
            m.put("p99_us", h.getValueAtPercentile(99) / 1000.0);
            m.put("p999_us", h.getValueAtPercentile(99.9) / 1000.0);
            m.put("max_us", h.getMaxValue() / 1000.0);
            m.put("negative_latency", negativeLatency.get());
        }
        if (tracked.length > 0) {
            m.put("tracked", toList(tracked));
            m.put("sent_series", series(sentSeries));
            m.put("consumed_series", series(consumedSeries));
        }
        return m;
    }

    /** As [[nanos, bytes of tracked stream 0, ...], ...]. */
    private static List<Object> series(List<long[]> s) {
        List<Object> out = new ArrayList<>(s.size());
        for (long[] sample : s) {
            List<Object> row = new ArrayList<>(sample.length);
            for (long v : sample) {
                row.add(v);
            }
            out.add(row);
        }
        return out;
    }

    private static List<Object> toList(int[] a) {
        List<Object> l = new ArrayList<>();
        for (int v : a) {
            l.add(v);
        }
        return l;
    }

    private long[] delta(long[] now, long[] base, int field) {
        long[] d = new long[streams];
        for (int i = 0; i < streams; i++) {
            d[i] = now[2 * i + field] - base[2 * i + field];
        }
        return d;
    }
}
