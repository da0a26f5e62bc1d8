package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** One test per rule of {@link AdaptiveWindow} (docs/protocol.md section 6.5), on an injected clock. */
class AdaptiveWindowTest {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long MS = 1_000_000L;
    static final AdaptiveWindow.Settings SETTINGS = new AdaptiveWindow.Settings(4 * KIB, 16 * MIB, 50 * MS);

    long now = 1_000 * MS;
    long consumed;
    long buffered;
    long lastConsumeNanos;

    AdaptiveWindow window() {
        lastConsumeNanos = now;
        return new AdaptiveWindow(SETTINGS, MIB, now);
    }

    /** Grant at {@code now} (nothing in flight), data back one {@code rtt} later. */
    void sampleRtt(AdaptiveWindow w, long received, long rttNanos) {
        w.onGrant(now, received);
        assertThat(w.answersProbe(received)).isFalse();
        now += rttNanos;
        assertThat(w.answersProbe(received + 1)).isTrue();
        w.onProbeAnswered(now);
    }

    /** The application drains {@code bytesPerSecond} for {@code millis}, its queue never empty. */
    boolean drainBusy(AdaptiveWindow w, long bytesPerSecond, long millis) {
        boolean changed = false;
        for (long t = 0; t < millis; t += 10) {
            now += 10 * MS;
            consumed += bytesPerSecond * (now - lastConsumeNanos) / 1_000_000_000L;
            lastConsumeNanos = now;
            buffered = 64 * KIB; // always more waiting
            changed |= w.onConsumed(now, consumed, buffered);
        }
        return changed;
    }

    /** The application takes everything that arrives at once: its queue runs empty. */
    boolean drainIdle(AdaptiveWindow w, long millis) {
        boolean changed = false;
        for (long t = 0; t < millis; t += 10) {
            now += 10 * MS;
            consumed += KIB;
            lastConsumeNanos = now;
            buffered = 0;
            changed |= w.onConsumed(now, consumed, buffered);
        }
        return changed;
    }

