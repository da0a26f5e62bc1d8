package io.creditflow.log;

/**
 * Learns when a {@link TopicLog}'s durable offset advances, without polling: everything below the offset
 * passed is durable as the log's {@link FsyncMode} promises, so a broker can acknowledge those records to
 * their producers.
 *
 * <p>Called on the log's flusher thread ({@code batch}, {@code interval}) or on the thread whose append or
 * flush made the records durable ({@code always}, {@code never}, explicit {@link TopicLog#flush()}), never
 * while the log's writer lock is held. Calls for one log are serialized and their offsets strictly
 * increase. The callback must be quick and must not block: hand the work to another thread (an event
 * loop) if it is more than a few field updates. An exception it throws is logged and does not stop the
 * other listeners.
 */
@FunctionalInterface
public interface DurabilityListener {
    /** Everything below {@code durableOffset} is now durable. */
    void onDurable(long durableOffset);
}
