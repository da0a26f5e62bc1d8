package io.creditflow.transport.internal;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.StreamClosedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The async sends waiting for room in one {@link SendQueue} under {@link io.creditflow.transport.OverflowPolicy#BLOCK},
 * oldest first: the second half of that boundary. <b>Bound</b>: at most {@code maxSends} sends, and
 * {@code maxBytes} of them once more than one waits; <b>when full</b> the send fails at once with a
 * retryable {@link io.creditflow.transport.SendRejectedException}; <b>pressure</b> goes to the producer,
 * whose stage completes only when its message enters the queue; <b>observed</b> through {@link #count()}
 * ({@code StreamStats.pendingSends}).
 *
 * <p>Guarded by its SendQueue's lock (every method but {@link #count()}). It completes no stage itself: it
 * returns them, and the SendQueue completes them after unlocking, so no user code runs under the lock.
 */
final class PendingSends {
    private final int maxSends;
    private final long maxBytes;
    private ArrayDeque<Waiting> waiting;
    private long bytes;
    private volatile int count;

    PendingSends(int maxSends, long maxBytes) {
        this.maxSends = maxSends;
        this.maxBytes = maxBytes;
    }

    /** Any thread: the number of sends waiting. */
    int count() {
        return count;
    }

    boolean isEmpty() {
        return count == 0;
    }

    /** A send that waits for room, or null if the bound is reached (the caller rejects it). */
    CompletableFuture<Void> tryAdd(Object message, int size) {
        if (count >= maxSends || (count > 0 && bytes + size > maxBytes)) {
            return null;
        }
        if (waiting == null) {
            waiting = new ArrayDeque<>(8);
        }
        CompletableFuture<Void> stage = new CompletableFuture<>();
        waiting.addLast(new Waiting(message, size, stage));
        bytes += size;
        count++;
        return stage;
    }

    /**
     * Moves waiting sends, oldest first, into {@code queue} while they fit (order is kept: one that does not
     * fit holds back those behind it).
     *
     * @return the stages to complete once the lock is released, or null if none moved
     */
    List<CompletableFuture<Void>> admitInto(QueuedMessages queue) {
        List<CompletableFuture<Void>> admitted = null;
        Waiting next;
        while (waiting != null && (next = waiting.peekFirst()) != null && queue.fits(next.size)) {
            waiting.pollFirst();
            bytes -= next.size;
            count--;
            queue.add(next.message, next.size);
            if (admitted == null) {
                admitted = new ArrayList<>(4);
            }
            admitted.add(next.stage);
        }
        return admitted;
    }

    /**
     * Removes every waiting send (the stream closed).
     *
     * @return their stages, to fail with {@link #fail} once the lock is released, or null if none waited
     */
    List<CompletableFuture<Void>> clear() {
        if (waiting == null || waiting.isEmpty()) {
            return null;
        }
        List<CompletableFuture<Void>> failed = new ArrayList<>(waiting.size());
        for (Waiting w : waiting) {
            failed.add(w.stage);
        }
        waiting.clear();
        bytes = 0;
        count = 0;
        return failed;
    }

    /** Outside the lock: completes stages removed by {@link #clear} with the stream's close. */
    static void fail(List<CompletableFuture<Void>> stages, CloseStatus status) {
        if (stages != null) {
            StreamClosedException e = new StreamClosedException("stream closed before the message was queued", status);
            for (CompletableFuture<Void> f : stages) {
                f.completeExceptionally(e);
            }
        }
    }

    private record Waiting(Object message, int size, CompletableFuture<Void> stage) {}
}
