package io.creditflow.proto;

import io.creditflow.proto.wire.ErrorCode;

/**
 * A violation of the creditflow protocol by the peer, carrying the error code and the scope the
 * receiver must apply: a <em>stream</em> error resets one stream (the connection stays up), a
 * <em>connection</em> error sends GOAWAY with the code and closes the connection.
 *
 * <p>Violations by our own code are assertions, never this exception.
 *
 * <p>Immutable; thread-safe.
 */
public final class ProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final int streamId;

    private ProtocolException(ErrorCode code, int streamId, String message) {
        super(message, null, false, false);
        this.code = code;
        this.streamId = streamId;
    }

    /** A connection-scope error: the whole connection is closed with {@code code}. */
    public static ProtocolException connectionError(ErrorCode code, String message) {
        return new ProtocolException(code, 0, message);
    }

    /** A stream-scope error: only stream {@code streamId} is reset with {@code code}. */
    public static ProtocolException streamError(ErrorCode code, int streamId, String message) {
        if (streamId == 0) {
            throw new IllegalArgumentException("streamId: 0 (expected: > 0 for a stream error)");
        }
        return new ProtocolException(code, streamId, message);
    }

    public ErrorCode code() {
        return code;
    }

    /** The stream to reset, or 0 for a connection error. */
    public int streamId() {
        return streamId;
    }

    public boolean isConnectionError() {
        return streamId == 0;
    }
}
