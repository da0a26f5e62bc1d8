package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.transport.internal.ConnectionTimers.Action;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionTimers#check} with time passed in: each limit at its boundary, their order, and the
 * read-side clocks suspended by a read pause and restarted on resume. Limits (ms): partial frame 100,
 * write stall 200, idle 300, keepalive interval 400, keepalive timeout 500.
 */
class ConnectionTimersTest {
    private static final long MS = 1_000_000L;

    private static ConnectionTimers started(long now) {
        ConnectionTimers t = new ConnectionTimers(PeerPolicingTest.timeouts());
        t.start(now);
        return t;
    }

    @Test
    void nothingIsDueRightAfterTheStart() {
        ConnectionTimers t = started(0);
        assertThat(t.check(0, false, true)).isEqualTo(Action.NONE);
        assertThat(t.check(300 * MS, false, true)).isEqualTo(Action.NONE);
    }

    @Test
    void idleCountsFromTheLastStreamAndOnlyWithoutStreams() {
        ConnectionTimers t = started(0);
        assertThat(t.check(301 * MS, false, true)).isEqualTo(Action.IDLE);
        assertThat(t.check(301 * MS, false, false)).as("streams being opened").isEqualTo(Action.NONE);
        t.onStreamOpened();
        assertThat(t.check(301 * MS, false, true)).isEqualTo(Action.NONE);
        t.onNoStreams(350 * MS);
        t.onRead(350 * MS);
        assertThat(t.check(650 * MS, false, true)).isEqualTo(Action.NONE);
        assertThat(t.check(651 * MS, false, true)).isEqualTo(Action.IDLE);
    }

    @Test
    void aSilentPeerIsPingedThenTimedOut() {
        ConnectionTimers t = started(0);
        t.onStreamOpened();
        assertThat(t.check(400 * MS, false, false)).isEqualTo(Action.NONE);
        assertThat(t.check(401 * MS, false, false)).isEqualTo(Action.PING);
        t.onPingSent(401 * MS);
        assertThat(t.check(901 * MS, false, false))
                .as("no second ping while one is out")
                .isEqualTo(Action.NONE);
        assertThat(t.check(902 * MS, false, false)).isEqualTo(Action.KEEPALIVE_TIMEOUT);
        t.onPong();
        assertThat(t.check(902 * MS, false, false)).isEqualTo(Action.PING);
        t.onRead(902 * MS);
        assertThat(t.check(902 * MS, false, false)).isEqualTo(Action.NONE);
    }

    @Test
    void anIncompleteFrameTimesOutUnlessCompleted() {
        ConnectionTimers t = started(0);
        t.onStreamOpened();
        t.onPartialFrame(10 * MS);
        assertThat(t.check(110 * MS, false, false)).isEqualTo(Action.NONE);
        assertThat(t.check(111 * MS, false, false)).isEqualTo(Action.PARTIAL_FRAME);
        t.onPartialFrameDone();
        assertThat(t.check(111 * MS, false, false)).isEqualTo(Action.NONE);
    }

    @Test
    void theWriteStallComesFirstAndActsEvenWhileReadingIsPaused() {
        ConnectionTimers t = started(0);
        t.onPartialFrame(0);
        t.onUnwritable(0);
        assertThat(t.check(200 * MS, true, true)).isEqualTo(Action.NONE);
        assertThat(t.check(201 * MS, true, true)).isEqualTo(Action.WRITE_STALLED);
        assertThat(t.check(201 * MS, false, true)).isEqualTo(Action.WRITE_STALLED);
        t.onWritable();
        assertThat(t.check(201 * MS, false, true)).isEqualTo(Action.PARTIAL_FRAME);
    }

    @Test
    void thePrecedenceIsPartialFrameKeepaliveTimeoutIdlePing() {
        ConnectionTimers t = started(0);
        t.onPingSent(0);
        t.onPartialFrame(0);
        long late = 10_000 * MS;
        assertThat(t.check(late, false, true)).isEqualTo(Action.PARTIAL_FRAME);
        t.onPartialFrameDone();
        assertThat(t.check(late, false, true)).isEqualTo(Action.KEEPALIVE_TIMEOUT);
        t.onPong();
        assertThat(t.check(late, false, true)).isEqualTo(Action.IDLE);
        assertThat(t.check(late, false, false)).isEqualTo(Action.PING);
    }

    @Test
    void aReadPauseSuspendsTheReadClocksAndTheResumeRestartsThem() {
        ConnectionTimers t = started(0);
        t.onStreamOpened();
        t.onPingSent(0);
        t.onPartialFrame(0);
        long resume = 10_000 * MS;
        assertThat(t.check(resume, true, false)).isEqualTo(Action.NONE);
        t.onReadResumed(resume);
        assertThat(t.lastReadNanos()).isEqualTo(resume);
        assertThat(t.partialSinceNanos()).isEqualTo(resume);
        assertThat(t.check(resume + 100 * MS, false, false)).isEqualTo(Action.NONE);
        assertThat(t.check(resume + 101 * MS, false, false)).isEqualTo(Action.PARTIAL_FRAME);
        t.onPartialFrameDone();
        assertThat(t.check(resume + 500 * MS, false, false)).isEqualTo(Action.NONE);
        assertThat(t.check(resume + 501 * MS, false, false)).isEqualTo(Action.KEEPALIVE_TIMEOUT);
    }
}
