package io.creditflow.log;

import java.io.IOException;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Committed offsets of a topic's durable named subscriptions: the offset a subscription will resume from after a
 * restart. A commit is a promise "everything below this offset has been consumed". Thread-safe.
 *
 * <p>Commits update memory at once and become durable on {@link #flush()} (the file implementation
 * rewrites its file atomically there) and when the log closes; the caller chooses how often to flush
 * (for example once a second), trading redelivery after a crash against fsyncs. Delivery stays at least
 * once: a crash can lose recent commits, never consumed messages.
 *
 * <p>The store is bounded: at most {@link LogConfig#maxCursors()} names.
 */
public interface CursorStore {
    /** The committed offset of cursor {@code name}, if it has one. */
    OptionalLong committed(String name);

    /**
     * Commits {@code offset} for cursor {@code name} (creating it). Returns {@code false}, changing nothing,
     * if the name is new and the store already holds its maximum number of cursors.
     *
     * @throws IllegalArgumentException if the name is empty or longer than 255 UTF-8 bytes, or the offset
     *     is negative
     */
    boolean commit(String name, long offset);

    /** Removes cursor {@code name}; returns whether it existed. */
    boolean remove(String name);

    /** A snapshot of every cursor's committed offset. */
    Map<String, Long> committedOffsets();

    /** The lowest committed offset, or {@link Long#MAX_VALUE} if there is no cursor. */
    long lowestCommittedOffset();

    /** Makes every commit so far durable; does nothing if nothing changed since the last flush. */
    void flush() throws IOException;
}
