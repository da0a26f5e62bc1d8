package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The starved streams of one connection alone (docs/protocol.md section 7.1): FIFO order, budget tickets,
 * who is first in line, and serving in order with re-queueing of those still short.
 */
class StarvationQueueTest {
    final MemoryBudget budget = MemoryBudget.ofBytes(1 << 20);
    final List<Integer> served = new ArrayList<>();
    /** Stream ids the grantor leaves short (re-queued as the controller's grant would). */
    final List<Integer> stillShort = new ArrayList<>();

    StarvationQueue queue;

    StarvationQueueTest() {
        queue = new StarvationQueue(budget, (s, now) -> {
            assertThat(queue.isServing(s)).as("served one at a time, marked").isTrue();
            served.add(s.id);
            if (stillShort.contains(s.id)) {
                queue.set(s, true, s.ticket != 0, now);
            }
        });
    }

    static ReceiveStream stream(int id) {
        return new ReceiveStream(id, false, new StallTimer());
    }

    @Test
    void theFirstStarvedIsFirstInLineAndAStallIsTimed() {
        ReceiveStream a = stream(1);
        ReceiveStream b = stream(3);
        assertThat(queue.hasPriority(a)).as("nobody waits").isTrue();
        queue.set(a, true, false, 10);
        queue.set(b, true, false, 20);
        assertThat(queue.size()).isEqualTo(2);
        assertThat(queue.hasPriority(a)).isTrue();
        assertThat(queue.hasPriority(b)).isFalse();
        assertThat(a.isStarved() && b.isStarved()).isTrue();
        assertThat(a.stalls.isStalled(StallReason.BUDGET_EXHAUSTED)).isTrue();
        queue.set(a, true, false, 30);
        assertThat(queue.size()).as("marked once").isEqualTo(2);
        assertThat(a.ticket)
                .as("the connection window, not the budget, was short: no ticket")
                .isZero();
        assertThat(queue.allStarvedAndOpen()).isTrue();
    }

    @Test
    void onlyABudgetShortageTakesATicketAndTheOldestTicketHasPriorityAcrossConnections() {
        ReceiveStream a = stream(1);
        ReceiveStream b = stream(3);
        queue.set(a, true, false, 0);
        queue.set(b, true, true, 0);
        assertThat(b.ticket).isNotZero();
        assertThat(queue.hasPriority(a))
                .as("first here, but a stream starved by the budget waits longer")
                .isFalse();
        queue.set(b, false, false, 0);
        assertThat(b.ticket).as("returned once not starved").isZero();
        assertThat(budget.oldestStarvedTicket()).isZero();
        assertThat(queue.hasPriority(a)).isTrue();
        assertThat(b.stalls.isStalled(StallReason.BUDGET_EXHAUSTED)).isFalse();
    }

    @Test
    void serveRetriesEachInOrderOnceAndRequeuesThoseStillShortWithTheirTickets() {
        ReceiveStream a = stream(1);
        ReceiveStream b = stream(3);
        ReceiveStream c = stream(5);
        queue.set(a, true, false, 0);
        queue.set(b, true, true, 0);
        queue.set(c, true, false, 0);
        long ticket = b.ticket;
        stillShort.add(3);

        queue.serve(100);

        assertThat(served).as("FIFO, each once").containsExactly(1, 3, 5);
        assertThat(queue.size()).isEqualTo(1);
        assertThat(b.isStarved()).isTrue();
        assertThat(b.ticket).as("its place across connections is kept").isEqualTo(ticket);
        assertThat(a.isStarved() || c.isStarved()).isFalse();
        assertThat(a.stalls.isStalled(StallReason.BUDGET_EXHAUSTED)).isFalse();
        assertThat(queue.isServing(b)).isFalse();
        assertThat(queue.hasPriority(b)).isTrue();
    }

    @Test
    void aClosedStreamInTheQueueBreaksTheInvariant() {
        ReceiveStream a = stream(1);
        queue.set(a, true, false, 0);
        a.closed = true;
        assertThat(queue.allStarvedAndOpen()).isFalse();
    }
}
