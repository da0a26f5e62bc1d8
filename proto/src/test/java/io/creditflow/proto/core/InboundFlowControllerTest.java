package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.proto.ProtocolException;
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
                () -> budgetWakeups++);
    }

    @Test
    void theAccountingInvariantsAreCheckedAfterEveryMutator() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThat(c.checkInvariants()).isTrue();
        c.onData(s, 100, clock.now);
        s.consumedBytes = s.receivedBytes + 1; // a bug of our own: more consumed than received
        assertThatThrownBy(() -> c.onDemand(s, 1, clock.now))
                .as("surefire runs with -ea; the mutator checks on its way out")
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("stream 1: consumed more than received");
    }

    @Test
    void opensPullStreamWithFullWindowAndMessageWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, MIB, 4096));
        assertThat(s.windowBytes()).isEqualTo(MIB);
        assertThat(s.windowMessages()).isEqualTo(4096);
        assertThat(c.connectionHoldBytes()).isEqualTo(MIB);
    }

    @Test
    void pushStreamGetsBytesButNoMessagesUntilDemand() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, true, new StallTimer(), clock.now);
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, MIB, 0));
        c.onDemand(s, 10, clock.now);
        assertThat(sink.grants.get(1)).isEqualTo(new RecordingSink.Grant(1, 0, 10));
        // Demand that does not at least double what is outstanding waits for a batch.
        c.onDemand(s, 3, clock.now);
        assertThat(sink.grants).hasSize(2);
        c.onDemand(s, 7, clock.now);
        assertThat(sink.grants.get(2)).isEqualTo(new RecordingSink.Grant(1, 0, 10));
        c.onDemand(s, Long.MAX_VALUE, clock.now);
        assertThat(s.windowMessages()).isEqualTo(Credits.UNLIMITED);
    }

    @Test
    void creditReturnsOnlyWhenConsumedAndInBatchesOfHalfTheWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        sink.clear();
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB, clock.now);
        }
        assertThat(s.windowBytes()).isZero();
        assertThat(sink.grants).as("arrival alone grants nothing").isEmpty();
        c.onConsumed(s, 511 * KIB, 511, clock.now);
        assertThat(sink.grants).as("less than half consumed").isEmpty();
        c.onConsumed(s, KIB, 1, clock.now);
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, 512 * KIB, 0));
        assertThat(s.holdBytes()).isEqualTo(MIB);
        assertThat(sink.connectionCredit)
                .as("connection credit piggybacks on the grant")
                .isEqualTo(512 * KIB);
    }

    @Test
    void aCaughtUpReceiverReturnsItsConsumedMessageCreditOnTheTick() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        sink.clear();
        for (int i = 0; i < 10; i++) {
            c.onData(s, (int) KIB, clock.now);
        }
        c.onConsumed(s, 9 * KIB, 9, clock.now);
        assertThat(sink.grants).as("below the half-window batch").isEmpty();
        c.tick(clock.now);
        assertThat(sink.grants)
                .as("one message still unconsumed: not caught up")
                .isEmpty();
        c.onConsumed(s, KIB, 1, clock.now);
        assertThat(sink.grants).as("still below the batch").isEmpty();
        c.tick(clock.now);
        assertThat(sink.grants).containsExactly(new RecordingSink.Grant(1, 0, 10));
        assertThat(s.windowMessages()).isEqualTo(4096);
        c.tick(clock.now);
        assertThat(sink.grants).as("nothing more to return").hasSize(1);
    }

    @Test
    void dataBeyondStreamCreditIsAFlowControlError() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, 2, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThatThrownBy(() -> c.onData(s, (int) (64 * KIB + 1), clock.now))
                .isInstanceOfSatisfying(ProtocolException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
                    assertThat(e.isConnectionError()).isTrue();
                });
        c.onData(s, 10, clock.now);
        c.onData(s, 10, clock.now);
        assertThatThrownBy(() -> c.onData(s, 10, clock.now))
                .as("message credit spent")
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void dataBeyondConnectionCreditIsAFlowControlError() {
        InboundFlowController c = controller(64 * KIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        c.onData(s, (int) (64 * KIB), clock.now);
        c.onStreamClosed(s, clock.now);
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
            streams.add(c.openStream(2 * i + 1, false, new StallTimer(), clock.now));
            assertThat(c.connectionHoldBytes()).isLessThanOrEqualTo(4 * MIB);
        }
        assertThat(streams.get(4).windowBytes()).isZero();
        assertThat(streams.get(5).windowBytes()).isZero();
        assertThat(c.starvedStreams()).isEqualTo(2);
        assertThat(streams.get(4).isStarved()).isTrue();
        // Stream 1 receives and consumes its whole window: the freed room goes to the starved, first first.
        ReceiveStream first = streams.get(0);
        c.onData(first, (int) MIB, clock.now);
        c.onConsumed(first, MIB, 1, clock.now);
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
                streams.add(c.openStream(2 * i + 1, false, new StallTimer(), clock.now));
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
                    owners.get(i).onData(s, (int) w, clock.now);
                    received[i] += w;
                    owners.get(i).onConsumed(s, w, 1, clock.now);
                }
                long held = 0;
                for (ReceiveStream t : streams) {
                    held += t.holdBytes();
                }
                assertThat(held).isLessThanOrEqualTo(budget.reservedBytes());
                assertThat(budget.reservedBytes()).isLessThanOrEqualTo(16 * MIB);
            }
            for (InboundFlowController c : connections) {
                c.onBudgetAvailable(clock.now);
            }
        }
        for (int i = 0; i < received.length; i++) {
            assertThat(received[i]).as("stream %d made progress", i).isPositive();
        }
        for (InboundFlowController c : connections) {
            c.close(clock.now);
        }
        assertThat(budget.reservedBytes()).isZero();
        assertThat(budget.starvedStreams()).isZero();
        assertThat(budget.streams()).isZero();
    }

    @Test
    void revokesIdleCreditWhileAnotherStreamIsStarvedAndReleasesItOnAck() {
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream idle = c.openStream(1, false, new StallTimer(), clock.now);
        ReceiveStream starved = c.openStream(3, false, new StallTimer(), clock.now);
        assertThat(idle.windowBytes()).isEqualTo(MIB);
        assertThat(starved.windowBytes()).isZero();
        assertThat(budget.isUnderPressure()).isTrue();
        c.tick(clock.now);
        assertThat(sink.revokes).as("not idle long enough yet").isEmpty();
        clock.advanceMillis(150);
        c.tick(clock.now);
        assertThat(sink.revokes).containsExactly(1);
        c.tick(clock.now);
        assertThat(sink.revokes).as("one revoke outstanding at a time").containsExactly(1);
        // The peer used 100 KiB before it saw the revoke; those bytes arrive before the ack.
        c.onData(idle, (int) (100 * KIB), clock.now);
        c.onRevokeAck(idle, MIB - 100 * KIB, clock.now);
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
        ReceiveStream idle = c.openStream(1, true, new StallTimer(), clock.now);
        c.openStream(3, false, new StallTimer(), clock.now);
        c.onBlocked(idle, 10 * KIB, clock.now); // crossed the revoke below
        c.tick(clock.now);
        clock.advanceMillis(150);
        c.tick(clock.now);
        assertThat(sink.revokes).containsExactly(1);
        c.onRevokeAck(idle, MIB, clock.now);
        sink.clear();
        for (int i = 0; i < 10; i++) {
            clock.advanceMillis(100);
            c.tick(clock.now);
        }
        assertThat(sink.grants.stream().filter(g -> g.streamId() == 1))
                .as("no grant/revoke churn")
                .isEmpty();
        assertThat(sink.revokes).isEmpty();
        c.onBlocked(idle, 10 * KIB, clock.now);
        assertThat(idle.windowBytes()).as("a fresh report is honoured").isGreaterThanOrEqualTo(10 * KIB);
    }

    @Test
    void messageCreditThatCameDueDuringARevokeIsGrantedOnTheAck() {
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController c = controller(16 * MIB, MIB, 4, budget);
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        c.openStream(3, false, new StallTimer(), clock.now); // starved: pressure
        for (int i = 0; i < 4; i++) {
            c.onData(s, 10, clock.now);
        }
        c.tick(clock.now);
        clock.advanceMillis(150);
        c.tick(clock.now);
        assertThat(sink.revokes).containsExactly(1);
        c.onConsumed(s, 40, 4, clock.now); // message credit is due, but a revoke is out
        assertThat(s.windowMessages()).isZero();
        c.onRevokeAck(s, s.windowBytes(), clock.now);
        assertThat(s.windowMessages()).as("granted once the revoke is answered").isEqualTo(4);
    }

    @Test
    void theOldestStarvedStreamKeepsPriorityWhileItIsBeingServed() {
        InboundFlowController c = controller(100 * KIB, 100 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream big = c.openStream(1, false, new StallTimer(), clock.now);
        c.onData(big, (int) (100 * KIB), clock.now); // holds the whole connection window, unconsumed
        ReceiveStream first = c.openStream(3, false, new StallTimer(), clock.now);
        ReceiveStream second = c.openStream(5, false, new StallTimer(), clock.now);
        c.onBlocked(first, 60 * KIB, clock.now);
        c.onBlocked(second, 60 * KIB, clock.now);
        assertThat(c.starvedStreams()).isEqualTo(2);
        c.onConsumed(big, 30 * KIB, 1, clock.now); // frees 30 KiB: less than either needs
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
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThatThrownBy(() -> c.onRevokeAck(s, 0, clock.now))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
        MemoryBudget budget = MemoryBudget.ofBytes(MIB);
        InboundFlowController d = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream idle = d.openStream(1, false, new StallTimer(), clock.now);
        d.openStream(3, false, new StallTimer(), clock.now);
        d.tick(clock.now);
        clock.advanceMillis(200);
        d.tick(clock.now);
        assertThatThrownBy(() -> d.onRevokeAck(idle, MIB + 1, clock.now))
                .isInstanceOfSatisfying(
                        ProtocolException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR));
    }

    @Test
    void blockedMessageLargerThanTheWindowGetsEnoughCredit() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThat(s.windowBytes()).isEqualTo(64 * KIB);
        c.onBlocked(s, 300 * KIB, clock.now);
        assertThat(s.windowBytes()).isGreaterThanOrEqualTo(300 * KIB);
        c.onData(s, (int) (300 * KIB), clock.now);
        c.onConsumed(s, 300 * KIB, 1, clock.now);
        assertThat(s.holdBytes())
                .as("back to the normal target once the big message is through")
                .isLessThanOrEqualTo(300 * KIB);
    }

    @Test
    void blockedMessageNeverLetsAReaderThatDoesNotConsumeHoldMoreThanTheMessage() {
        InboundFlowController c = controller(16 * MIB, 64 * KIB, Credits.UNLIMITED, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        c.onData(s, 10, clock.now);
        c.onBlocked(s, 300 * KIB, clock.now);
        assertThat(s.holdBytes())
                .as("unconsumed data counts against the blocked message")
                .isEqualTo(300 * KIB);
        assertThat(s.windowBytes()).isEqualTo(300 * KIB - 10);
        c.onBlocked(s, 300 * KIB, clock.now);
        assertThat(s.holdBytes())
                .as("repeated Blocked frames do not grow the hold")
                .isEqualTo(300 * KIB);
        c.onConsumed(s, 10, 1, clock.now);
        assertThat(s.windowBytes())
                .as("consuming makes room for the whole message")
                .isEqualTo(300 * KIB);
    }

    @Test
    void remoteHalfCloseAndCloseReleaseEverything() {
        MemoryBudget budget = MemoryBudget.ofBytes(4 * MIB);
        InboundFlowController c = controller(16 * MIB, MIB, Credits.UNLIMITED, budget);
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        c.onData(s, (int) (10 * KIB), clock.now);
        c.onRemoteHalfClosed(s, clock.now);
        assertThat(s.windowBytes()).isZero();
        assertThat(s.holdBytes()).isEqualTo(10 * KIB);
        c.onConsumed(s, 10 * KIB, 1, clock.now);
        assertThat(budget.reservedBytes()).isZero();
        ReceiveStream t = c.openStream(3, false, new StallTimer(), clock.now);
        c.onData(t, (int) (5 * KIB), clock.now);
        int creditFrames = sink.connectionCreditFrames;
        c.onStreamClosed(t, clock.now);
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
        ReceiveStream s = c.openStream(1, false, stalls, clock.now);
        c.onData(s, (int) (64 * KIB), clock.now);
        assertThat(stalls.isStalled(StallReason.APPLICATION_NOT_READING)).isTrue();
        clock.advanceMillis(30);
        c.onConsumed(s, 64 * KIB, 1, clock.now);
        assertThat(stalls.isStalled(StallReason.APPLICATION_NOT_READING)).isFalse();
        assertThat(stalls.totalNanos(StallReason.APPLICATION_NOT_READING, clock.now))
                .isEqualTo(30_000_000L);
        StallTimer other = new StallTimer();
        c.openStream(3, false, other, clock.now);
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
                () -> budgetWakeups++);
    }

    @Test
    void adaptiveStreamGrantsMoreWhenBlockedWithinARoundTripOfAGrant() {
        InboundFlowController c = adaptiveController(MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThat(s.windowReason()).isEqualTo(WindowReason.INITIAL);
        clock.advanceMillis(50);
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB, clock.now);
        }
        assertThat(s.rttNanos()).as("open grant to first data").isEqualTo(50 * MS);
        c.onConsumed(s, MIB, 1024, clock.now);
        sink.clear();
        c.onBlocked(s, KIB, clock.now);
        assertThat(s.windowTargetBytes()).isEqualTo(2 * MIB);
        assertThat(s.windowReason()).isEqualTo(WindowReason.BDP);
        assertThat(s.holdBytes()).isEqualTo(2 * MIB);
    }

    @Test
    void adaptiveStreamShrinksByGrantingLessNeverByRevoking() {
        InboundFlowController c = adaptiveController(MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        for (int i = 0; i < 1024; i++) {
            c.onData(s, (int) KIB, clock.now);
        }
        sink.clear();
        for (int i = 0; i < 30; i++) { // 100 KiB/s with data always waiting
            clock.advanceMillis(10);
            c.onConsumed(s, KIB, 1, clock.now);
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
            c.onConsumed(s, KIB, 1, clock.now);
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
                () -> budgetWakeups++);
        assertThat(growTwoStreams(c)).as("half of the 5 MiB connection window").isEqualTo(5 * MIB / 2);
    }

    /** Stream 1 of two fills its window, is consumed and reports Blocked, four round trips in a row. */
    long growTwoStreams(InboundFlowController c) {
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        c.openStream(3, false, new StallTimer(), clock.now); // two streams: a share of 3 MiB each
        clock.advanceMillis(50);
        for (int round = 0; round < 4; round++) {
            long window = s.windowBytes();
            for (long sent = 0; sent + KIB <= window; sent += KIB) {
                c.onData(s, (int) KIB, clock.now);
            }
            c.onConsumed(s, s.bufferedBytes(), s.bufferedMessages(), clock.now);
            c.onBlocked(s, KIB, clock.now);
            clock.advanceMillis(50);
        }
        assertThat(s.windowReason()).isEqualTo(WindowReason.BUDGET);
        return s.windowTargetBytes();
    }

    @Test
    void fixedStreamsReportTheirWindow() {
        InboundFlowController c = controller(16 * MIB, MIB, 4096, MemoryBudget.unlimited());
        ReceiveStream s = c.openStream(1, false, new StallTimer(), clock.now);
        assertThat(s.isAdaptive()).isFalse();
        assertThat(s.windowTargetBytes()).isEqualTo(MIB);
        assertThat(s.windowReason()).isEqualTo(WindowReason.FIXED);
        assertThat(c.openStream(3, false, new StallTimer(), new AdaptiveWindow.Settings(KIB, MIB, MS), clock.now)
                        .isAdaptive())
                .as("per stream")
                .isTrue();
    }
}
