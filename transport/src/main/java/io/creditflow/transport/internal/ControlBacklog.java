package io.creditflow.transport.internal;

/**
 * Bounds the control frames (answers the peer makes us write: Pong, RevokeAck, Reset, Credit) queued while
 * the channel is not writable, that is while the peer does not read them. Writability coming back clears
 * the count. Model: Netty's Http2ControlFrameLimitEncoder.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop).
 */
final class ControlBacklog {
    private final int maxQueued;
    private int queued;

    ControlBacklog(int maxQueued) {
        this.maxQueued = maxQueued;
    }

    /**
     * Counts a control frame about to be queued behind an unwritable channel.
     *
     * @return false if it is one more than the limit: the peer is not reading its answers
     */
    boolean tryQueue() {
        return ++queued <= maxQueued;
    }

    /** The channel is writable again: what was queued has gone. */
    void onWritable() {
        queued = 0;
    }

    /** The limit, for messages. */
    int maxQueued() {
        return maxQueued;
    }
}
