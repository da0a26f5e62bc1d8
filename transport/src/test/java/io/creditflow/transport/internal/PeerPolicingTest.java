package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.wire.ErrorCode;
import org.junit.jupiter.api.Test;

/**
 * The defenses alone, without a channel: {@link PingPolicer}, {@link EmptyFrameLimit}, {@link ControlBacklog}
 * and {@link ResetBudgets}.
 */
class PeerPolicingTest {
    private static final long MS = 1_000_000L;

    static EndpointSettings.Defenses defenses(int maxResetsReceived, int maxResetsSent, long resetWindowNanos) {
        return new EndpointSettings.Defenses(10, maxResetsReceived, maxResetsSent, resetWindowNanos, 1000 * MS, 2, 3);
    }

    /** Handshake 10 s (not a tick's business), partial frame 100 ms, write stall 200, idle 300, keepalive 400 / 500. */
    static EndpointSettings.Timeouts timeouts() {
        return new EndpointSettings.Timeouts(10_000 * MS, 100 * MS, 200 * MS, 300 * MS, 400 * MS, 500 * MS);
    }

    static ErrorCode codeOf(Runnable r) {
        try {
            r.run();
        } catch (ProtocolException e) {
            assertThat(e.isConnectionError()).isTrue();
            return e.code();
        }
        return null;
    }

    @Test
    void pingsAtTheAllowedPaceAreNeverStruck() {
        PingPolicer p = new PingPolicer(100 * MS, 2);
        for (int i = 0; i < 50; i++) {
            p.onPing(i * 100 * MS);
        }
        assertThat(p.strikes()).isZero();
    }

    @Test
    void aBurstOfPingsBeyondTheStrikesIsEnhanceYourCalm() {
        PingPolicer p = new PingPolicer(100 * MS, 2);
        p.onPing(0); // the first ping is never early
        p.onPing(MS);
        p.onPing(2 * MS);
        assertThat(p.strikes()).isEqualTo(2);
        assertThatThrownBy(() -> p.onPing(3 * MS))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("pings closer than 100 ms apart, 3 times")
                .satisfies(e -> assertThat(((ProtocolException) e).code()).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM));
    }

    @Test
    void aPingAtThePaceForgivesEarlierStrikes() {
        PingPolicer p = new PingPolicer(100 * MS, 2);
        p.onPing(0);
        p.onPing(MS);
        p.onPing(2 * MS);
        p.onPing(200 * MS); // at the pace: strikes forgiven
        assertThat(p.strikes()).isZero();
        p.onPing(201 * MS);
        p.onPing(202 * MS);
        assertThat(codeOf(() -> p.onPing(203 * MS))).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
    }

    @Test
    void aRunOfEmptyFramesIsBoundedAndEndsAtAFrameThatCarriesSomething() {
        EmptyFrameLimit l = new EmptyFrameLimit(3);
        for (int round = 0; round < 5; round++) {
            l.onEmptyFrame();
            l.onEmptyFrame();
            l.onEmptyFrame();
            l.onNonEmptyFrame();
            assertThat(l.consecutive()).isZero();
        }
        l.onEmptyFrame();
        l.onEmptyFrame();
        l.onEmptyFrame();
        assertThatThrownBy(l::onEmptyFrame)
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("more than 3 consecutive empty or unknown frames");
    }

    @Test
    void theControlBacklogRefusesOneOverTheLimitAndClearsOnWritability() {
        ControlBacklog b = new ControlBacklog(3);
        assertThat(b.tryQueue()).isTrue();
        assertThat(b.tryQueue()).isTrue();
        assertThat(b.tryQueue()).isTrue();
        assertThat(b.tryQueue()).isFalse();
        b.onWritable();
        assertThat(b.tryQueue()).isTrue();
        assertThat(b.maxQueued()).isEqualTo(3);
    }

    @Test
    void resetsReceivedAreBudgetedPerWindow() {
        ResetBudgets r = new ResetBudgets(defenses(2, 5, 1000 * MS));
        r.onResetReceived(0);
        r.onResetReceived(MS);
        assertThat(codeOf(() -> r.onResetReceived(2 * MS))).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        ResetBudgets fresh = new ResetBudgets(defenses(2, 5, 1000 * MS));
        for (int window = 0; window < 10; window++) {
            long start = window * 1000 * MS;
            fresh.onResetReceived(start);
            fresh.onResetReceived(start + 999 * MS); // two per window, never over
        }
    }

    @Test
    void resetsThePeerCausedHaveTheirOwnBudget() {
        ResetBudgets r = new ResetBudgets(defenses(1, 3, 1000 * MS));
        r.onResetReceived(0); // the received budget is separate
        r.onPeerCausedReset(0);
        r.onPeerCausedReset(0);
        r.onPeerCausedReset(0);
        assertThatThrownBy(() -> r.onPeerCausedReset(0))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("the peer caused more than 3 stream resets in 1000 ms");
        r.onPeerCausedReset(1000 * MS); // a new window
    }
}
