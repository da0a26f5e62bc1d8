package io.creditflow.bench.kafka;

import java.util.BitSet;

/**
 * What one consumer received, by the producer sequence carried in each payload's first 8 bytes: distinct
 * sequences, duplicates (a sequence seen again) and reorderings (a sequence below the previous one). Written
 * by one consumer thread; the counts are read from others.
 */
final class SequenceTally {
    private final BitSet seen = new BitSet();
    private volatile long distinct;
    private volatile long duplicates;
    private volatile long outOfOrder;
    private long last = -1;

    /** Records one delivery. */
    void record(long sequence) {
        if (sequence < 0 || sequence > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("sequence out of range: " + sequence);
        }
        int s = (int) sequence;
        if (seen.get(s)) {
            duplicates++;
        } else {
            seen.set(s);
            distinct++;
        }
        if (sequence < last) {
            outOfOrder++;
        }
        last = sequence;
    }

    /** Distinct sequences received. */
    long distinct() {
        return distinct;
    }

    long duplicates() {
        return duplicates;
    }

    long outOfOrder() {
        return outOfOrder;
    }

    /**
     * Sequences in {@code [0, count)} never received: the acknowledged messages this consumer lost. Call it
     * from the consumer's thread or after it stopped.
     */
    long missingBelow(long count) {
        int n = (int) Math.min(count, Integer.MAX_VALUE);
        return n - seen.get(0, n).cardinality();
    }
}
