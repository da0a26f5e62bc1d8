package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.log.LogRecord;
import io.creditflow.proto.core.MemoryBudget;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TailCache}: contiguous offsets, its bound in bytes, the budget it reserves in, reads from an offset. */
class TailCacheTest {
    static final int SIZE = LogRecord.HEADER_BYTES + 100;

    static LogRecord record(long offset) {
        return new LogRecord(offset, 1000L, -1, -1, ByteBuffer.allocate(100));
    }

    static List<Long> offsets(ArrayDeque<LogRecord> d) {
        return d.stream().map(LogRecord::offset).toList();
    }

    @Test
    void servesContiguousRecordsFromAnOffsetWithinItsBounds() {
        MemoryBudget budget = MemoryBudget.ofBytes(1 << 20);
        TailCache c = new TailCache(10 * SIZE, budget);
        for (long o = 100; o < 105; o++) {
            c.add(record(o));
        }
        assertThat(c.bytes()).isEqualTo(5L * SIZE);
        assertThat(budget.reservedBytes()).isEqualTo(5L * SIZE);
        ArrayDeque<LogRecord> out = new ArrayDeque<>();
        assertThat(c.copyFrom(99, 1 << 20, 100, out::addLast))
                .as("before the cache")
                .isZero();
        assertThat(c.copyFrom(105, 1 << 20, 100, out::addLast))
                .as("past the cache")
                .isZero();
        assertThat(c.copyFrom(102, 1 << 20, 100, out::addLast)).isEqualTo(3);
        assertThat(offsets(out)).containsExactly(102L, 103L, 104L);
        out.clear();
        assertThat(c.copyFrom(100, 1 << 20, 2, out::addLast))
                .as("at most maxRecords")
                .isEqualTo(2);
        out.clear();
        assertThat(c.copyFrom(100, 2L * SIZE + 1, 100, out::addLast))
                .as("at most maxBytes")
                .isEqualTo(2);
        out.clear();
        assertThat(c.copyFrom(100, 1, 100, out::addLast))
                .as("at least one record")
                .isEqualTo(1);
        assertThat(c.hits()).isEqualTo(3 + 2 + 2 + 1);
    }

    @Test
    void theOldestGoWhenFullAndAGapStartsOver() {
        MemoryBudget budget = MemoryBudget.ofBytes(1 << 20);
        TailCache c = new TailCache(3 * SIZE, budget);
        for (long o = 0; o < 1000; o++) {
            c.add(record(o));
        }
        ArrayDeque<LogRecord> out = new ArrayDeque<>();
        assertThat(c.copyFrom(996, 1 << 20, 100, out::addLast)).isZero();
        assertThat(c.copyFrom(997, 1 << 20, 100, out::addLast)).isEqualTo(3);
        assertThat(offsets(out)).containsExactly(997L, 998L, 999L);
        assertThat(budget.reservedBytes()).isEqualTo(3L * SIZE);

        c.add(record(2000)); // an append the cache did not see: start over at 2000
        out.clear();
        assertThat(c.copyFrom(999, 1 << 20, 100, out::addLast)).isZero();
        assertThat(c.copyFrom(2000, 1 << 20, 100, out::addLast)).isEqualTo(1);
        assertThat(budget.reservedBytes()).isEqualTo(SIZE);
        c.clear();
        assertThat(budget.reservedBytes()).isZero();
        assertThat(c.bytes()).isZero();
    }

    @Test
    void aLargeRingKeepsItsOrderWhenItGrows() {
        TailCache c = new TailCache(10_000L * SIZE, MemoryBudget.ofBytes(1L << 30));
        for (long o = 0; o < 5_000; o++) {
            c.add(record(o));
        }
        ArrayDeque<LogRecord> out = new ArrayDeque<>();
        assertThat(c.copyFrom(0, Long.MAX_VALUE, 10_000, out::addLast)).isEqualTo(5_000);
        long expected = 0;
        for (LogRecord r : out) {
            assertThat(r.offset()).isEqualTo(expected++);
        }
    }

    @Test
    void whatTheBudgetRefusesIsNotCached() {
        MemoryBudget budget = MemoryBudget.ofBytes(2L * SIZE);
        TailCache c = new TailCache(10 * SIZE, budget);
        c.add(record(0));
        c.add(record(1));
        assertThat(budget.reservedBytes()).isEqualTo(2L * SIZE);
        c.add(record(2)); // the budget is full: the cache gives back what it held and keeps nothing
        assertThat(c.bytes()).isZero();
        assertThat(budget.reservedBytes()).isZero();
        ArrayDeque<LogRecord> out = new ArrayDeque<>();
        assertThat(c.copyFrom(0, 1 << 20, 100, out::addLast)).isZero();
        c.add(record(3)); // room again: a new run from 3
        assertThat(c.copyFrom(3, 1 << 20, 100, out::addLast)).isEqualTo(1);
    }
}
