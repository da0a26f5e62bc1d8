package io.creditflow.bench.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The receiver's check of what each stream delivered, against the layout of {@link Payloads}: per
 * stream, the next sequence number expected, and the sequence numbers skipped so far (gaps), so a
 * message that arrives later is told apart as out of order (it fills a gap) or a duplicate (it was
 * seen already). A message whose stream index, size or fill does not match is corrupt and is not
 * counted further.
 *
 * <p>Bound: at most {@code maxRanges} skipped ranges are remembered per stream (a range is two longs,
 * allocated at the stream's first gap, so S7's thousands of idle streams cost nothing);
 * when that is full the oldest range is forgotten: its messages still count as gaps, but one of them
 * arriving later counts as a duplicate rather than out of order ({@link #forgotten} says how many
 * were forgotten). So a stream that loses every other message costs bounded memory, not one entry per
 * loss.
 *
 * <p>Threads: as {@link Meter}, each stream has one writer at a time; the reader ({@link #result})
 * runs after the consumer has gone quiet (the drain), and {@link RunContext} updates the check before
 * the meter's release-stored counter, which the drain reads first.
 */
public final class DeliveryCheck {
    public static final int DEFAULT_MAX_RANGES = 256;

    private final int payloadBytes;
    private final PerStream[] streams;

    public DeliveryCheck(int streams, int payloadBytes, int maxRanges) {
        if (maxRanges < 1) {
            throw new IllegalArgumentException("maxRanges must be at least 1");
        }
        this.payloadBytes = payloadBytes;
        this.streams = new PerStream[streams];
        for (int i = 0; i < streams; i++) {
            this.streams[i] = new PerStream(maxRanges);
        }
    }

    public int streams() {
        return streams.length;
    }

    /**
     * One consumed message of stream {@code stream}: the stream index and sequence number its header
     * carries, its size, and whether its fill matched.
     */
    public void accept(int stream, int headerStream, long sequence, int size, boolean fillIntact) {
        PerStream s = streams[stream];
        s.consumed++;
        if (headerStream != stream || size != payloadBytes || !fillIntact || sequence < 0) {
            s.corrupt++;
            return;
        }
        if (sequence == s.next) {
            s.next++;
        } else if (sequence > s.next) {
            s.addMissing(s.next, sequence);
            s.next = sequence + 1;
        } else if (s.fill(sequence)) {
            s.outOfOrder++;
        } else {
            s.duplicates++;
        }
    }

    public long consumed(int stream) {
        return streams[stream].consumed;
    }

    /** Sequence numbers below the highest seen that never arrived (forgotten ranges included). */
    public long gaps(int stream) {
        return streams[stream].missing();
    }

    public long duplicates(int stream) {
        return streams[stream].duplicates;
    }

    public long outOfOrder(int stream) {
        return streams[stream].outOfOrder;
    }

    public long corrupt(int stream) {
        return streams[stream].corrupt;
    }

    /** Skipped sequence numbers no longer remembered (the range bound was reached). */
    public long forgotten(int stream) {
        return streams[stream].forgotten;
    }

    /** One past the highest in-order-or-later sequence number seen. */
    public long next(int stream) {
        return streams[stream].next;
    }

    /** Per stream arrays: consumed, gaps, duplicates, out_of_order, corrupt (as the drain reply carries them). */
    public Map<String, Object> result() {
        int n = streams.length;
        long[] consumed = new long[n];
        long[] gaps = new long[n];
        long[] dups = new long[n];
        long[] ooo = new long[n];
        long[] corrupt = new long[n];
        for (int i = 0; i < n; i++) {
            consumed[i] = consumed(i);
            gaps[i] = gaps(i);
            dups[i] = duplicates(i);
            ooo[i] = outOfOrder(i);
            corrupt[i] = corrupt(i);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("checked_msgs", consumed);
        m.put("gap_msgs", gaps);
        m.put("duplicate_msgs", dups);
        m.put("out_of_order_msgs", ooo);
        m.put("corrupt_msgs", corrupt);
        return m;
    }

    private static final class PerStream {
        final int maxRanges;
        long[] from; // allocated at the first gap: a clean stream costs a few longs
        long[] to; // exclusive
        int count;
        long next;
        long consumed;
        long duplicates;
        long outOfOrder;
        long corrupt;
        long forgotten;

        PerStream(int maxRanges) {
            this.maxRanges = maxRanges;
        }

        void addMissing(long a, long b) {
            if (from == null) {
                from = new long[maxRanges];
                to = new long[maxRanges];
            }
            if (count == from.length) { // forget the oldest
                forgotten += to[0] - from[0];
                System.arraycopy(from, 1, from, 0, count - 1);
                System.arraycopy(to, 1, to, 0, count - 1);
                count--;
            }
            from[count] = a;
            to[count] = b;
            count++;
        }

        /** Removes {@code seq} from the remembered gaps; false if it was not in one. */
        boolean fill(long seq) {
            for (int r = count - 1; r >= 0; r--) {
                if (seq >= from[r] && seq < to[r]) {
                    if (from[r] == seq && to[r] == seq + 1) {
                        System.arraycopy(from, r + 1, from, r, count - r - 1);
                        System.arraycopy(to, r + 1, to, r, count - r - 1);
                        count--;
                    } else if (from[r] == seq) {
                        from[r]++;
                    } else if (to[r] == seq + 1) {
                        to[r]--;
                    } else if (count < from.length) { // split
                        System.arraycopy(from, r + 1, from, r + 2, count - r - 1);
                        System.arraycopy(to, r + 1, to, r + 2, count - r - 1);
                        from[r + 1] = seq + 1;
                        to[r + 1] = to[r];
                        to[r] = seq;
                        count++;
                    } else { // no room to split: keep the lower part, forget the upper
                        forgotten += to[r] - seq - 1;
                        to[r] = seq;
                    }
                    return true;
                }
            }
            return false;
        }

        long missing() {
            long m = forgotten;
            for (int r = 0; r < count; r++) {
                m += to[r] - from[r];
            }
            return m;
        }
    }
}
