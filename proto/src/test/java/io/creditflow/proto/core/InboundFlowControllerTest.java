package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.core.InboundFlowController.ReceiveStream;
import io.creditflow.proto.wire.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InboundFlowControllerTest {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;

    final FakeClock clock = new FakeClock();
    final RecordingSink sink = new RecordingSink();
    int budgetWakeups;

    InboundFlowController controller(long connWindow, long streamWindow, long streamMessages, MemoryBudget budget) {
        return new InboundFlowController(
                new InboundFlowController.Config(connWindow, streamWindow, streamMessages, 16 * KIB, 100_000_000L),
                budget,
                sink,
                clock,
                () -> budgetWakeups++);
    }

    @Test
    void theAccountingInvariantsAreCheckedAfterEveryMutator() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThat(c.checkInvariants()).isTrue();
        c.onData(s, 100);
        s.consumedBytes = s.receivedBytes + 1; // a bug of our own: more consumed than received
        assertThatThrownBy(() -> c.onDemand(s, 1))
                .as("surefire runs with -ea; the mutator checks on its way out")
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("stream 1: consumed more than received");
    }

    @Test
    void opensPullStreamWithFullWindowAndMessageWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, MIB, 4096));
        assertThat(s.windowBytes()).isEqualTo(MIB);
        assertThat(s.windowMessages()).isEqualTo(4096);
        assertThat(c.connectionHoldBytes()).isEqualTo(MIB);
    }

    @Test
    void pushStreamGetsBytesButNoMessagesUntilDemand() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, true, new StallTimer());
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, MIB, 0));
        c.onDemand(s, 10);
        assertThat(sink.grants.get(1)).isEqualTo(new RecordingSink.Grant(1, 0, 10));
        // Demand that does not at least double what is outstanding waits for a batch.
        c.onDemand(s, 3);
        assertThat(sink.grants).hasSize(2);
        c.onDemand(s, 7);
        assertThat(sink.grants.get(2)).isEqualTo(new RecordingSink.Grant(1, 0, 10));
        c.onDemand(s, Long.MAX_VALUE);
        assertThat(s.windowMessages()).isEqualTo(Credits.UNLIMITED);
    }

    @Test
    void creditReturnsOnlyWhenConsumedAndInBatchesOfHalfTheWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        sink.clear();
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB);
        }
        assertThat(s.windowBytes()).isZero();
        assertThat(sink.grants).as("arrival alone grants nothing").isEmpty();
        c.onConsumed(s, 511 * KIB, 511);
        assertThat(sink.grants).as("less than half consumed").isEmpty();
        c.onConsumed(s, KIB, 1);
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, 512 * KIB, 0));
        assertThat(s.holdBytes()).isEqualTo(MIB);
        assertThat(sink.connectionCredit)
                .as("connection credit piggybacks on the grant")
                .isEqualTo(512 * KIB);
    }

    @Test
    void aCaughtUpReceiverReturnsItsConsumedMessageCreditOnTheTick() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        sink.clear();
        for (int i = 0; i < 10; i++) {
            c.onData(s, (int) KIB);
        }
        c.onConsumed(s, 9 * KIB, 9);
        assertThat(sink.grants).as("below the half-window batch").isEmpty();
        c.tick();
        assertThat(sink.grants)
                .as("one message still unconsumed: not caught up")
                .isEmpty();
        c.onConsumed(s, KIB, 1);
        assertThat(sink.grants).as("still below the batch").isEmpty();
        c.tick();
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, 0, 10));
        assertThat(s.windowMessages()).isEqualTo(4096);
        c.tick();
        assertThat(sink.grants).as("nothing more to return").hasSize(1);
    }

    @Test
    void dataBeyondStreamCreditIsAFlowControlError() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, 2, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThatThrownBy(() -> c.onData(s, (int) (64 * KIB + 1)))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
                    assertThat(e.isConnectionError()).isTrue();
                });
        c.onData(s, 10);
        c.onData(s, 10);
        assertThatThrownBy(() -> c.onData(s, 10))
                .as("message credit spent")
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void dataBeyondConnectionCreditIsAFlowControlError() {
        InboundFlowController c = controller(64 * KIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        c.onData(s, (int) (64 * KIB));
        c.onStreamClosed(s);
        // The stream's data was discarded and its connection credit returned; more discards fit that.
        c.onDiscardedData((int) (64 * KIB));
        assertThatThrownBy(() -> c.onDiscardedData((int) (128 * KIB + 1)))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void neverOverCommitsTheConnectionWindowAndServesStarvedStreamsInOrder() {
        InboundFlowController c = controller(4 * MIB, MIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        List<ReceiveStream> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            streams.add(c.openStream(2 * i + 1, false, new StallTimer()));
            assertThat(c.connectionHoldBytes()).isLessThanOrEqualTo(4 * MIB);
        }
        assertThat(streams.get(4).windowBytes()).isZero();
        assertThat(streams.get(5).windowBytes()).isZero();
        assertThat(c.starvedStreams()).isEqualTo(2);
        assertThat(streams.get(4).isStarved()).isTrue();
        // Stream 1 receives and consumes its whole window: the freed room goes to the starved, first first.
        ReceiveStream first = streams.get(0);
        c.onData(first, (int) MIB);
        c.onConsumed(first, MIB, 1);
        assertThat(c.connectionHoldBytes()).isLessThanOrEqualTo(4 * MIB);
        assertThat(streams.get(4).windowBytes()).isPositive();
        assertThat(c.starvedStreams()).isLessThan(2);
    }

    @Test
    void budgetBoundsHoldAcrossConnectionsAndFairShareLetsEveryStreamProgress() {
        MemoryBudget budget = MemoryBudget.ofBytes(16 * MIB);
        List<InboundFlowController> connections = new ArrayList<>();
        List<ReceiveStream> streams = new ArrayList<>();
        List<InboundFlowController> owners = new ArrayList<>();
        for (int conn = 0; conn < 4; conn++) {
            InboundFlowController c = controller(64 * MIB, MIB, Credits.UNLIMITED, budget);
            connections.add(c);
            for (int i = 0; i < 25; i++) {
                streams.add(c.openStream(2 * i + 1, false, new StallTimer()));
                owners.add(c);
                assertThat(budget.reservedBytes()).isLessThanOrEqualTo(16 * MIB);
            }
        }
        // Every stream sends what it may and the application consumes it; rounds until all progressed.
        long[] received = new long[streams.size()];
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < streams.size(); i++) {
                ReceiveStream s = streams.get(i);
                long w = s.windowBytes();
                if (w > 0) {
                    owners.get(i).onData(s, (int) w);
                    received[i] += w;
                    owners.get(i).onConsumed(s, w, 1);
                }
                long held = 0;
                for (ReceiveStream t : streams) {
                    held += t.holdBytes();
                }
                assertThat(held).isLessThanOrEqualTo(budget.reservedBytes());
                assertThat(budget.reservedBytes()).isLessThanOrEqualTo(16 * MIB);
            }
            for (InboundFlowController c : connections) {
                c.onBudgetAvailable();
            }
        }
        for (int i = 0; i < received.length; i++) {
            assertThat(received[i]).as("stream %d made progress", i).isPositive();
        }
        for (InboundFlowController c : connections) {
            c.close();
        }
        assertThat(budget.reservedBytes()).isZero();
        assertThat(budget.starvedStreams()).isZero();
        assertThat(budget.streams()).isZero();
    }

    @Test
    void revokesIdleCreditWhileAnotherStreamIsStarvedAndReleasesItOnAck() {
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream idle = c.openStream(1, false, new StallTimer());
        ReceiveStream starved = c.openStream(3, false, new StallTimer());
        assertThat(idle.windowBytes()).isEqualTo(MIB);
        assertThat(starved.windowBytes()).isZero();
        assertThat(budget.isUnderPressure()).isTrue();
        c.tick();
        assertThat(sink.revokes).as("not idle long enough yet").isEmpty();
        clock.advanceMillis(150);
        c.tick();
        assertThat(sink.revokes).containsExactly(1);
        c.tick();
        assertThat(sink.revokes).as("one revoke outstanding at a time").containsExactly(1);
        // The peer used 100 KiB before it saw the revoke; those bytes arrive before the ack.
        c.onData(idle, (int) (100 * KIB));
        c.onRevokeAck(idle, MIB - 100 * KIB);
        assertThat(idle.windowBytes()).isZero();
        assertThat(idle.holdBytes()).isEqualTo(100 * KIB);
        assertThat(starved.windowBytes())
                .as("the freed memory went to the starved stream")
                .isPositive();
        assertThat(budget.reservedBytes()).isLessThanOrEqualTo(MIB);
    }

    @Test
    void aRevokedStreamStaysQuietUntilItsSenderReportsANeed() {
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream idle = c.openStream(1, true, new StallTimer());
        c.openStream(3, false, new StallTimer());
        c.onBlocked(idle, 10 * KIB); // crossed the revoke below
        c.tick();
        clock.advanceMillis(150);
        c.tick();
        assertThat(sink.revokes).containsExactly(1);
        c.onRevokeAck(idle, MIB);
        sink.clear();
        for (int i = 0; i < 10; i++) {
            clock.advanceMillis(100);
            c.tick();
        }
        assertThat(sink.grants.stream().filter(g -> g.streamId() == 1))
                .as("no grant/revoke churn")
                .isEmpty();
        assertThat(sink.revokes).isEmpty();
        c.onBlocked(idle, 10 * KIB);
        assertThat(idle.windowBytes()).as("a fresh report is honoured").isGreaterThanOrEqualTo(10 * KIB);
    }

    @Test
    void messageCreditThatCameDueDuringARevokeIsGrantedOnTheAck() {
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController c = controller(16 * MIB, MIB, 4, budget);
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        c.openStream(3, false, new StallTimer()); // starved: pressure
        for (int i = 0; i < 4; i++) {
            c.onData(s, 10);
        }
        c.tick();
        clock.advanceMillis(150);
        c.tick();
        assertThat(sink.revokes).containsExactly(1);
        c.onConsumed(s, 40, 4); // message credit is due, but a revoke is out
        assertThat(s.windowMessages()).isZero();
        c.onRevokeAck(s, s.windowBytes());
        assertThat(s.windowMessages()).as("granted once the revoke is answered").isEqualTo(4);
    }

    @Test
    void theOldestStarvedStreamKeepsPriorityWhileItIsBeingServed() {
        InboundFlowController c = controller(100 * KIB, 100 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream big = c.openStream(1, false, new StallTimer());
        c.onData(big, (int) (100 * KIB)); // holds the whole connection window, unconsumed
        ReceiveStream first = c.openStream(3, false, new StallTimer());
        ReceiveStream second = c.openStream(5, false, new StallTimer());
        c.onBlocked(first, 60 * KIB);
        c.onBlocked(second, 60 * KIB);
        assertThat(c.starvedStreams()).isEqualTo(2);
        c.onConsumed(big, 30 * KIB, 1); // frees 30 KiB: less than either needs
        assertThat(first.windowBytes())
                .as("the first in line accumulates what is freed")
                .isPositive();
        assertThat(second.windowBytes())
                .as("the second takes all it needs or nothing")
                .isZero();
    }

    @Test
    void revokeAckWithoutRevokeOrBeyondWindowIsAnError() {
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThatThrownBy(() -> c.onRevokeAck(s, 0))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController d = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream idle = d.openStream(1, false, new StallTimer());
        d.openStream(3, false, new StallTimer());
        d.tick();
        clock.advanceMillis(200);
        d.tick();
        assertThatThrownBy(() -> d.onRevokeAck(idle, MIB + 1))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void blockedMessageLargerThanTheWindowGetsEnoughCredit() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThat(s.windowBytes()).isEqualTo(64 * KIB);
        c.onBlocked(s, 300 * KIB);
        assertThat(s.windowBytes()).isGreaterThanOrEqualTo(300 * KIB);
        c.onData(s, (int) (300 * KIB));
        c.onConsumed(s, 300 * KIB, 1);
        assertThat(s.holdBytes())
                .as("back to the normal target once the big message is through")
                .isLessThanOrEqualTo(300 * KIB);
    }

    @Test
    void blockedMessageNeverLetsAReaderThatDoesNotConsumeHoldMoreThanTheMessage() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        c.onData(s, 10);
        c.onBlocked(s, 300 * KIB);
        assertThat(s.holdBytes())
                .as("unconsumed data counts against the blocked message")
                .isEqualTo(300 * KIB);
        assertThat(s.windowBytes()).isEqualTo(300 * KIB - 10);
        c.onBlocked(s, 300 * KIB);
        assertThat(s.holdBytes())
                .as("repeated Blocked frames do not grow the hold")
                .isEqualTo(300 * KIB);
        c.onConsumed(s, 10, 1);
        assertThat(s.windowBytes())
                .as("consuming makes room for the whole message")
                .isEqualTo(300 * KIB);
    }

    @Test
    void remoteHalfCloseAndCloseReleaseEverything() {
        MemoryBudget budget = MemoryBudget.ofBytes(4 * MIB);
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        c.onData(s, (int) (10 * KIB));
        c.onRemoteHalfClosed(s);
        assertThat(s.windowBytes()).isZero();
        assertThat(s.holdBytes()).isEqualTo(10 * KIB);
        c.onConsumed(s, 10 * KIB, 1);
        assertThat(budget.reservedBytes()).isZero();
        ReceiveStream t = c.openStream(3, false, new StallTimer());
        c.onData(t, (int) (5 * KIB));
        int creditFrames = sink.connectionCreditFrames;
        c.onStreamClosed(t);
        assertThat(sink.connectionCreditFrames)
                .as("discarded data returns connection credit at once")
                .isGreaterThan(creditFrames);
        assertThat(budget.reservedBytes()).isZero();
        assertThat(c.connectionHoldBytes()).isZero();
    }

    @Test
    void stallTimesTrackApplicationNotReadingAndBudget() {
        MemoryBudget budget = MemoryBudget.ofBytes(64 * KIB);
        InboundFlowController c = controller(16 * MIB, 64 * KIB, Credits.UNLIMITED, budget);
        StallTimer stalls = new StallTimer();
        ReceiveStream s = c.openStream(1, false, stalls);
        c.onData(s, (int) (64 * KIB));
        assertThat(stalls.isStalled(StallReason.APPLICATION_NOT_READING)).isTrue();
        clock.advanceMillis(30);
        c.onConsumed(s, 64 * KIB, 1);
        assertThat(stalls.isStalled(StallReason.APPLICATION_NOT_READING)).isFalse();
        assertThat(stalls.totalNanos(StallReason.APPLICATION_NOT_READING, clock.now))
                .isEqualTo(30_000_000L);
        StallTimer other = new StallTimer();
        c.openStream(3, false, other);
        assertThat(other.isStalled(StallReason.BUDGET_EXHAUSTED)).isTrue();
    }

    static final long MS = 1_000_000L;

    InboundFlowController adaptiveController(MemoryBudget budget) {
        return new InboundFlowController(
                new InboundFlowController.Config(
                        16 * MIB,
                        MIB,
                        Credits.UNLIMITED,
                        16 * KIB,
                        100_000_000L,
                        new AdaptiveWindow.Settings(4 * KIB, 16 * MIB, 50 * MS)),
                budget,
                sink,
                clock,
                () -> budgetWakeups++);
    }

    @Test
    void adaptiveStreamGrantsMoreWhenBlockedWithinARoundTripOfAGrant() {
        InboundFlowController c = adaptiveController(MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThat(s.windowReason()).isEqualTo(WindowReason.INITIAL);
        clock.advanceMillis(50);
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB);
        }
        assertThat(s.rttNanos()).as("open grant to first data").isEqualTo(50 * MS);
        c.onConsumed(s, MIB, 1024);
        sink.clear();
        c.onBlocked(s, KIB);
        assertThat(s.windowTargetBytes()).isEqualTo(2 * MIB);
        assertThat(s.windowReason()).isEqualTo(WindowReason.BDP);
        assertThat(s.holdBytes()).isEqualTo(2 * MIB);
    }

    @Test
    void adaptiveStreamShrinksByGrantingLessNeverByRevoking() {
        InboundFlowController c = adaptiveController(MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB);
        }
        sink.clear();
        for (int i = 0; i < 30; i++) { // 100 KiB/s with data always waiting
            clock.advanceMillis(10);
            c.onConsumed(s, KIB, 1);
        }
        assertThat(s.windowTargetBytes()).isEqualTo(5 * KIB);
        assertThat(s.windowReason()).isEqualTo(WindowReason.DRAIN);
        assertThat(s.drainBytesPerSecond()).isEqualTo(100 * KIB);
        assertThat(sink.grants)
                .as("nothing granted while the stream holds more than its target")
                .isEmpty();
        assertThat(sink.revokes).isEmpty();
        for (int i = 0; i < 1024 - 30; i++) {
            clock.advanceMillis(10);
            c.onConsumed(s, KIB, 1);
            assertThat(s.holdBytes()).isLessThanOrEqualTo(MIB);
        }
        assertThat(sink.grants).isNotEmpty();
        assertThat(s.holdBytes())
                .as("once drained, grants only up to the target")
                .isLessThanOrEqualTo(5 * KIB);
        assertThat(sink.revokes).isEmpty();
    }

    @Test
    void adaptiveGrowthStaysWithinTheStreamsBudgetShare() {
        MemoryBudget budget = MemoryBudget.ofBytes(6 * MIB);
        assertThat(growTwoStreams(adaptiveController(budget))).isEqualTo(3 * MIB);
        assertThat(budget.peakReservedBytes()).isLessThanOrEqualTo(6 * MIB);
    }

    @Test
    void adaptiveGrowthStaysWithinTheStreamsConnectionShare() {
        InboundFlowController c = new InboundFlowController(
                new InboundFlowController.Config(
                        5 * MIB,
                        MIB,
                        Credits.UNLIMITED,
                        16 * KIB,
                        100_000_000L,
                        new AdaptiveWindow.Settings(4 * KIB, 16 * MIB, 50 * MS)),
                MemoryBudget.unlimited(),
                sink,
                clock,
                () -> budgetWakeups++);
        assertThat(growTwoStreams(c)).as("half of the 5 MiB connection window").isEqualTo(5 * MIB / 2);
    }

    /** Stream 1 of two fills its window, is consumed and reports Blocked, four round trips in a row. */
    long growTwoStreams(InboundFlowController c) {
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        c.openStream(3, false, new StallTimer()); // two streams: a share of 3 MiB each
        clock.advanceMillis(50);
        for (int round = 0; round < 4; round++) {
            long window = s.windowBytes();
            for (long sent = 0; sent + KIB <= window; sent += KIB) {
                c.onData(s, (int) KIB);
            }
            c.onConsumed(s, s.bufferedBytes(), s.bufferedMessages());
            c.onBlocked(s, KIB);
            clock.advanceMillis(50);
        }
        assertThat(s.windowReason()).isEqualTo(WindowReason.BUDGET);
        return s.windowTargetBytes();
    }

    @Test
    void fixedStreamsReportTheirWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer());
        assertThat(s.isAdaptive()).isFalse();
        assertThat(s.windowTargetBytes()).isEqualTo(MIB);
        assertThat(s.windowReason()).isEqualTo(WindowReason.FIXED);
        assertThat(c.openStream(3, false, new StallTimer(), new AdaptiveWindow.Settings(KIB, MIB, MS))
                        .isAdaptive())
                .as("per stream")
                .isTrue();
    }
}
