package io.creditflow.transport.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The messages one {@link SendQueue} holds, oldest first, with their totals and the queue's bound:
 * {@code maxBytes} and {@code maxMessages}, except that a single message larger than {@code maxBytes} is
 * admitted into an empty queue (any message within the peer's max_message_bytes must be sendable). What
 * happens to a message that does not {@link #fits fit} is the SendQueue's overflow policy, not this class's.
 *
 * <p>Guarded by its SendQueue's lock; the totals are volatile, for stats and readiness read without it.
 */
final class QueuedMessages {
    private final long maxBytes;
    private final int maxMessages;
    private ArrayDeque<Object> deque;
    private volatile long bytes;
    private volatile int count;

    QueuedMessages(long maxBytes, int maxMessages) {
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
    }

    /** The payload size of a queued message (a {@code byte[]} or a {@code ByteBuffer}). */
    static int sizeOf(Object message) {
        return message instanceof byte[] array ? array.length : ((ByteBuffer) message).remaining();
    }

    /** True if a message of {@code size} bytes may join the queue now. */
    boolean fits(int size) {
        return count == 0 || (bytes + size <= maxBytes && count < maxMessages);
    }

    /** Any thread: below both bounds (racy: a hint for readiness). */
    boolean hasRoom() {
        return bytes < maxBytes && count < maxMessages;
    }

    void add(Object message, int size) {
        if (deque == null) {
            deque = new ArrayDeque<>(8);
        }
        deque.addLast(message);
        bytes += size;
        count++;
    }

    /**
     * Evicts the oldest messages until {@code size} fits (DROP_OLDEST).
     *
     * @return how many were evicted
     */
    int evictFor(int size) {
        int evicted = 0;
        while (!fits(size)) {
            bytes -= sizeOf(deque.pollFirst());
            count--;
            evicted++;
        }
        return evicted;
    }

    /** The oldest message, or null. */
    Object peek() {
        return deque == null ? null : deque.peekFirst();
    }

    /** Removes the oldest message, which {@link #peek} returned with this {@code size}. */
    void removeFirst(int size) {
        deque.pollFirst();
        bytes -= size;
        count--;
    }

    /**
     * Discards every message (the stream closed).
     *
     * @return how many there were
     */
    int clear() {
        int discarded = count;
        if (deque != null) {
            deque.clear();
        }
        bytes = 0;
        count = 0;
        return discarded;
    }

    /** Any thread. */
    long bytes() {
        return bytes;
    }

    /** Any thread. */
    int count() {
        return count;
    }
}
