package io.creditflow.transport;

/** What {@link Stream#offer} did with a message. Back-pressure is a return value, never an exception. */
public enum OfferResult {
    /** The message is in the stream's send queue; the transport will write it as credit allows. */
    ACCEPTED,
    /** The send queue is full (the peer has not granted enough credit); nothing was enqueued. */
    NO_CREDIT,
    /** The send queue was full and the stream's policy is {@link OverflowPolicy#DROP_NEWEST}: counted, discarded. */
    DROPPED,
    /** The stream can no longer send (half-closed, reset, or the connection is gone). */
    CLOSED
}
