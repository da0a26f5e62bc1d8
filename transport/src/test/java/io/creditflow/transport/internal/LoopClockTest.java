package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link LoopClock}: one reading per event, nested events keep the outer one, and no stale time outside. */
class LoopClockTest {
    private final long[] now = {100};
    private int reads;
    private final LoopClock time = new LoopClock(() -> {
        reads++;
        return now[0];
    });

    @Test
    void anEventReadsTheClockOnceAndEveryPartSeesThatReading() {
        assertThat(time.begin()).isEqualTo(100);
        now[0] = 200; // the clock moves while the event is handled
        assertThat(time.now()).isEqualTo(100);
        assertThat(time.now()).isEqualTo(100);
        time.end();
        assertThat(reads).isEqualTo(1);
    }

    @Test
    void aNestedEventKeepsTheOuterReading() {
        time.begin();
        now[0] = 200;
        assertThat(time.begin()).isEqualTo(100); // a close inside a read: the same instant
        time.end();
        assertThat(time.now()).isEqualTo(100);
        time.end();
        assertThat(reads).isEqualTo(1);
    }

    @Test
    void outsideAnEventEachCallIsAFreshReading() {
        time.begin();
        time.end();
        now[0] = 300;
        assertThat(time.now()).isEqualTo(300);
        now[0] = 400;
        assertThat(time.now()).isEqualTo(400);
        assertThat(time.begin()).isEqualTo(400); // the next event reads anew
        time.end();
    }
}
