package io.creditflow.transport;

/**
 * Why a stream or connection ended. {@link ErrorCode#NO_ERROR} is a clean end (both sides half-closed,
 * or a graceful shutdown). Immutable.
 *
 * @param code the protocol error code
 * @param reason a human-readable reason (never null, possibly empty)
 * @param remote true if the peer ended it (a Reset or GoAway received), false if this side did
 * @param unsentMessages messages that were accepted into the send queue and never written: the
 *        sender learns here that they were not delivered, and why
 */
public record CloseStatus(ErrorCode code, String reason, boolean remote, long unsentMessages) {
    public CloseStatus {
        reason = reason == null ? "" : reason;
    }

    /** A clean close initiated by this side. */
    public static final CloseStatus OK = new CloseStatus(ErrorCode.NO_ERROR, "", false, 0);

    public boolean isOk() {
        return code == ErrorCode.NO_ERROR && unsentMessages == 0;
    }

    /** True if retrying on a new stream or connection may succeed (refused, shut down, or overloaded). */
    public boolean isRetryable() {
        return code == ErrorCode.REFUSED_STREAM
                || code == ErrorCode.ENHANCE_YOUR_CALM
                || (code == ErrorCode.NO_ERROR && unsentMessages > 0);
    }

    public CloseStatus withUnsent(long unsent) {
        return unsent == unsentMessages ? this : new CloseStatus(code, reason, remote, unsent);
    }

    @Override
    public String toString() {
        return code
                + (reason.isEmpty() ? "" : " (" + reason + ")")
                + (remote ? " from peer" : "")
                + (unsentMessages > 0 ? ", " + unsentMessages + " queued messages not sent" : "");
    }
}
