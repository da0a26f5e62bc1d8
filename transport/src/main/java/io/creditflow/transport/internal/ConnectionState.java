package io.creditflow.transport.internal;

/**
 * The lifecycle of a connection, as {@link io.creditflow.proto.core.StreamState} is for a stream:
 * {@code HANDSHAKING -> OPEN -> DRAINING -> CLOSING -> CLOSED}, where any state may skip ahead (a
 * connection error closes from any state; a GoAway before the handshake drains from HANDSHAKING).
 *
 * <p>Immutable; thread-safe. The current state is held by {@link ConnectionLifecycle}.
 */
enum ConnectionState {
    /** Waiting for the peer's Handshake (and for TLS before it, if configured). */
    HANDSHAKING,
    /** Both handshakes exchanged, no GoAway yet: streams may be opened both ways. */
    OPEN,
    /** A GoAway was sent or received: existing streams finish, no new ones. */
    DRAINING,
    /** The channel is closing (our last frames are flushing): input is discarded. */
    CLOSING,
    /** The channel is gone and everything is released. */
    CLOSED;

    /** Frames read in this state are processed (not discarded). */
    boolean acceptsInput() {
        return this == HANDSHAKING || this == OPEN || this == DRAINING;
    }

    /** The application may open a stream in this state. */
    boolean canOpenStreams() {
        return this == OPEN;
    }

    /** The connection is closing or closed. */
    boolean isClosingOrClosed() {
        return this == CLOSING || this == CLOSED;
    }

    /** The state after a GoAway was sent or received. */
    ConnectionState goAway() {
        return this == HANDSHAKING || this == OPEN ? DRAINING : this;
    }

    /** The state once the channel starts closing. */
    ConnectionState closing() {
        return this == CLOSED ? CLOSED : CLOSING;
    }
}
