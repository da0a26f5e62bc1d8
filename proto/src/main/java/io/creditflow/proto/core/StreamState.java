package io.creditflow.proto.core;

/**
 * The stream state machine (docs/protocol.md, "Stream states"), as seen by one endpoint.
 *
 * <pre>
 *                 Open sent / Open received
 *                          |
 *                          v
 *        HalfClose sent +--------+ HalfClose received
 *        +--------------|  OPEN  |--------------+
 *        v              +--------+              v
 * HALF_CLOSED_LOCAL         |           HALF_CLOSED_REMOTE
 *        |                  | Reset sent/received   |
 *        | HalfClose        v                       | HalfClose sent
 *        | received     +--------+                  |
 *        +------------->| CLOSED |<-----------------+
 *                       +--------+
 * </pre>
 *
 * <p>Immutable; each transition returns the next state or throws {@link IllegalStateException} for a
 * transition our own code must never attempt (peer violations are checked by the caller with
 * {@link #canReceive()} and reported as protocol errors).
 */
public enum StreamState {
    OPEN(true, true),
    /** We sent HalfClose: we may still receive. */
    HALF_CLOSED_LOCAL(false, true),
    /** The peer sent HalfClose: we may still send. */
    HALF_CLOSED_REMOTE(true, false),
    CLOSED(false, false);

    private final boolean canSend;
    private final boolean canReceive;

    StreamState(boolean canSend, boolean canReceive) {
        this.canSend = canSend;
        this.canReceive = canReceive;
    }

    /** May this endpoint still send data on the stream? */
    public boolean canSend() {
        return canSend;
    }

    /** May the peer still send data on the stream? */
    public boolean canReceive() {
        return canReceive;
    }

    public boolean isClosed() {
        return this == CLOSED;
    }

    /** We sent HalfClose. */
    public StreamState localHalfClosed() {
        if (!canSend) {
            throw new IllegalStateException("half-close in state " + this);
        }
        return canReceive ? HALF_CLOSED_LOCAL : CLOSED;
    }

    /** The peer sent HalfClose; callers check {@link #canReceive()} first. */
    public StreamState remoteHalfClosed() {
        if (!canReceive) {
            throw new IllegalStateException("remote half-close in state " + this);
        }
        return canSend ? HALF_CLOSED_REMOTE : CLOSED;
    }
}
