package io.creditflow.transport.internal;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.MessageDroppedException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.OverflowPolicy;
import io.creditflow.transport.SendRejectedException;
import io.creditflow.transport.StreamClosedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One stream's send queue: the boundary between the application's threads and the event loop.
 *
 * <p>The four questions: <b>bound</b> {@code maxBytes} and {@code maxMessages} (a single message larger
 * than {@code maxBytes} is admitted into an empty queue; {@link QueuedMessages}), plus the async sends
 * waiting for room under BLOCK, bounded by {@link PendingSends}; <b>when full</b> the stream's
 * {@link OverflowPolicy}; <b>pressure</b> goes to the producer (a blocked thread, a pending stage, a
 * QUEUE_FULL result); <b>observed</b> through {@link #queuedBytes()}, {@link #queuedMessages()},
 * {@link #pendingSends()}, {@link #droppedMessages()}.
 *
 * <p>Each entry point ({@link #offer}, {@link #sendAsync}, {@link #sendBlocking}) asks one decision,
 * {@link #admit}, and maps its {@link Admission} to its own result style: a value, a stage, an exception.
 *
 * <p>Thread-safe: producers on any thread, one consumer (the event loop) calling {@link #pollIfAtMost}.
 * A small lock guards the queue; nothing runs user code under it (stages complete after unlocking).
 */
final class SendQueue {
    private static final CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final OverflowPolicy policy;
    private final QueuedMessages queue;
    private final PendingSends pending;
    private final Runnable onNonEmpty;

    private volatile long droppedMessages;
    private int blockedThreads;
    /** Written under the lock; volatile so that an entry point can describe its refusal after unlocking. */
    private volatile CloseStatus closedStatus;

    private volatile boolean finishing;

    /**
     * @param onNonEmpty called (outside the lock, on the producer's thread) when a message was added,
     *        so the stream can ask its event loop for a write pass
     */
    SendQueue(OverflowPolicy policy, long maxBytes, int maxMessages, int maxPendingSends, Runnable onNonEmpty) {
        this.policy = policy;
        this.queue = new QueuedMessages(maxBytes, maxMessages);
        this.pending = new PendingSends(maxPendingSends, maxBytes);
        this.onNonEmpty = onNonEmpty;
    }

    /** Lock held: the decision for a send of {@code size} bytes ({@link #enter} carries it out). */
    Admission admit(int size) {
        assert lock.isHeldByCurrentThread();
        return Admission.decide(policy, closedStatus == null && !finishing, queue.fits(size) && pending.isEmpty());
    }

    /** Lock held: decides, and carries out the admissions that take or drop the message (WAIT is the caller's). */
    private Admission enter(Object message, int size) {
        Admission a = admit(size);
        switch (a) {
            case ACCEPT -> queue.add(message, size);
            case EVICT_OLDEST_THEN_ACCEPT -> {
                droppedMessages += queue.evictFor(size);
                queue.add(message, size);
            }
            case DROP -> droppedMessages++;
            default -> {}
        }
        return a;
    }

    OfferResult offer(Object message, int size) {
        Admission a;
        lock.lock();
        try {
            a = enter(message, size);
        } finally {
            lock.unlock();
        }
        return switch (a) {
            case ACCEPT, EVICT_OLDEST_THEN_ACCEPT -> accepted(OfferResult.ACCEPTED);
            case DROP -> OfferResult.DROPPED;
            case REJECT, WAIT -> OfferResult.QUEUE_FULL;
            case CLOSED -> OfferResult.CLOSED;
        };
    }

    CompletionStage<Void> sendAsync(Object message, int size) {
        Admission a;
        CompletableFuture<Void> waiting = null;
        lock.lock();
        try {
            a = enter(message, size);
            waiting = a == Admission.WAIT ? pending.tryAdd(message, size) : null;
        } finally {
            lock.unlock();
        }
        return switch (a) {
            case ACCEPT, EVICT_OLDEST_THEN_ACCEPT -> accepted(DONE);
            case DROP -> CompletableFuture.failedStage(dropped());
            case REJECT -> CompletableFuture.failedStage(full());
            case WAIT ->
                waiting != null
                        ? waiting
                        : CompletableFuture.failedStage(new SendRejectedException(
                                "send queue full and " + pending.count() + " async sends already wait for room"));
            case CLOSED -> CompletableFuture.failedStage(closedException());
        };
    }

    void sendBlocking(Object message, int size, long timeoutNanos) throws InterruptedException, TimeoutException {
        Admission a;
        lock.lock();
        try {
            long nanos = timeoutNanos;
            while ((a = enter(message, size)) == Admission.WAIT) {
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
            }
        } finally {
            lock.unlock();
        }
        switch (a) {
            case ACCEPT, EVICT_OLDEST_THEN_ACCEPT -> accepted(null);
            case DROP -> throw dropped();
            case REJECT -> throw full();
            case CLOSED -> throw closedException();
            case WAIT -> throw new AssertionError("waited above");
        }
    }

    private <T> T accepted(T result) {
        onNonEmpty.run();
        return result;
    }

    /**
     * Event loop: takes the oldest message if its payload is at most {@code maxBytes} and hands it to
     * {@code into}, admitting waiting sends into the room it frees; otherwise takes nothing.
     *
     * @return the head's size, or -1 if the queue is empty; the head was taken iff {@code 0 <= size <= maxBytes}.
     *     Read in the same step as the take, so a producer adding or evicting meanwhile cannot make the two
     *     disagree.
     */
    int pollIfAtMost(long maxBytes, Consumer<Object> into) {
        Object message;
        int size;
        List<CompletableFuture<Void>> admitted;
        lock.lock();
        try {
            message = queue.peek();
            size = message == null ? -1 : QueuedMessages.sizeOf(message);
            if (size < 0 || size > maxBytes) {
                return size;
            }
            queue.removeFirst(size);
            admitted = pending.admitInto(queue);
            if (blockedThreads > 0) {
                room.signalAll();
            }
        } finally {
            lock.unlock();
        }
        into.accept(message);
        if (admitted != null) {
            for (CompletableFuture<Void> f : admitted) {
                f.complete(null);
            }
        }
        return size;
    }

    /** True if a send now would be accepted without waiting or dropping. */
    boolean hasRoom() {
        return queue.hasRoom() && pending.isEmpty();
    }

    /**
     * No more sends are accepted; queued messages and async sends already waiting are still written,
     * then a HalfClose. Threads blocked in a send fail with {@link StreamClosedException}.
     */
    void finish() {
        lock.lock();
        try {
            finishing = true;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    boolean isFinishing() {
        return finishing;
    }

    /** Nothing queued and no async send waiting. */
    boolean isEmpty() {
        return queue.count() == 0 && pending.isEmpty();
    }

    /**
     * Closes the queue: later sends fail, waiting ones fail, queued messages are discarded.
     *
     * @return the messages that were accepted and will never be written (queued plus pending)
     */
    long close(CloseStatus status) {
        long unsent;
        List<CompletableFuture<Void>> failed;
        lock.lock();
        try {
            if (closedStatus != null) {
                return 0;
            }
            closedStatus = status;
            unsent = queue.clear() + pending.count();
            failed = pending.clear();
            room.signalAll();
        } finally {
            lock.unlock();
        }
        PendingSends.fail(failed, status);
        return unsent;
    }

    private static MessageDroppedException dropped() {
        return new MessageDroppedException("send queue full: newest message dropped (DROP_NEWEST)");
    }

    private SendRejectedException full() {
        return new SendRejectedException(
                "send queue full (" + queue.count() + " messages, " + queue.bytes() + " bytes)");
    }

    private StreamClosedException closedException() {
        CloseStatus status = closedStatus;
        return new StreamClosedException(
                status == null ? "stream half-closed for sending" : "stream closed",
                status != null ? status : CloseStatus.OK);
    }

    long queuedBytes() {
        return queue.bytes();
    }

    int queuedMessages() {
        return queue.count();
    }

    long pendingSends() {
        return pending.count();
    }

    long droppedMessages() {
        return droppedMessages;
    }
}
