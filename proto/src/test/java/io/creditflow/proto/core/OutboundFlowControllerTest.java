package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.OutboundFlowController.OutboundStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutboundFlowControllerTest {

    /** A stream with a queue of message sizes; records what was written, in order, across streams. */
    static final class FakeSource implements OutboundFlowController.Source {
        final int id;
        final ArrayDeque<Integer> queue = new ArrayDeque<>();
        final List<Integer> log;
        final List<Long> blocked = new ArrayList<>();

        FakeSource(int id, List<Integer> log) {
            this.id = id;
            this.log = log;
        }

        @Override
        public int takeIfFits(long limitBytes) {
            Integer head = queue.peekFirst();
            return head == null ? -1 : head;
        }

        @Override
        public void write() {
            queue.pollFirst();
            log.add(id);
        }

        @Override
        public void onCreditStall(long neededBytes, boolean reportBlocked) {
            if (reportBlocked) {
                blocked.add(neededBytes);
            }
        }
    }

    final List<Integer> log = new ArrayList<>();

    OutboundStream<FakeSource> source(
            OutboundFlowController<FakeSource> c,
            int id,
            int messages,
            int size,
            long creditBytes,
            long creditMessages) {
        FakeSource s = new FakeSource(id, log);
        for (int i = 0; i < messages; i++) {
            s.queue.add(size);
        }
        OutboundStream<FakeSource> handle = c.register(s);
        handle.window().addCredit(creditBytes, creditMessages);
        return handle;
    }

    @Test
    void streamsTakeTurnsOfOneQuantum() {
        OutboundFlowController<FakeSource> c = new OutboundFlowController<>(WriteScheduler.roundRobin(), 2048, 1 << 30);
        OutboundStream<FakeSource> a = source(c, 1, 6, 1000, 1 << 20, 100);
        OutboundStream<FakeSource> b = source(c, 3, 6, 1000, 1 << 20, 100);
        c.onStreamReady(a);
        c.onStreamReady(b);
        assertThat(c.writePass(() -> true)).isEqualTo(12);
        // 2048-byte quantum, 1000 + 32 per message: two messages per turn.
        assertThat(log).containsExactly(1, 1, 3, 3, 1, 1, 3, 3, 1, 1, 3, 3);
    }

    @Test
    void aStreamWithoutCreditNeverHoldsBackTheOthers() {
        OutboundFlowController<FakeSource> c =
                new OutboundFlowController<>(WriteScheduler.roundRobin(), 16384, 1 << 30);
        OutboundStream<FakeSource> stalled = source(c, 1, 5, 1000, 0, 0);
        OutboundStream<FakeSource> fast = source(c, 3, 50, 1000, 1 << 20, 1000);
        c.onStreamReady(stalled);
        c.onStreamReady(fast);
        assertThat(c.writePass(() -> true)).isEqualTo(50);
        assertThat(log).containsOnly(3);
        assertThat(stalled.isScheduled())
                .as("left the turn order until credit arrives")
                .isFalse();
        assertThat(stalled.source().blocked)
                .as("no message credit: more bytes would not help, so no Blocked")
                .isEmpty();
        stalled.window().addCredit(10_000, 10);
        c.onStreamReady(stalled);
        assertThat(c.writePass(() -> true)).isEqualTo(5);
    }

    @Test
    void reportsBlockedOncePerStall() {
        OutboundFlowController<FakeSource> c =
                new OutboundFlowController<>(WriteScheduler.roundRobin(), 16384, 1 << 30);
        OutboundStream<FakeSource> s = source(c, 1, 3, 1000, 1500, 10);
        c.onStreamReady(s);
        c.writePass(() -> true);
        c.onStreamReady(s);
        c.writePass(() -> true);
        assertThat(s.source().blocked).containsExactly(1000L);
        s.window().addCredit(1000, 0);
        c.onStreamReady(s);
        c.writePass(() -> true);
        assertThat(s.source().blocked)
                .as("a new stall after a send is reported again")
                .containsExactly(1000L, 1000L);
    }

    @Test
    void reportsBlockedAgainWhenARevokeLeavesTheStreamShort() {
        OutboundFlowController<FakeSource> c =
                new OutboundFlowController<>(WriteScheduler.roundRobin(), 16384, 1 << 30);
        OutboundStream<FakeSource> s = source(c, 1, 2, 1000, 800, 10);
        c.onStreamReady(s);
        c.writePass(() -> true);
        assertThat(s.source().blocked).containsExactly(1000L);
        assertThat(s.window().revoke(0)).isEqualTo(800);
        c.onStreamReady(s);
        c.writePass(() -> true);
        assertThat(s.source().blocked).containsExactly(1000L, 1000L);
    }

    @Test
    void connectionCreditIsSharedAndWakesWaitingStreams() {
        OutboundFlowController<FakeSource> c = new OutboundFlowController<>(WriteScheduler.roundRobin(), 16384, 2500);
        OutboundStream<FakeSource> a = source(c, 1, 3, 1000, 1 << 20, 100);
        OutboundStream<FakeSource> b = source(c, 3, 3, 1000, 1 << 20, 100);
        c.onStreamReady(a);
        c.onStreamReady(b);
        assertThat(c.writePass(() -> true)).isEqualTo(2);
        assertThat(c.isConnectionCreditStalled()).isTrue();
        assertThat(c.connectionAvailableBytes()).isEqualTo(500);
        assertThat(a.isScheduled() && b.isScheduled())
                .as("waiting for connection credit keeps their place")
                .isTrue();
        c.onStreamReady(a); // new stream credit does not add a second place
        assertThat(c.scheduledStreams()).isEqualTo(2);
        c.addConnectionCredit(10_000);
        assertThat(c.writePass(() -> true)).isEqualTo(4);
        assertThat(c.connectionSentBytes()).isEqualTo(6000);
    }

    @Test
    void stopsWhenTheChannelIsNotWritableAndResumesWhereItLeftOff() {
        OutboundFlowController<FakeSource> c =
                new OutboundFlowController<>(WriteScheduler.roundRobin(), 1 << 20, 1 << 30);
        OutboundStream<FakeSource> a = source(c, 1, 10, 100, 1 << 20, 100);
        c.onStreamReady(a);
        int[] budget = {3};
        assertThat(c.writePass(() -> budget[0]-- > 0)).isEqualTo(3);
        assertThat(c.writePass(() -> false)).isZero();
        assertThat(c.writePass(() -> true)).isEqualTo(7);
    }

    @Test
    void aHandleHoldsOnePlaceInTheTurnOrderHoweverOftenItIsReady() {
        OutboundFlowController<FakeSource> c = new OutboundFlowController<>(WriteScheduler.roundRobin(), 2048, 1 << 30);
        OutboundStream<FakeSource> a = source(c, 1, 4, 1000, 1 << 20, 100);
        assertThat(a.isScheduled()).as("registering schedules nothing").isFalse();
        assertThat(c.scheduledStreams()).isZero();
        c.onStreamReady(a);
        c.onStreamReady(a);
        assertThat(a.isScheduled()).isTrue();
        assertThat(c.scheduledStreams()).isEqualTo(1);
        assertThat(c.writePass(() -> true)).isEqualTo(4);
        assertThat(log).containsExactly(1, 1, 1, 1);
        assertThat(a.isScheduled()).as("dropped once empty").isFalse();
        assertThat(c.scheduledStreams()).isZero();
    }

    @Test
    void emptyMessagesStillTakeBoundedTurns() {
        OutboundFlowController<FakeSource> c = new OutboundFlowController<>(WriteScheduler.roundRobin(), 64, 1 << 30);
        OutboundStream<FakeSource> a = source(c, 1, 4, 0, 0, 100);
        OutboundStream<FakeSource> b = source(c, 3, 4, 0, 0, 100);
        c.onStreamReady(a);
        c.onStreamReady(b);
        c.writePass(() -> true);
        assertThat(log).containsExactly(1, 1, 3, 3, 1, 1, 3, 3);
    }
}
