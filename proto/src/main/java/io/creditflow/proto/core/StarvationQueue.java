package io.creditflow.proto.core;

import java.util.ArrayDeque;

/**
 * The streams of one connection that wait for credit memory could not provide (docs/protocol.md section
 * 7.1): a FIFO, the budget tickets of those the budget (not the connection window) starves, who is first
 * in line, and the order they are served in. A stream that is starved keeps its place (and its ticket)
 * until a grant leaves it short no more.
 *
 * <p>Not thread-safe; event-loop confined (the connection's {@link InboundFlowController} owns it).
 */
final class StarvationQueue {
    /** Grants to a stream as it is served (the controller's grant decision). */
    interface Grantor {
        void maybeGrant(ReceiveStream s, long nowNanos);
    }

    private final MemoryBudget budget;
    private final Grantor grantor;
    private final ArrayDeque<ReceiveStream> starved = new ArrayDeque<>();
    /** The starved stream {@link #serve} is granting right now (out of the FIFO, still first in line). */
    private ReceiveStream serving;

    StarvationQueue(MemoryBudget budget, Grantor grantor) {
        this.budget = budget;
        this.grantor = grantor;
    }

    /** Streams waiting. */
    int size() {
        return starved.size();
    }

    boolean isEmpty() {
        return starved.isEmpty();
    }

    /** True while {@code s} is being served: it is granted at most its fair share. */
    boolean isServing(ReceiveStream s) {
        return s == serving;
    }

    /**
     * True if {@code s} is first in line for memory: no stream of this connection waits ahead of it and no
     * stream anywhere on the budget has waited longer.
     */
    boolean hasPriority(ReceiveStream s) {
        ReceiveStream head = starved.peekFirst();
        if (s != serving && head != null && head != s) {
            return false;
        }
        long oldest = budget.oldestStarvedTicket();
        return oldest == 0 || oldest == s.ticket;
    }

    /**
     * Records whether {@code s} waits for memory: in this connection's FIFO either way, and counted as
     * starved in the process budget (which makes every connection sharing it cut to fair shares and revoke
     * idle credit) only when the budget, not the connection window, was what ran short.
     */
    void set(ReceiveStream s, boolean starvedNow, boolean budgetShort, long now) {
        if (starvedNow != s.wanting) {
            s.wanting = starvedNow;
            if (starvedNow) {
                starved.addLast(s);
            } else {
                starved.remove(s);
            }
            s.stalls.set(StallReason.BUDGET_EXHAUSTED, starvedNow, now);
        }
        boolean budgetStarved = starvedNow && budgetShort;
        if (budgetStarved && s.ticket == 0) {
            s.ticket = budget.markStarved();
        } else if (!starvedNow && s.ticket != 0) {
            budget.unmarkStarved(s.ticket);
            s.ticket = 0;
        }
    }

    /**
     * Retries every stream waiting now, in FIFO order: each is taken out, granted (the {@link Grantor}
     * re-queues it at the back, ticket kept, if it is still short), and leaves the queue if it is not. Served
     * in order, a stream keeps its place ahead of the rest for priority; and it is served at most its fair
     * share, even if it was the only one starved.
     */
    void serve(long now) {
        for (int n = starved.size(); n > 0 && !starved.isEmpty(); n--) {
            ReceiveStream s = starved.pollFirst();
            s.wanting = false;
            serving = s;
            try {
                grantor.maybeGrant(s, now);
            } finally {
                serving = null;
            }
            if (!s.wanting) {
                set(s, false, false, now);
                s.stalls.set(StallReason.BUDGET_EXHAUSTED, false, now);
            }
        }
    }

    /** For the controller's invariants: every queued stream is marked starved and open. */
    boolean allStarvedAndOpen() {
        for (ReceiveStream s : starved) {
            if (!s.wanting || s.closed) {
                return false;
            }
        }
        return true;
    }
}
