package io.creditflow.proto.core;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A process-wide bound on receive memory, one per {@code Server} and per {@code Client}: the bytes
 * granted to peers as credit and not yet consumed by the application, summed over every connection
 * and stream that shares the budget, never exceed {@link #limitBytes()}.
 *
 * <p>Receivers {@linkplain #tryReserve reserve} before they grant credit and {@linkplain #release
 * release} when the application has consumed the data (or the credit is revoked or the stream
 * closes). When the budget is short, reservations are partial; a receiver that got less than it
 * wanted registers a waiter and takes a starved ticket (both package-private: the flow core's scheduling,
 * not part of an embedder's face). Tickets are
 * the signal other receivers use to revoke credit that idle streams hold unused, and they order the
 * starved streams globally: the oldest ticket has priority, so memory freed anywhere accumulates for
 * one stream at a time instead of being spread in fragments no stream can use (see docs/protocol.md,
 * "Memory budget and revoke"). Embedders may also charge their own buffers to the budget, so that
 * retained data withholds credit too.
 *
 * <p>The four questions: bound = {@link #limitBytes()}; when full, reservations return less (never
 * block, never fail with an exception); the pressure goes to the peers as withheld credit; observed
 * through {@link #reservedBytes()}, {@link #peakReservedBytes()} and {@link #starvedStreams()}.
 *
 * <p>Thread-safe: lock-free atomics; waiter callbacks run on the thread that released memory and
 * must only hand work to their own thread (for example schedule a task on an event loop).
 */
public final class MemoryBudget {
    /** A limit meaning "no budget": reservations always succeed in full. */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private final long limitBytes;
    private final AtomicLong reservedBytes = new AtomicLong();
    private final AtomicLong peakReservedBytes = new AtomicLong();
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicLong tickets = new AtomicLong();
    private final ConcurrentSkipListSet<Long> starved = new ConcurrentSkipListSet<>();
    private final ConcurrentLinkedQueue<Waiter> waiters = new ConcurrentLinkedQueue<>();

    private MemoryBudget(long limitBytes) {
        if (limitBytes <= 0) {
            throw new IllegalArgumentException("limitBytes: " + limitBytes + " (expected: > 0)");
        }
        this.limitBytes = limitBytes;
    }

    /** A budget of {@code limitBytes}. */
    public static MemoryBudget ofBytes(long limitBytes) {
        return new MemoryBudget(limitBytes);
    }

    /** A budget that never runs short (memory is then bounded by the per-connection windows only). */
    public static MemoryBudget unlimited() {
        return new MemoryBudget(UNLIMITED);
    }

    /**
     * Reserves up to {@code maxBytes}: as much as is available, possibly 0. Never blocks.
     *
     * @return the bytes reserved, in {@code [0, maxBytes]}; the caller owns them until it releases them
     */
    public long tryReserve(long maxBytes) {
        if (maxBytes <= 0) {
            return 0;
        }
        for (; ; ) {
            long current = reservedBytes.get();
            long room = limitBytes - current;
            if (room <= 0) {
                return 0;
            }
            long take = Math.min(room, maxBytes);
            if (reservedBytes.compareAndSet(current, current + take)) {
                updatePeak(current + take);
                return take;
            }
        }
    }

    /** Reserves exactly {@code bytes} or nothing. Never blocks. */
    public boolean tryReserveExactly(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        for (; ; ) {
            long current = reservedBytes.get();
            if (limitBytes - current < bytes) {
                return false;
            }
            if (reservedBytes.compareAndSet(current, current + bytes)) {
                updatePeak(current + bytes);
                return true;
            }
        }
    }

    /** Returns {@code bytes} reserved earlier and wakes the receivers waiting for memory. */
    public void release(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 0)");
        }
        if (bytes == 0) {
            return;
        }
        long after = reservedBytes.addAndGet(-bytes);
        assert after >= 0 : "released more than reserved: " + after;
        if (!waiters.isEmpty()) {
            wakeWaiters();
        }
    }

    /**
     * Registers {@code waiter} to be called once when memory is next released. Registering a waiter
     * that is already registered does nothing. If memory is available right now, the waiter is woken
     * at once (so a release that raced with the registration is never lost).
     */
    void awaitRelease(Waiter waiter) {
        if (waiter.queued.compareAndSet(false, true)) {
            waiters.add(waiter);
            if (reservedBytes.get() < limitBytes) {
                wakeWaiters();
            }
        }
    }

    private void wakeWaiters() {
        Waiter waiter;
        while ((waiter = waiters.poll()) != null) {
            waiter.queued.set(false);
            waiter.onBudgetReleased();
        }
    }

    // Scheduling, for the flow core of this package only (package-private: an embedder reserves, releases and
    // observes; the starvation tickets and waiters are the receivers' business).

    /** Counts a stream that shares this budget (for {@link #fairShareBytes()}). */
    void registerStream() {
        streams.incrementAndGet();
    }

    void unregisterStream() {
        int after = streams.decrementAndGet();
        assert after >= 0;
    }

    /**
     * Marks a stream as starved: it wants credit the budget cannot give.
     *
     * @return the stream's ticket; tickets increase, so a smaller one has waited longer
     */
    long markStarved() {
        long ticket = tickets.incrementAndGet();
        starved.add(ticket);
        return ticket;
    }

    /** The stream holding {@code ticket} is no longer starved. */
    void unmarkStarved(long ticket) {
        boolean removed = starved.remove(ticket);
        assert removed : "unknown ticket " + ticket;
    }

    /** The ticket of the stream that has been starved longest (it has priority), or 0 if none is. */
    long oldestStarvedTicket() {
        Long first = starved.isEmpty() ? null : starved.first();
        return first == null ? 0 : first;
    }

    /** True while some stream wants credit the budget cannot give: idle credit should be revoked. */
    public boolean isUnderPressure() {
        return !starved.isEmpty();
    }

    /**
     * The share of the budget one stream may hold while the budget is under pressure:
     * {@code limitBytes / registered streams}.
     */
    long fairShareBytes() {
        return limitBytes / Math.max(1, streams.get());
    }

    public long limitBytes() {
        return limitBytes;
    }

    public long reservedBytes() {
        return reservedBytes.get();
    }

    public long availableBytes() {
        return Math.max(0, limitBytes - reservedBytes.get());
    }

    /** The largest {@link #reservedBytes()} ever seen. */
    public long peakReservedBytes() {
        return peakReservedBytes.get();
    }

    /** Streams sharing this budget now. */
    public int streams() {
        return streams.get();
    }

    /** Streams waiting for credit this budget cannot give now. */
    public int starvedStreams() {
        return starved.size();
    }

    private void updatePeak(long value) {
        long peak;
        while (value > (peak = peakReservedBytes.get())) {
            if (peakReservedBytes.compareAndSet(peak, value)) {
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "MemoryBudget(reserved=" + reservedBytes.get() + ", limit=" + limitBytes + ", streams=" + streams.get()
                + ", starved=" + starved.size() + ')';
    }

    /**
     * A receiver waiting for memory. Thread-safe; {@link #onBudgetReleased()} is called from
     * whichever thread released memory and must only schedule work on the waiter's own thread.
     */
    abstract static class Waiter {
        private final AtomicBoolean queued = new AtomicBoolean();

        /** Memory was released; try again (on your own thread). */
        abstract void onBudgetReleased();
    }
}
