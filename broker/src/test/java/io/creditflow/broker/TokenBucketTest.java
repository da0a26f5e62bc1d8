package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The token bucket and the quota on an injected clock: no waiting, exact figures. */
class TokenBucketTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void startsFullTakesAndRefillsAtItsRate() {
        TokenBucket b = new TokenBucket(100, 100, 0);
        assertThat(b.nanosUntil(100, 0)).isZero();
        b.take(100, 0);
        assertThat(b.tokens(0)).isZero();
        // One token takes 10 ms at 100 a second.
        assertThat(b.nanosUntil(1, 0)).isEqualTo(10_000_000L);
        assertThat(b.nanosUntil(1, 9_999_999L)).isEqualTo(1);
        assertThat(b.nanosUntil(1, 10_000_000L)).isZero();
        // Never more than the capacity, however long it rests.
        assertThat(b.tokens(100 * SECOND)).isEqualTo(100);
    }

    @Test
    void aCostBeyondTheCapacityWaitsForAFullBucketAndLeavesDebt() {
        TokenBucket b = new TokenBucket(1000, 1000, 0);
        b.take(500, 0);
        assertThat(b.nanosUntil(4000, 0)).isEqualTo(SECOND / 2); // waits only until full, not for 4000
        b.take(4000, SECOND / 2);
        assertThat(b.tokens(SECOND / 2)).isEqualTo(-3000);
        // The average holds: 3 s to pay the debt back, 4 s to be full again.
        assertThat(b.nanosUntil(1, SECOND / 2)).isEqualTo(3 * SECOND + 1_000_000L);
        assertThat(b.tokens(SECOND / 2 + 4 * SECOND)).isEqualTo(1000);
    }

    @Test
    void refundGivesBackUpToTheCapacity() {
        TokenBucket b = new TokenBucket(10, 10, 0);
        b.take(4, 0);
        b.refund(4, 0);
        assertThat(b.tokens(0)).isEqualTo(10);
        b.refund(5, 0);
        assertThat(b.tokens(0)).isEqualTo(10);
    }

    @Test
    void aClockThatGoesBackAddsNothing() {
        TokenBucket b = new TokenBucket(10, 10, 5 * SECOND);
        b.take(10, 5 * SECOND);
        assertThat(b.tokens(SECOND)).isZero();
        assertThat(b.tokens(5 * SECOND + SECOND / 10)).isEqualTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void badRatesAreRefused() {
        assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).hasMessageContaining("ratePerSecond: 0.0 (expected: > 0)");
        assertThatThrownBy(() -> new TokenBucket(1, 0, 0)).hasMessageContaining("capacity");
        assertThatThrownBy(() -> new Quota(-1, 0)).hasMessageContaining("bytesPerSecond: -1");
    }

    @Test
    void aQuotaNeedsBothBucketsAndCountsItsThrottledTime() {
        // 10 messages a second, 1000 bytes a second; messages of 100 bytes: the bytes bucket is the tighter.
        ProduceQuota q = new ProduceQuota("alice", new Quota(1000, 10), 0);
        for (int i = 0; i < 10; i++) {
            assertThat(q.tryAcquire(100, 0)).as("message %d", i).isZero();
        }
        long wait = q.tryAcquire(100, 0);
        assertThat(wait).isEqualTo(100_000_000L); // 100 bytes at 1000 B/s (and 1 message at 10/s)
        assertThat(q.stats(0).throttled()).isTrue();
        assertThat(q.tryAcquire(100, 50_000_000L)).isEqualTo(50_000_000L);
        assertThat(q.tryAcquire(100, 100_000_000L)).isZero();
        QuotaStats s = q.stats(100_000_000L);
        assertThat(s.throttled()).isFalse();
        assertThat(s.throttledNanos()).isEqualTo(100_000_000L);
        assertThat(s.takenMessages()).isEqualTo(11);
        assertThat(s.takenBytes()).isEqualTo(1100);
        assertThat(s.bytesTokens()).isZero();
        // Messages as the tighter bound: tiny messages.
        ProduceQuota m = new ProduceQuota("", new Quota(0, 2), 0);
        assertThat(m.tryAcquire(1, 0)).isZero();
        assertThat(m.tryAcquire(1, 0)).isZero();
        assertThat(m.tryAcquire(1, 0)).isEqualTo(SECOND / 2);
        m.refund(1, 0);
        assertThat(m.tryAcquire(1, 0)).isZero();
        assertThat(m.stats(0).principal()).isEqualTo(QuotaStats.ANONYMOUS);
        assertThat(m.stats(0).bytesTokens()).isEqualTo(-1);
    }

    @Test
    void theAuthFileGivesQuotasPerPrincipalAndADefault() {
        AccessControl ac = AccessControl.parse("""
                token a principal alice
                token b principal bob
                token c principal carol
                quota alice bytes-per-second 1048576 messages-per-second 500
                quota bob messages-per-second 20
                quota * bytes-per-second 4096
                """, "auth");
        assertThat(ac.quotaFor("alice")).isEqualTo(new Quota(1048576, 500));
        assertThat(ac.quotaFor("bob")).isEqualTo(new Quota(0, 20));
        assertThat(ac.quotaFor("carol")).isEqualTo(new Quota(4096, 0));
        assertThat(AccessControl.parse("token a principal alice", "auth").quotaFor("alice"))
                .isNull();
    }

    @Test
    void quotaLineMistakesNameTheLine() {
        assertThatThrownBy(() -> AccessControl.parse("token a principal alice\nquota alice", "auth"))
                .hasMessage("auth line 2: expected 'quota <principal|*> [bytes-per-second N] [messages-per-second N]'");
        assertThatThrownBy(() -> AccessControl.parse("token a principal alice\nquota alice msgs 5", "auth"))
                .hasMessageContaining("auth line 2: 'msgs'");
        assertThatThrownBy(() -> AccessControl.parse("token a principal alice\nquota alice bytes-per-second 0", "auth"))
                .hasMessage("auth line 2: bytes-per-second '0' (expected: a whole number > 0)");
        assertThatThrownBy(() -> AccessControl.parse("quota nobody messages-per-second 5", "auth"))
                .hasMessage("auth line 1: principal 'nobody' has no token line (a typo?)");
        assertThatThrownBy(() -> AccessControl.parse(
                        "token a principal alice\nquota alice messages-per-second 5\n"
                                + "quota alice bytes-per-second 5",
                        "auth"))
                .hasMessage("auth line 3: principal 'alice' already has a " + "quota (line 2)");
        assertThatThrownBy(() -> AccessControl.parse(
                        "token a principal alice\nquota alice messages-per-second 5 " + "messages-per-second 6",
                        "auth"))
                .hasMessageContaining("'messages-per-second' twice");
    }
}
