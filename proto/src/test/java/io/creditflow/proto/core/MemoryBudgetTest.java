package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    @Test
    void reservesPartiallyAndNeverBeyondTheLimit() {
        MemoryBudget b = MemoryBudget.ofBytes(100);
        assertThat(b.tryReserve(60)).isEqualTo(60);
        assertThat(b.tryReserve(60)).isEqualTo(40);
        assertThat(b.tryReserve(1)).isZero();
        assertThat(b.tryReserveExactly(1)).isFalse();
        b.release(30);
        assertThat(b.tryReserveExactly(31)).isFalse();
        assertThat(b.tryReserveExactly(30)).isTrue();
        assertThat(b.peakReservedBytes()).isEqualTo(100);
        assertThatThrownBy(() -> MemoryBudget.ofBytes(0)).hasMessageContaining("limitBytes: 0 (expected: > 0)");
    }

    @Test
    void wakesWaitersOnceOnRelease() {
        MemoryBudget b = MemoryBudget.ofBytes(10);
        b.tryReserve(10);
        AtomicInteger woken = new AtomicInteger();
        MemoryBudget.Waiter w = new MemoryBudget.Waiter() {
            @Override
            protected void onBudgetReleased() {
                woken.incrementAndGet();
            }
        };
        b.awaitRelease(w);
        b.awaitRelease(w);
        assertThat(woken).hasValue(0);
        b.release(5);
        assertThat(woken).hasValue(1);
        b.release(5);
        assertThat(woken).as("one-shot").hasValue(1);
        b.awaitRelease(w);
        assertThat(woken).as("memory is available now: woken at once").hasValue(2);
    }

    @Test
    void fairShareAndPressure() {
        MemoryBudget b = MemoryBudget.ofBytes(1000);
        for (int i = 0; i < 4; i++) {
            b.registerStream();
        }
        assertThat(b.fairShareBytes()).isEqualTo(250);
        assertThat(b.isUnderPressure()).isFalse();
        assertThat(b.oldestStarvedTicket()).isZero();
        long first = b.markStarved();
        long second = b.markStarved();
        assertThat(b.isUnderPressure()).isTrue();
        assertThat(b.oldestStarvedTicket())
                .as("the longest waiting has priority")
                .isEqualTo(first);
        b.unmarkStarved(first);
        assertThat(b.oldestStarvedTicket()).isEqualTo(second);
        b.unmarkStarved(second);
        assertThat(b.isUnderPressure()).isFalse();
    }

    @Test
    void concurrentReservationsNeverExceedTheLimit() throws Exception {
        MemoryBudget b = MemoryBudget.ofBytes(10_000);
        AtomicLong violations = new AtomicLong();
        CountDownLatch done = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            Thread thread = new Thread(() -> {
                for (int i = 0; i < 50_000; i++) {
                    long got = b.tryReserve(1 + i % 997);
                    if (b.reservedBytes() > 10_000) {
                        violations.incrementAndGet();
                    }
                    b.release(got);
                }
                done.countDown();
            });
            threads.add(thread);
            thread.start();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(violations).hasValue(0);
        assertThat(b.reservedBytes()).isZero();
        assertThat(b.peakReservedBytes()).isLessThanOrEqualTo(10_000);
    }
}
