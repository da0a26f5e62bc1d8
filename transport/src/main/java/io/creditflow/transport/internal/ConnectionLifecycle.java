package io.creditflow.transport.internal;

/**
 * The current {@link ConnectionState} of one connection, and which GoAway frames have passed. The two
 * GoAway facts are kept beside the state rather than folded into it: both can hold at once, and they
 * outlive DRAINING (a closing connection must not send a second GoAway, and an Open queued before the
 * peer's GoAway must still be refused after it).
 *
 * <p>Written on the event loop only; the fields are volatile so that application threads
 * ({@link DefaultConnection#openStream}, {@code isActive}) read a current snapshot.
 */
final class ConnectionLifecycle {
    private volatile ConnectionState state = ConnectionState.HANDSHAKING;
    private volatile boolean goAwaySent;
    private volatile boolean goAwayReceived;

    /** The current state (any thread). */
    ConnectionState state() {
        return state;
    }

    /** Shorthand: frames read now are processed. */
    boolean acceptsInput() {
        return state.acceptsInput();
    }

    /** Shorthand: the channel is gone. */
    boolean isClosed() {
        return state == ConnectionState.CLOSED;
    }

    /** We sent a GoAway (any thread). */
    boolean goAwaySent() {
        return goAwaySent;
    }

    /** The peer sent a GoAway (any thread). */
    boolean goAwayReceived() {
        return goAwayReceived;
    }

    /** Event loop: the peer's handshake was accepted. */
    void onHandshake() {
        if (state == ConnectionState.HANDSHAKING) {
            state = ConnectionState.OPEN;
        }
    }

    /** Event loop: we are sending a GoAway. */
    void onGoAwaySent() {
        goAwaySent = true;
        state = state.goAway();
    }

    /** Event loop: the peer sent a GoAway. */
    void onGoAwayReceived() {
        goAwayReceived = true;
        state = state.goAway();
    }

    /** Event loop: the channel starts closing. */
    void onClosing() {
        state = state.closing();
    }

    /** Event loop: the channel is gone. */
    void onClosed() {
        state = ConnectionState.CLOSED;
    }
}