    @Test
    void startsAtTheConfiguredWindowClampedToFloorAndCeiling() {
        assertThat(window().targetBytes()).isEqualTo(MIB);
        assertThat(window().reason()).isEqualTo(WindowReason.INITIAL);
        AdaptiveWindow high = new AdaptiveWindow(SETTINGS, 64 * MIB, now);
        assertThat(high.targetBytes()).isEqualTo(16 * MIB);
        assertThat(high.reason()).isEqualTo(WindowReason.CEILING);
        AdaptiveWindow low = new AdaptiveWindow(SETTINGS, KIB, now);
        assertThat(low.targetBytes()).isEqualTo(4 * KIB);
        assertThat(low.reason()).isEqualTo(WindowReason.FLOOR);
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> new AdaptiveWindow.Settings(0, MIB, MS)).hasMessageContaining("floorBytes: 0");
        assertThatThrownBy(() -> new AdaptiveWindow.Settings(MIB, KIB, MS)).hasMessageContaining("ceilingBytes");
        assertThatThrownBy(() -> new AdaptiveWindow.Settings(KIB, MIB, 0)).hasMessageContaining("targetDelayNanos");
    }

    @Test
    void rttIsTheMinimumGrantToDataSampleAndExpires() {
        AdaptiveWindow w = window();
        assertThat(w.rttNanos()).isZero();
        sampleRtt(w, 0, 80 * MS);
        assertThat(w.rttNanos()).isEqualTo(80 * MS);
        sampleRtt(w, MIB, 50 * MS);
        assertThat(w.rttNanos()).as("a smaller sample wins").isEqualTo(50 * MS);
        sampleRtt(w, 2 * MIB, 70 * MS);
        assertThat(w.rttNanos())
                .as("a larger one (the sender was not waiting) does not")
                .isEqualTo(50 * MS);
        now += AdaptiveWindow.RTT_EXPIRY_NANOS;
        sampleRtt(w, 3 * MIB, 70 * MS);
        assertThat(w.rttNanos())
                .as("an old minimum gives way to the next sample")
                .isEqualTo(70 * MS);
    }

    @Test
    void aGrantWhileAProbeIsOutDoesNotMoveIt() {
        AdaptiveWindow w = window();
        w.onGrant(now, 0);
        now += 10 * MS;
        w.onGrant(now, MIB); // a second grant: the probe still waits for data beyond the first limit
        now += 40 * MS;
        assertThat(w.answersProbe(1)).isTrue();
        w.onProbeAnswered(now);
        assertThat(w.rttNanos()).isEqualTo(50 * MS);
        assertThat(w.answersProbe(2 * MIB)).as("answered: no probe out").isFalse();
    }

    @Test
    void aRevokeVoidsTheProbe() {
        AdaptiveWindow w = window();
        w.onGrant(now, 0);
        w.onRevoked();
        assertThat(w.answersProbe(1)).isFalse();
    }

    @Test
    void growsWhenBlockedWithinTwoRoundTripsOfAGrantAtMostOncePerRoundTrip() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 50 * MS);
        w.onGrant(now, MIB);
        now += 50 * MS;
        assertThat(w.onBlocked(now, 0, 64 * MIB)).isTrue();
        assertThat(w.targetBytes()).isEqualTo(2 * MIB);
        assertThat(w.reason()).isEqualTo(WindowReason.BDP);
        now += 10 * MS;
        assertThat(w.onBlocked(now, 0, 64 * MIB))
                .as("within a round trip of the last growth")
                .isFalse();
        now += 40 * MS;
        assertThat(w.onBlocked(now, 0, 64 * MIB)).isTrue();
        assertThat(w.targetBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void doesNotGrowWithoutAnRttOrLongAfterTheLastGrant() {
        AdaptiveWindow w = window();
        w.onGrant(now, 0);
        assertThat(w.onBlocked(now + MS, 0, 64 * MIB)).as("no RTT sample yet").isFalse();
        now += 50 * MS;
        w.onProbeAnswered(now);
        now += 101 * MS; // the last grant is more than two round trips old
        assertThat(w.onBlocked(now, 0, 64 * MIB)).isFalse();
        assertThat(w.targetBytes()).isEqualTo(MIB);
    }

    @Test
    void doesNotGrowWhileTheApplicationHasDataWaiting() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 50 * MS);
        drainBusy(w, 10 * MIB, 200); // the queue stayed non-empty for whole intervals
        long before = w.targetBytes();
        w.onGrant(now, MIB);
        now += 50 * MS;
        assertThat(w.onBlocked(now, 64 * KIB, 64 * MIB)).isFalse();
        assertThat(w.targetBytes()).isEqualTo(before);
    }

    @Test
    void anApplicationThatReadsNothingNeverGrowsItsWindow() {
        // The stalled reader: the first interval ends before any data (its queue is empty because
        // nothing came), then a whole window arrives, none of it consumed, and the sender is blocked.
        AdaptiveWindow w = window();
        now += 150 * MS;
        w.onTick(now, 0, 0);
        sampleRtt(w, 0, 50 * MS);
        for (int i = 0; i < 10; i++) {
            w.onGrant(now, MIB);
            now += 50 * MS;
            assertThat(w.onBlocked(now, MIB, 64 * MIB)).isFalse();
        }
        assertThat(w.targetBytes()).isEqualTo(MIB);
    }

    @Test
    void eachGrowthNeedsTheQueueConsumedToEmptyAgain() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 50 * MS);
        w.onConsumed(now, KIB, 0);
        w.onGrant(now, MIB);
        now += 50 * MS;
        assertThat(w.onBlocked(now, 256 * KIB, 64 * MIB)).isTrue();
        w.onGrant(now, 2 * MIB);
        now += 50 * MS;
        assertThat(w.onBlocked(now, 256 * KIB, 64 * MIB))
                .as("nothing consumed since the growth, data waiting")
                .isFalse();
        w.onConsumed(now, 2 * KIB, 0);
        w.onGrant(now, 2 * MIB);
        now += 10 * MS;
        assertThat(w.onBlocked(now, 256 * KIB, 64 * MIB)).isTrue();
        assertThat(w.targetBytes()).isEqualTo(4 * MIB);
    }

    /** Ten round trips in each of which the sender used the whole grant at once. */
    AdaptiveWindow blockedEveryRoundTrip(long growLimitBytes) {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 50 * MS);
        for (int i = 0; i < 10; i++) {
            w.onGrant(now, MIB);
            now += 50 * MS;
            w.onBlocked(now, 0, growLimitBytes);
        }
        return w;
    }

    @Test
    void growthStopsAtTheCeiling() {
        AdaptiveWindow w = blockedEveryRoundTrip(64 * MIB);
        assertThat(w.targetBytes()).isEqualTo(16 * MIB);
        assertThat(w.reason()).isEqualTo(WindowReason.CEILING);
    }

    @Test
    void growthStopsAtTheGrowLimitTheBudgetSets() {
        AdaptiveWindow w = blockedEveryRoundTrip(3 * MIB);
        assertThat(w.targetBytes()).isEqualTo(3 * MIB);
        assertThat(w.reason()).isEqualTo(WindowReason.BUDGET);
    }

    /** 10 ms RTT, a reader at 100 KiB/s with data always waiting: the target is 7 KiB. */
    AdaptiveWindow shrunkByA100KibPerSecondReader() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 10 * MS);
        drainBusy(w, 100 * KIB, 300);
        assertThat(w.targetBytes()).isEqualTo(7 * KIB);
        return w;
    }

    @Test
    void shrinksToDrainRateTimesTwoRttsPlusTargetDelay() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 10 * MS);
        drainBusy(w, 100 * KIB, 300);
        // 100 KiB/s x (2 x 10 ms + 50 ms) = 7 KiB
        assertThat(w.drainBytesPerSecond()).isEqualTo(100 * KIB);
        assertThat(w.targetBytes()).isEqualTo(7 * KIB);
        assertThat(w.reason()).isEqualTo(WindowReason.DRAIN);
        assertThat(w.isDrainCapped()).isTrue();
    }

    @Test
    void aStalledApplicationTakesTheTargetToTheFloorOnTheTick() {
        AdaptiveWindow w = window();
        buffered = 512 * KIB;
        w.onConsumed(now, 0, buffered); // something queued: the queue is no longer known empty
        for (int i = 0; i < 4; i++) {
            now += 50 * MS;
            w.onTick(now, 0, buffered);
        }
        assertThat(w.drainBytesPerSecond()).isZero();
        assertThat(w.targetBytes()).isEqualTo(4 * KIB);
        assertThat(w.reason()).isEqualTo(WindowReason.FLOOR);
    }

    @Test
    void regrowsWhenTheApplicationSpeedsUp() {
        AdaptiveWindow w = shrunkByA100KibPerSecondReader();
        // The application now takes everything at once: the sender's Blocked comes with an empty queue.
        drainIdle(w, 10);
        for (int i = 0; i < 8; i++) {
            w.onGrant(now, MIB);
            now += 10 * MS;
            w.onBlocked(now, 0, 64 * MIB);
        }
        assertThat(w.targetBytes())
                .as("eight round trips: 7 KiB doubled up to the 1 MiB target")
                .isEqualTo(MIB);
        assertThat(w.isDrainCapped()).isFalse();
    }

    @Test
    void withoutBlockedTheDrainCapDoublesPerIntervalOnceTheQueueRunsEmpty() {
        AdaptiveWindow w = shrunkByA100KibPerSecondReader();
        drainIdle(w, 100);
        assertThat(w.targetBytes())
                .as("damped: one interval against the last change is not enough")
                .isEqualTo(7 * KIB);
        drainIdle(w, 100);
        assertThat(w.targetBytes()).isEqualTo(14 * KIB);
        drainIdle(w, 100);
        assertThat(w.targetBytes()).isEqualTo(28 * KIB);
        assertThat(w.reason()).isEqualTo(WindowReason.DRAIN);
    }

    @Test
    void oscillatingDrainIsDamped() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 10 * MS);
        drainBusy(w, 100 * KIB, 290); // ends on an interval boundary (every 100 ms from the start)
        assertThat(w.targetBytes()).isEqualTo(7 * KIB);
        int changes = 0;
        for (int i = 0; i < 20; i++) {
            // Intervals alternate, each exactly one interval long: the queue runs empty, then it stays
            // busy at the same drain rate.
            for (int step = 1; step <= 10; step++) {
                now += 10 * MS;
                consumed += KIB;
                lastConsumeNanos = now;
                changes += w.onConsumed(now, consumed, step < 10 ? 0 : 64 * KIB) ? 1 : 0;
            }
            changes += drainBusy(w, 100 * KIB, 100) ? 1 : 0;
        }
        assertThat(changes).as("no interval's condition held twice in a row").isZero();
        assertThat(w.targetBytes()).isEqualTo(7 * KIB);
        // Two intervals in a row with the queue running empty: now the cap is raised.
        drainIdle(w, 200);
        assertThat(w.targetBytes()).isEqualTo(14 * KIB);
    }

    @Test
    void smallChangesInDrainRateAreNotMade() {
        AdaptiveWindow w = window();
        sampleRtt(w, 0, 10 * MS);
        drainBusy(w, 100 * KIB, 300);
        long target = w.targetBytes();
        assertThat(drainBusy(w, 120 * KIB, 500))
                .as("within a quarter of the target")
                .isFalse();
        assertThat(w.targetBytes()).isEqualTo(target);
        assertThat(drainBusy(w, 400 * KIB, 300))
                .as("the application got much faster, still the bottleneck")
                .isTrue();
        assertThat(w.targetBytes()).isGreaterThan(target + target / 4).isLessThanOrEqualTo(28 * KIB);
    }
}
