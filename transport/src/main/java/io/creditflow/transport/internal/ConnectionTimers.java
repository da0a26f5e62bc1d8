package io.creditflow.transport.internal;

/**
 * The clocks of a connection's time limits and the decision which limit acts: {@link #check} is a pure
 * function of these clocks, the arguments and {@code now}, so it is tested with an injected time. Models:
 * Aeron's {@code onIdle(now)}, gRPC's KeepAliveManager and MaxConnectionIdleManager.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop). Time is passed in, never read.
 */
final class ConnectionTimers {

    /** What a tick must do: at most one action per tick. */
    enum Action {
        /** Nothing is due. */
        NONE,
        /** Writes waited longer than the write-stall timeout for a peer that reads nothing. */
        WRITE_STALLED,
        /** A frame stayed incomplete longer than the partial-frame timeout. */
        PARTIAL_FRAME,
        /** Our keepalive ping got no answer in time. */
        KEEPALIVE_TIMEOUT,
        /** The connection had no stream for longer than the idle timeout. */
        IDLE,
        /** The peer was silent for the keepalive interval: send a ping (then call {@link #onPingSent}). */
        PING
    }

    private final EndpointSettings.Timeouts timeouts;
    private long lastReadNanos;
    /** When our unanswered keepalive ping was sent, or -1. */
    private long pingSentNanos = -1;
    /** When the channel turned unwritable, or -1 while it is writable. */
    private long unwritableSinceNanos = -1;
    /** When the connection last had no stream, or -1 while it has one: the idle timeout counts from here. */
    private long idleSinceNanos;

    private boolean partialPending;
    private long partialSinceNanos;

    ConnectionTimers(EndpointSettings.Timeouts timeouts) {
        this.timeouts = timeouts;
    }

    /** The connection became active at {@code now}: the read and idle clocks start. */
    void start(long now) {
        lastReadNanos = now;
        idleSinceNanos = now;
    }

    /** Bytes arrived at {@code now}: anything from the peer proves it is alive. */
    void onRead(long now) {
        lastReadNanos = now;
        pingSentNanos = -1;
    }

    /** The peer answered our ping. */
    void onPong() {
        pingSentNanos = -1;
    }

    /** Our keepalive ping went out at {@code now}. */
    void onPingSent(long now) {
        pingSentNanos = now;
    }

    /** Reading resumed after a pause: nothing was read meanwhile, so the read-side clocks restart. */
    void onReadResumed(long now) {
        lastReadNanos = now;
        if (pingSentNanos >= 0) {
            pingSentNanos = now;
        }
        if (partialPending) {
            partialSinceNanos = now;
        }
    }

    /** A frame straddles reads from {@code since}: it must be complete within the partial-frame timeout. */
    void onPartialFrame(long since) {
        partialPending = true;
        partialSinceNanos = since;
    }

    /** No frame straddles reads any more. */
    void onPartialFrameDone() {
        partialPending = false;
    }

    /** The channel turned unwritable at {@code now}. */
    void onUnwritable(long now) {
        unwritableSinceNanos = now;
    }

    /** The channel is writable again. */
    void onWritable() {
        unwritableSinceNanos = -1;
    }

    /** The connection has a stream again. */
    void onStreamOpened() {
        idleSinceNanos = -1;
    }

    /** The last stream ended at {@code now}. */
    void onNoStreams(long now) {
        idleSinceNanos = now;
    }

    /** When bytes last arrived (or reading last resumed). */
    long lastReadNanos() {
        return lastReadNanos;
    }

    /** When the channel turned unwritable, or -1. */
    long unwritableSinceNanos() {
        return unwritableSinceNanos;
    }

    /** When the incomplete frame started (meaningful while one is pending). */
    long partialSinceNanos() {
        return partialSinceNanos;
    }

    /** When the connection last had no stream, or -1. */
    long idleSinceNanos() {
        return idleSinceNanos;
    }

    /**
     * Which limit acts at {@code now}, in this order: write stall; then, unless reading is paused (which
     * suspends the read-side clocks), partial frame, keepalive timeout, idle, keepalive ping.
     *
     * @param readPaused reading is paused because our application is not consuming
     * @param noStreams the connection has no stream, neither registered nor being opened
     */
    Action check(long now, boolean readPaused, boolean noStreams) {
        if (unwritableSinceNanos >= 0 && now - unwritableSinceNanos > timeouts.writeStallTimeoutNanos()) {
            return Action.WRITE_STALLED;
        }
        if (readPaused) {
            return Action.NONE; // the write-stall timeout above still covers a peer that stops reading
        }
        if (partialPending && now - partialSinceNanos > timeouts.partialFrameTimeoutNanos()) {
            return Action.PARTIAL_FRAME;
        }
        if (pingSentNanos >= 0 && now - pingSentNanos > timeouts.keepaliveTimeoutNanos()) {
            return Action.KEEPALIVE_TIMEOUT;
        }
        if (noStreams && idleSinceNanos >= 0 && now - idleSinceNanos > timeouts.idleTimeoutNanos()) {
            // Idle means no stream, whatever else arrives: pings or stray bytes do not keep a slot forever.
            return Action.IDLE;
        }
        if (pingSentNanos < 0 && now - lastReadNanos > timeouts.keepaliveIntervalNanos()) {
            return Action.PING;
        }
        return Action.NONE;
    }
}
