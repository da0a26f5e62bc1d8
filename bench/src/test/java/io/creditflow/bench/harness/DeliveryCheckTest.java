package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeliveryCheckTest {
    private static final int SIZE = 300;

    /** One message as a faulty channel delivers it, and what an unbounded reference model says of it. */
    private record Arrival(int stream, byte[] payload) {}

    /**
     * A channel that drops, duplicates, swaps neighbours and corrupts messages of three streams at random
     * (each kind of corruption one the check must see: wrong size, wrong stream index, a flipped first or
     * last fill byte, any flipped byte of a fully checked message), against a reference model that
     * remembers every sequence number seen.
     */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 42, 1234, 99999, -7, 31337})
    void countsWhatAFaultyChannelDidAsAnUnboundedModelDoes(long seed) {
        Random rnd = new Random(seed);
        int streams = 3;
        List<Arrival> arrivals = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            for (long seq = 0; seq < 500; seq++) {
                int fault = rnd.nextInt(20);
                byte[] p = Payloads.make(SIZE, i, seq, seq * 1000);
                if (fault == 0) {
                    continue; // dropped
                }
                if (fault == 1) {
                    arrivals.add(new Arrival(i, p.clone())); // duplicated
                }
                if (fault == 2) {
                    p = java.util.Arrays.copyOf(p, SIZE - 1 - rnd.nextInt(10)); // cut short
                } else if (fault == 3) {
                    p[3] ^= 1; // another stream's index
                } else if (fault == 4) {
                    p[Payloads.HEADER_BYTES] ^= (byte) (1 + rnd.nextInt(255));
                } else if (fault == 5) {
                    p[SIZE - 1] ^= (byte) (1 + rnd.nextInt(255));
                } else if (fault == 6 && Payloads.fullCheck(seq)) {
                    p[Payloads.HEADER_BYTES + rnd.nextInt(SIZE - Payloads.HEADER_BYTES)] ^=
                            (byte) (1 + rnd.nextInt(255));
                }
                arrivals.add(new Arrival(i, p));
            }
        }
        // reorder: swap some neighbours (of any stream, so a stream's own order changes too)
        for (int k = 0; k + 1 < arrivals.size(); k++) {
            if (rnd.nextInt(15) == 0) {
                Arrival a = arrivals.get(k);
                arrivals.set(k, arrivals.get(k + 1));
                arrivals.set(k + 1, a);
            }
        }

        DeliveryCheck check = new DeliveryCheck(streams, SIZE, 10_000);
        long[] consumed = new long[streams];
        long[] corrupt = new long[streams];
        long[] dups = new long[streams];
        long[] ooo = new long[streams];
        long[] highest = {-1, -1, -1};
        List<Set<Long>> seen = List.of(new HashSet<>(), new HashSet<>(), new HashSet<>());
        boolean viaBuffer = false;
        for (Arrival a : arrivals) {
            int i = a.stream();
            byte[] p = a.payload();
            long seq = Payloads.sequence(p);
            int from = Payloads.stream(p);
            boolean intact =
                    viaBuffer ? Payloads.fillIntact(ByteBuffer.wrap(p), i, seq) : Payloads.fillIntact(p, i, seq);
            viaBuffer = !viaBuffer;
            check.accept(i, from, seq, p.length, intact);
            // the reference: corrupt iff the bytes differ from what the sender wrote
            consumed[i]++;
            if (!java.util.Arrays.equals(p, Payloads.make(SIZE, i, seq, seq * 1000))) {
                corrupt[i]++;
            } else if (!seen.get(i).add(seq)) {
                dups[i]++;
            } else if (seq < highest[i]) {
                ooo[i]++;
            } else {
                highest[i] = seq;
            }
        }
        long faults = 0;
        for (int i = 0; i < streams; i++) {
            long gaps = highest[i] + 1 - seen.get(i).size();
            assertThat(check.consumed(i)).as("consumed %d", i).isEqualTo(consumed[i]);
            assertThat(check.corrupt(i)).as("corrupt %d", i).isEqualTo(corrupt[i]);
            assertThat(check.duplicates(i)).as("duplicates %d", i).isEqualTo(dups[i]);
            assertThat(check.outOfOrder(i)).as("out of order %d", i).isEqualTo(ooo[i]);
            assertThat(check.gaps(i)).as("gaps %d", i).isEqualTo(gaps);
            assertThat(check.forgotten(i)).isZero();
            faults += corrupt[i] + dups[i] + ooo[i] + gaps;
        }
        assertThat(faults).as("the channel did something").isPositive();
    }

    @ParameterizedTest
    @ValueSource(longs = {5, 6, 7, 8})
    void aCleanStreamHasNoFaultsAtAnySize(long seed) {
        Random rnd = new Random(seed);
        int size = Payloads.HEADER_BYTES + rnd.nextInt(70_000);
        DeliveryCheck check = new DeliveryCheck(1, size, 4);
        for (long seq = 0; seq < 200; seq++) {
            byte[] p = Payloads.make(size, 0, seq, rnd.nextLong());
            check.accept(
                    0,
                    Payloads.stream(p),
                    Payloads.sequence(p),
                    p.length,
                    Payloads.fillIntact(ByteBuffer.wrap(p), 0, Payloads.sequence(p)));
        }
        assertThat(check.consumed(0)).isEqualTo(200);
        assertThat(check.gaps(0) + check.duplicates(0) + check.outOfOrder(0) + check.corrupt(0))
                .isZero();
        assertThat(check.next(0)).isEqualTo(200);
    }

    @Test
    void everySampledOffsetAndEveryByteOfAFullyCheckedMessageIsChecked() {
        long partial = 5; // not a full-check sequence number
        assertThat(Payloads.fullCheck(partial)).isFalse();
        for (int k = 0; k < Payloads.SAMPLES; k++) {
            byte[] p = Payloads.make(1024, 2, partial, 0);
            int j = Payloads.sampleOffset(1024, partial, k);
            assertThat(j).isBetween(Payloads.HEADER_BYTES, 1023);
            p[j] ^= 0x40;
            assertThat(Payloads.fillIntact(p, 2, partial))
                    .as("sample %d at %d", k, j)
                    .isFalse();
        }
        long full = Payloads.FULL_CHECK_EVERY * 3L;
        for (int j = Payloads.HEADER_BYTES; j < 1024; j++) {
            byte[] p = Payloads.make(1024, 2, full, 0);
            p[j] ^= 0x01;
            assertThat(Payloads.fillIntact(p, 2, full)).as("byte %d", j).isFalse();
        }
        // the fill depends on the stream and the sequence number: another message's bytes do not pass
        assertThat(Payloads.fillIntact(Payloads.make(1024, 2, 6, 0), 2, partial))
                .isFalse();
        assertThat(Payloads.fillIntact(Payloads.make(1024, 3, partial, 0), 2, partial))
                .isFalse();
    }

    @Test
    void skippedRangesAreBoundedAndForgottenOnesStillCountAsGaps() {
        DeliveryCheck check = new DeliveryCheck(1, 64, 2);
        for (long seq = 0; seq < 20; seq += 2) { // every odd one lost: 9 ranges of one, 2 remembered
            check.accept(0, 0, seq, 64, true);
        }
        assertThat(check.gaps(0)).isEqualTo(9);
        assertThat(check.forgotten(0)).isEqualTo(7);
        check.accept(0, 0, 17, 64, true); // remembered: fills a gap
        assertThat(check.outOfOrder(0)).isEqualTo(1);
        assertThat(check.gaps(0)).isEqualTo(8);
        check.accept(0, 0, 1, 64, true); // forgotten: can only count as a duplicate
        assertThat(check.duplicates(0)).isEqualTo(1);
        check.accept(0, 0, 18, 64, true); // seen
        assertThat(check.duplicates(0)).isEqualTo(2);
    }

    @Test
    void aLateMessageInsideARangeSplitsIt() {
        DeliveryCheck check = new DeliveryCheck(1, 64, 4);
        check.accept(0, 0, 0, 64, true);
        check.accept(0, 0, 10, 64, true); // 1..9 missing
        check.accept(0, 0, 5, 64, true);
        check.accept(0, 0, 1, 64, true);
        check.accept(0, 0, 9, 64, true);
        check.accept(0, 0, 5, 64, true);
        assertThat(check.outOfOrder(0)).isEqualTo(3);
        assertThat(check.duplicates(0)).isEqualTo(1);
        assertThat(check.gaps(0)).isEqualTo(6); // 2,3,4,6,7,8
        check.accept(0, 0, 2, 63, true);
        assertThat(check.corrupt(0)).isEqualTo(1);
        assertThat(check.gaps(0)).isEqualTo(6);
    }
}
