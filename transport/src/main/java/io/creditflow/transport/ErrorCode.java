package io.creditflow.transport;

/**
 * Why a stream or connection ended, as carried by {@code Reset} and {@code GoAway} frames
 * (docs/protocol.md section 3.1 gives each code's rules and which ones this endpoint emits).
 *
 * <p>This is the transport's own enum, not the generated protobuf one: it has no sentinel for values it
 * does not know. The wire carries the number ({@link #wireValue()}); a code a later protocol version
 * adds and this endpoint does not know is reported as {@link #INTERNAL_ERROR}, with the number in the
 * close status's reason. Immutable.
 */
public enum ErrorCode {
    /** Clean end: graceful shutdown, or both directions half-closed. */
    NO_ERROR(0),
    /** The peer violated the protocol. */
    PROTOCOL_ERROR(1),
    /** An unexpected failure inside an endpoint while handling input or the channel. */
    INTERNAL_ERROR(2),
    /** The peer sent beyond its credit, or returned more credit than it held. */
    FLOW_CONTROL_ERROR(3),
    /** A frame arrived on a stream direction the peer had already half-closed. */
    STREAM_CLOSED(4),
    /** A frame above the announced frame size limits. */
    FRAME_SIZE_ERROR(5),
    /** The stream was not processed; retrying on a new stream or connection may succeed. */
    REFUSED_STREAM(6),
    /** Ended by the application, by an expired shutdown grace period, or by the loss of the connection. */
    CANCEL(7),
    /** The peer is overloaded, or overloads this endpoint; retryable. */
    ENHANCE_YOUR_CALM(8),
    /** The peer speaks another protocol version. */
    UNSUPPORTED_VERSION(9),
    /** No handshake within the handshake timeout. */
    HANDSHAKE_TIMEOUT(10),
    /** The credential was rejected, or the TLS handshake failed. */
    AUTHENTICATION_FAILED(11),
    /** Not allowed (never emitted by the transport itself; for applications). */
    PERMISSION_DENIED(12),
    /** A message above the receiver's largest message. */
    MESSAGE_TOO_LARGE(13),
    /** Idle connection closed, or a keepalive ping not answered. */
    IDLE_TIMEOUT(14),
    /** Writes could not make progress: the peer read nothing for the write stall timeout. */
    WRITE_STALLED(15),
    /** The stream handler or a stream listener threw. */
    APPLICATION_ERROR(16),
    /** The receiver fell further behind than the sender's policy allows and was disconnected. */
    SLOW_CONSUMER(17),
    /** The application refused the request a stream carries; sending it again fails the same way. */
    INVALID_ARGUMENT(18);

    private static final ErrorCode[] BY_WIRE_VALUE = new ErrorCode[19];

    static {
        for (ErrorCode c : values()) {
            BY_WIRE_VALUE[c.wireValue] = c;
        }
    }

    private final int wireValue;

    ErrorCode(int wireValue) {
        this.wireValue = wireValue;
    }

    /** The number that stands for this code on the wire. */
    public int wireValue() {
        return wireValue;
    }

    /** The code for wire value {@code value}, or null if this endpoint does not know it. */
    public static ErrorCode ofWireValue(int value) {
        return value >= 0 && value < BY_WIRE_VALUE.length ? BY_WIRE_VALUE[value] : null;
    }
}
