package io.creditflow.transport.internal;

import io.creditflow.transport.OverflowPolicy;

/**
 * What a send gets from a {@link SendQueue} now: the one place the overflow policy is applied, for every entry
 * point ({@code offer}, async {@code send}, blocking {@code send}); each maps it to its own result style. The
 * table is {@link OverflowPolicy}'s.
 *
 * <p>Immutable; {@link #decide} is a pure function.
 */
enum Admission {
    /** There is room, and no waiting send to overtake: queued. */
    ACCEPT,
    /** Full under DROP_OLDEST: the oldest messages are evicted (counted as dropped), then it is queued. */
    EVICT_OLDEST_THEN_ACCEPT,
    /** Full under DROP_NEWEST: this message is discarded (counted as dropped). */
    DROP,
    /** Full under REJECT: refused; nothing changes. */
    REJECT,
    /** Full under BLOCK: the sender waits for room ({@code offer}, which never waits, reports QUEUE_FULL). */
    WAIT,
    /** Half-closed for sending, or closed. */
    CLOSED;

    /**
     * @param open the queue takes sends (neither half-closed for sending nor closed)
     * @param room the message fits now and no earlier send waits for room (a send never overtakes one that waits)
     */
    static Admission decide(OverflowPolicy policy, boolean open, boolean room) {
        if (!open) {
            return CLOSED;
        }
        if (room) {
            return ACCEPT;
        }
        return switch (policy) {
            case DROP_OLDEST -> EVICT_OLDEST_THEN_ACCEPT;
            case DROP_NEWEST -> DROP;
            case REJECT -> REJECT;
            case BLOCK -> WAIT;
        };
    }

    /** The message was queued. */
    boolean queued() {
        return this == ACCEPT || this == EVICT_OLDEST_THEN_ACCEPT;
    }
}
