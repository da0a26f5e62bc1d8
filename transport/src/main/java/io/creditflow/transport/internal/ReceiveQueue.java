package io.creditflow.transport.internal;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.StreamClosedException;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pull-mode stream's received messages, between the event loop and the application's
 * {@code poll} threads, plus the consumption the application reported and the loop has not yet
 * turned into credit.
 *
 * <p>The four questions: <b>bound</b> the stream's receive window (the peer cannot send beyond the
 * credit granted, and credit is granted only as messages are consumed); <b>when full</b> credit is
 * withheld, so the peer's sends wait (its {@code offer} reports QUEUE_FULL); <b>pressure</b> reaches the
 * peer's application; <b>observed</b> by {@code StreamStats.receiveBufferedBytes/Messages} and the
 * APPLICATION_NOT_READING stall time.
 *
 * <p>Thread-safe: one producer (the event loop), any number of consumers; a small lock for the messages and
 * another for the consumption.
 */
final class ReceiveQueue {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<DefaultMessage> messages = new ArrayDeque<>(8);
    /** {@code messages.size()}, written under the lock, read without it by {@link #onConsumed}. */
    private volatile int size;

    private volatile long applyThresholdBytes;
    private final long applyThresholdMessages;
    private boolean finished;
    private CloseStatus failure;
    private String rejection;
    // Consumption is counted under a lock of its own, not the queue's: a consumer closing a message must not
    // contend with the loop adding the next ones (on a fast reader that contention, with its park and unpark, cost
    // more than the reading). The loop takes this lock only to hand the consumption over.
    private final Object consumedLock = new Object();
    private long consumedBytes;
    private long consumedMessages;
    private long consumedWireBytes;
    private boolean applyScheduled;

    ReceiveQueue(long applyThresholdBytes, long applyThresholdMessages) {
        this.applyThresholdBytes = Math.max(1, applyThresholdBytes);
        this.applyThresholdMessages = Math.max(1, applyThresholdMessages);
    }

    /**
     * Event loop: a message arrived.
     *
     * @return true if the queue was empty before (the stream is now readable)
     */
    boolean add(DefaultMessage message) {
        lock.lock();
        try {
            boolean wasEmpty = messages.isEmpty();
            messages.addLast(message);
            size = messages.size();
            notEmpty.signal();
            return wasEmpty;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next message, waiting up to {@code timeout}.
     *
     * @return the message, or null on timeout or at the end of the stream
     */
    DefaultMessage poll(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            for (; ; ) {
                DefaultMessage m = messages.pollFirst();
                if (m != null) {
                    size = messages.size();
                    return m;
                }
                if (rejection != null) {
                    throw new IllegalStateException(rejection);
                }
                if (failure != null) {
                    throw new StreamClosedException("stream closed", failure);
                }
                if (finished || nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Any thread: the application consumed a message.
     *
     * @param urgent apply now whatever the amount (reading is paused and waits for this consumption)
     * @return true if the caller must schedule {@link #takeConsumed} on the event loop (enough was
     *         consumed to be worth a grant, the queue ran empty, or it is urgent)
     */
    boolean onConsumed(int bytes, int wireBytes, boolean urgent) {
        synchronized (consumedLock) {
            consumedBytes += bytes;
            consumedMessages++;
            consumedWireBytes += wireBytes;
            if (!applyScheduled
                    && (urgent
                            || consumedBytes >= applyThresholdBytes
                            || consumedMessages >= applyThresholdMessages
                            || size == 0)) {
                applyScheduled = true;
                return true;
            }
            return false;
        }
    }

    /** Event loop: consumption is handed over once {@code bytes} were consumed (an adaptive target moved). */
    void applyThresholdBytes(long bytes) {
        applyThresholdBytes = Math.max(1, bytes);
    }

    /** Event loop: hands over the consumption reported so far and resets it. */
    long[] takeConsumed() {
        synchronized (consumedLock) {
            long[] taken = {consumedBytes, consumedMessages, consumedWireBytes};
            consumedBytes = 0;
            consumedMessages = 0;
            consumedWireBytes = 0;
            applyScheduled = false;
            return taken;
        }
    }

    /** The stream turned out to be in push mode: current and later pollers fail with {@code message}. */
    void rejectPolls(String message) {
        lock.lock();
        try {
            rejection = message;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Event loop: the peer half-closed; pollers get null once the queue is empty. */
    void finish() {
        lock.lock();
        try {
            finished = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Event loop: the stream ended. With a failure, queued messages are released and pollers throw;
     * a clean end keeps them pollable.
     */
    void close(CloseStatus status) {
        lock.lock();
        try {
            finished = true;
            if (!status.isOk() && failure == null) {
                failure = status;
                DefaultMessage m;
                while ((m = messages.pollFirst()) != null) {
                    m.discard();
                }
                size = 0;
            }
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Payload size of the next message, or -1. */
    int peekSize() {
        lock.lock();
        try {
            DefaultMessage head = messages.peekFirst();
            return head == null ? -1 : head.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return messages.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    boolean isFinished() {
        lock.lock();
        try {
            return finished && messages.isEmpty();
        } finally {
            lock.unlock();
        }
    }
}
