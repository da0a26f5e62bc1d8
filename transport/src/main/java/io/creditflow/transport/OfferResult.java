package io.creditflow.transport;

/** What {@link Stream#offer} did with a message. Back-pressure is a return value, never an exception. */
public enum OfferResult {
    /** The message is in the stream's send queue; the transport will write it as credit allows. */
    ACCEPTED,
    /**
     * The send queue is full, whatever the cause (the peer has not granted enough credit, the channel is not
     * writable, or the policy is {@link OverflowPolicy#REJECT}); nothing was enqueued. {@code onReady} follows
     * once there is room. (Named for its effect: the queue cannot know why it is not draining.)
     */
    QUEUE_FULL,
    /** The send queue was full and the stream's policy is {@link OverflowPolicy#DROP_NEWEST}: counted, discarded. */
    DROPPED,
    /** The stream can no longer send (half-closed, reset, or the connection is gone). */
    CLOSED
}
