package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SequenceCheckTest {
    static SequenceCheck of(long... sequences) {
        SequenceCheck c = new SequenceCheck();
        for (long s : sequences) {
            c.add(s);
        }
        return c;
    }

    @Test
    void aCleanRunHasNoGapsDuplicatesOrReordering() {
        SequenceCheck c = of(5, 6, 7, 8);
        assertThat(c.fields())
                .containsEntry("received", 4L)
                .containsEntry("gaps", 0L)
                .containsEntry("duplicates", 0L)
                .containsEntry("out_of_order", 0L)
                .containsEntry("first_sequence", 5L)
                .containsEntry("last_sequence", 8L);
    }

    @Test
    void eachKindOfTroubleIsCountedOnce() {
        SequenceCheck c = of(0, 1, 3, 3, 2, 6, 1);
        assertThat(c.received()).isEqualTo(7);
        assertThat(c.duplicates()).as("3 and 1 again").isEqualTo(2);
        assertThat(c.outOfOrder()).as("2 after 3").isEqualTo(1);
        assertThat(c.gaps()).as("4 and 5 never came").isEqualTo(2);
        assertThat(c.lastSequence()).isEqualTo(1);
    }

    @Test
    void nothingReceivedReportsMinusOne() {
        SequenceCheck c = new SequenceCheck();
        assertThat(c.fields())
                .containsEntry("received", 0L)
                .containsEntry("gaps", 0L)
                .containsEntry("first_sequence", -1L)
                .containsEntry("last_sequence", -1L);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    void shuffledWithRepeatsAgreesWithACount(long seed) {
        Random r = new Random(seed);
        List<Long> all = new ArrayList<>();
        int n = 1000;
        int dropped = 0;
        for (long i = 0; i < n; i++) {
            if (i != 0 && i != n - 1 && r.nextInt(10) == 0) {
                dropped++;
                continue;
            }
            all.add(i);
        }
        int repeats = r.nextInt(50);
        for (int i = 0; i < repeats; i++) {
            all.add(all.get(r.nextInt(all.size())));
        }
        Collections.shuffle(all, r);
        SequenceCheck c = new SequenceCheck();
        all.forEach(c::add);
        assertThat(c.received()).isEqualTo(all.size());
        assertThat(c.duplicates()).isEqualTo(repeats);
        assertThat(c.gaps()).isEqualTo(dropped);
    }
}
