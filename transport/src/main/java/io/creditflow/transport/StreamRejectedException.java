package io.creditflow.transport;

/**
 * Thrown by a {@link StreamHandler} to refuse a stream with a specific code and reason (for example
 * {@code PERMISSION_DENIED}): the stream is reset at once, before any credit is granted, and the
 * connection stays up. (Returning null refuses with {@code REFUSED_STREAM}.)
 */
public final class StreamRejectedException extends CreditflowException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public StreamRejectedException(ErrorCode code, String reason) {
        super(reason, code == ErrorCode.REFUSED_STREAM);
        if (code == null || code == ErrorCode.NO_ERROR) {
            throw new IllegalArgumentException("code: " + code + " (expected: an error code)");
        }
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
