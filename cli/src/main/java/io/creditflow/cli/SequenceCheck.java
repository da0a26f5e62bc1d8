package io.creditflow.cli;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checks the producer sequence numbers a consumer receives ({@code ./creditflow produce} writes one in the first 8
 * bytes of every payload): counts duplicates, messages out of order, and gaps (sequences between the lowest and the
 * highest seen that never arrived). Assumes one producer's sequences. Not thread-safe; read the counts from the
 * receiving thread, or after it finished.
 *
 * <p>The bound: a bit per sequence over a window of {@link #WINDOW} sequences around the first one received (at most
 * 8 MiB). Sequences outside the window are still counted as received, out of order and in the gap figure, but a
 * duplicate there is not recognised: it is counted in {@link #untracked()}.
 */
final class SequenceCheck {
    /** Sequences tracked exactly, half of them below the first received. */
    static final int WINDOW = 1 << 26;

    private final BitSet seen = new BitSet();
    private long base;
    private long received;
    private long distinct;
    private long duplicates;
    private long outOfOrder;
    private long untracked;
    private long first = -1;
    private long last = -1;
    private long min = Long.MAX_VALUE;
    private long max = -1;

    /** One message with producer sequence {@code sequence} ({@code >= 0}). */
    void add(long sequence) {
        received++;
        if (first < 0) {
            base = Math.max(0, sequence - WINDOW / 2); // room for late ones below the first
            first = sequence;
        }
        last = sequence;
        long rel = sequence - base;
        boolean duplicate = false;
        if (rel >= 0 && rel < WINDOW) {
            duplicate = seen.get((int) rel);
            seen.set((int) rel);
        } else {
            untracked++;
        }
        if (duplicate) {
            duplicates++;
            return;
        }
        distinct++;
        if (sequence < max) {
            outOfOrder++;
        }
        min = Math.min(min, sequence);
        max = Math.max(max, sequence);
    }

    long received() {
        return received;
    }

    long duplicates() {
        return duplicates;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    /** Sequences between the lowest and the highest received that never arrived. */
    long gaps() {
        return received == 0 ? 0 : Math.max(0, max - min + 1 - distinct);
    }

    /** Messages outside the exact window (their duplicates go unrecognised). */
    long untracked() {
        return untracked;
    }

    /** The first sequence received, or -1. */
    long firstSequence() {
        return first;
    }

    /** The last sequence received, or -1. */
    long lastSequence() {
        return last;
    }

    /** The JSON fields, in order. */
    Map<String, Object> fields() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("received", received);
        m.put("gaps", gaps());
        m.put("duplicates", duplicates);
        m.put("out_of_order", outOfOrder);
        m.put("first_sequence", first);
        m.put("last_sequence", last);
        m.put("lowest_sequence", received == 0 ? -1 : min);
        m.put("highest_sequence", max);
        return m;
    }
}
