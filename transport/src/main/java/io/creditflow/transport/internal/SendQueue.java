package io.creditflow.transport.internal;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.MessageDroppedException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.OverflowPolicy;
import io.creditflow.transport.SendRejectedException;
import io.creditflow.transport.StreamClosedException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream's send queue: the boundary between the application's threads and the event loop.
 *
 * <p>The four questions: <b>bound</b> {@code maxBytes} and {@code maxMessages} (a single message larger
 * than {@code maxBytes} is admitted into an empty queue), plus at most {@code maxPendingSends} async
 * sends (and {@code maxBytes} of them) waiting for room under BLOCK; <b>when full</b> the stream's
 * {@link OverflowPolicy}; <b>pressure</b> goes to the producer (a blocked thread, a pending stage, a
 * QUEUE_FULL result); <b>observed</b> through {@link #queuedBytes()}, {@link #queuedMessages()},
 * {@link #pendingSends()}, {@link #droppedMessages()}.
 *
 * <p>Thread-safe: producers on any thread, one consumer (the event loop) calling {@link #pollIfAtMost}.
 * A small lock guards the queue; nothing runs user code under it (stages complete after unlocking).
 */
final class SendQueue {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final OverflowPolicy policy;
    private final long maxBytes;
    private final int maxMessages;
    private final int maxPendingSends;
    private final Runnable onNonEmpty;

    private ArrayDeque<Object> queue;
    private ArrayDeque<PendingSend> pending;
    private volatile long queuedBytes;
    private volatile int queuedMessages;
    private volatile long pendingBytes;
    private volatile int pendingCount;
    private volatile long droppedMessages;
    private int blockedThreads;
    /** Event-loop confined: see {@link #pollIfAtMost}. */
    int lastHeadSize = -1;

    private CloseStatus closedStatus;
    private boolean finishing;

    /**
     * @param onNonEmpty called (outside the lock, on the producer's thread) when a message was added,
     *        so the stream can ask its event loop for a write pass
     */
    SendQueue(OverflowPolicy policy, long maxBytes, int maxMessages, int maxPendingSends, Runnable onNonEmpty) {
        this.policy = policy;
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
        this.maxPendingSends = maxPendingSends;
        this.onNonEmpty = onNonEmpty;
    }

    static int sizeOf(Object message) {
        return message instanceof byte[] bytes ? bytes.length : ((ByteBuffer) message).remaining();
    }

    private boolean fits(int size) {
        return queuedMessages == 0 || (queuedBytes + size <= maxBytes && queuedMessages < maxMessages);
    }

    private void add(Object message, int size) {
        if (queue == null) {
            queue = new ArrayDeque<>(8);
        }
        queue.addLast(message);
        queuedBytes += size;
        queuedMessages++;
    }

    /** Evicts queued messages, oldest first, until {@code size} fits. Lock held. */
    private void evictFor(int size) {
        while (!fits(size)) {
            Object oldest = queue.pollFirst();
            queuedBytes -= sizeOf(oldest);
            queuedMessages--;
            droppedMessages++;
        }
    }

    OfferResult offer(Object message, int size) {
        OfferResult result;
        lock.lock();
        try {
            if (closedStatus != null || finishing) {
                return OfferResult.CLOSED;
            }
            if (fits(size) && (pendingCount == 0)) {
                add(message, size);
                result = OfferResult.ACCEPTED;
            } else if (policy == OverflowPolicy.DROP_OLDEST) {
                evictFor(size);
                add(message, size);
                result = OfferResult.ACCEPTED;
            } else if (policy == OverflowPolicy.DROP_NEWEST) {
                droppedMessages++;
                return OfferResult.DROPPED;
            } else {
                return OfferResult.QUEUE_FULL;
            }
        } finally {
            lock.unlock();
        }
        onNonEmpty.run();
        return result;
    }

    CompletionStage<Void> sendAsync(Object message, int size) {
        CompletableFuture<Void> waiting;
        lock.lock();
        try {
            if (closedStatus != null || finishing) {
                return CompletableFuture.failedStage(closedException());
            }
            if (fits(size) && (pendingCount == 0)) {
                add(message, size);
                waiting = null;
            } else {
                switch (policy) {
                    case DROP_OLDEST -> {
                        evictFor(size);
                        add(message, size);
                        waiting = null;
                    }
                    case DROP_NEWEST -> {
                        droppedMessages++;
                        return CompletableFuture.failedStage(
                                new MessageDroppedException("send queue full: newest message dropped (DROP_NEWEST)"));
                    }
                    case REJECT -> {
                        return CompletableFuture.failedStage(new SendRejectedException(
                                "send queue full (" + queuedMessages + " messages, " + queuedBytes + " bytes)"));
                    }
                    default -> {
                        if (pendingCount >= maxPendingSends || (pendingCount > 0 && pendingBytes + size > maxBytes)) {
                            return CompletableFuture.failedStage(new SendRejectedException(
                                    "send queue full and " + pendingCount + " async sends already wait for room"));
                        }
                        if (pending == null) {
                            pending = new ArrayDeque<>(8);
                        }
                        waiting = new CompletableFuture<>();
                        pending.addLast(new PendingSend(message, size, waiting));
                        pendingBytes += size;
                        pendingCount++;
                        return waiting;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        onNonEmpty.run();
        return DONE;
    }

    void sendBlocking(Object message, int size, long timeoutNanos) throws InterruptedException, TimeoutException {
        lock.lock();
        try {
            long nanos = timeoutNanos;
            for (; ; ) {
                if (closedStatus != null || finishing) {
                    throw closedException();
                }
                if (fits(size) && (pendingCount == 0)) {
                    add(message, size);
                    break;
                }
                switch (policy) {
                    case DROP_OLDEST -> {
                        evictFor(size);
                        add(message, size);
                    }
                    case DROP_NEWEST -> {
                        droppedMessages++;
                        throw new MessageDroppedException("send queue full: newest message dropped (DROP_NEWEST)");
                    }
                    case REJECT ->
                        throw new SendRejectedException(
                                "send queue full (" + queuedMessages + " messages, " + queuedBytes + " bytes)");
                    default -> {
                        if (nanos <= 0) {
                            throw new TimeoutException("no room in the send queue within " + timeoutNanos / 1_000_000
                                    + " ms (peer has not granted credit)");
                        }
                        blockedThreads++;
                        try {
                            nanos = room.awaitNanos(nanos);
                        } finally {
                            blockedThreads--;
                        }
                        continue;
                    }
                }
                break;
            }
        } finally {
            lock.unlock();
        }
        onNonEmpty.run();
    }

    /**
     * Event loop: takes the oldest message if its payload is at most {@code maxBytes} (admitting waiting
     * sends into the room it frees); otherwise, or if the queue is empty, returns null, takes nothing,
     * and leaves the head's size (or -1 for empty) in {@link #lastHeadSize} — read in the same step, so
     * a producer adding a message meanwhile cannot make the two disagree.
     */
    Object pollIfAtMost(long maxBytes) {
        Object message;
        List<CompletableFuture<Void>> admitted = null;
        lock.lock();
        try {
            message = queue == null ? null : queue.peekFirst();
            if (message == null) {
                lastHeadSize = -1;
                return null;
            }
            int size = sizeOf(message);
            if (size > maxBytes) {
                lastHeadSize = size;
                return null;
            }
            queue.pollFirst();
            queuedBytes -= sizeOf(message);
            queuedMessages--;
            if (pending != null) {
                PendingSend next;
                while ((next = pending.peekFirst()) != null && fits(next.size)) {
                    pending.pollFirst();
                    pendingBytes -= next.size;
                    pendingCount--;
                    add(next.message, next.size);
                    if (admitted == null) {
                        admitted = new ArrayList<>(4);
                    }
                    admitted.add(next.future);
                }
            }
            if (blockedThreads > 0) {
                room.signalAll();
            }
        } finally {
            lock.unlock();
        }
        if (admitted != null) {
            for (CompletableFuture<Void> f : admitted) {
                f.complete(null);
            }
        }
        return message;
    }

    /** True if a send now would be accepted without waiting or dropping. */
    boolean hasRoom() {
        return queuedBytes < maxBytes && queuedMessages < maxMessages && pendingCount == 0;
    }

    /**
     * No more sends are accepted; queued messages and async sends already waiting are still written,
     * then a HalfClose. Threads blocked in a send fail with {@link StreamClosedException}.
     */
    void finish() {
        lock.lock();
        try {
            finishing = true;
            if (blockedThreads > 0) {
                room.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    boolean isFinishing() {
        return finishing;
    }

    /** Nothing queued and no async send waiting. */
    boolean isEmpty() {
        return queuedMessages == 0 && pendingCount == 0;
    }

    private List<CompletableFuture<Void>> failed;

    private void failPendingLocked() {
        if (pending != null && !pending.isEmpty()) {
            failed = new ArrayList<>(pending.size());
            for (PendingSend p : pending) {
                failed.add(p.future);
            }
            pending.clear();
            pendingBytes = 0;
            pendingCount = 0;
        }
        if (blockedThreads > 0) {
            room.signalAll();
        }
    }

    /**
     * Closes the queue: later sends fail, waiting ones fail, queued messages are discarded.
     *
     * @return the messages that were accepted and will never be written (queued plus pending)
     */
    long close(CloseStatus status) {
        long unsent;
        List<CompletableFuture<Void>> toFail;
        lock.lock();
        try {
            if (closedStatus != null) {
                return 0;
            }
            closedStatus = status;
            unsent = queuedMessages + (pending == null ? 0 : pending.size());
            if (queue != null) {
                queue.clear();
            }
            queuedBytes = 0;
            queuedMessages = 0;
            failPendingLocked();
            toFail = failed;
            failed = null;
        } finally {
            lock.unlock();
        }
        failAll(toFail, status);
        return unsent;
    }

    private void failAll(List<CompletableFuture<Void>> futures, CloseStatus status) {
        if (futures != null) {
            StreamClosedException e = new StreamClosedException("stream closed before the message was queued", status);
            for (CompletableFuture<Void> f : futures) {
                f.completeExceptionally(e);
            }
        }
    }

    private StreamClosedException closedException() {
        CloseStatus status = closedStatus != null ? closedStatus : CloseStatus.OK;
        return new StreamClosedException(
                finishing && closedStatus == null ? "stream half-closed for sending" : "stream closed", status);
    }

    long queuedBytes() {
        return queuedBytes;
    }

    int queuedMessages() {
        return queuedMessages;
    }

    long pendingSends() {
        return pendingCount;
    }

    long droppedMessages() {
        return droppedMessages;
    }

    private record PendingSend(Object message, int size, CompletableFuture<Void> future) {}
}
