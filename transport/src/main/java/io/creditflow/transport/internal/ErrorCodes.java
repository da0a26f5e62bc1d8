package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.transport.ErrorCode;

/**
 * The wire boundary for error codes: the public {@link ErrorCode} to and from the generated
 * {@code io.creditflow.proto.wire.ErrorCode}. Only frame encoding and decoding, and the protocol errors the
 * codec and the flow core raise, cross it. Stateless; thread-safe.
 */
final class ErrorCodes {
    private ErrorCodes() {}

    /** The generated wire enum for {@code code}. */
    static io.creditflow.proto.wire.ErrorCode toWire(ErrorCode code) {
        return io.creditflow.proto.wire.ErrorCode.forNumber(code.wireValue());
    }

    /**
     * The public code for a wire value; a value this endpoint does not know (a later version's) is
     * {@link ErrorCode#INTERNAL_ERROR}, and {@link #describe} keeps the number in the reason.
     */
    static ErrorCode fromWire(int wireValue) {
        ErrorCode code = ErrorCode.ofWireValue(wireValue);
        return code == null ? ErrorCode.INTERNAL_ERROR : code;
    }

    /** The public code for a generated one (a code raised by the codec or the flow core). */
    static ErrorCode fromWire(io.creditflow.proto.wire.ErrorCode code) {
        return fromWire(code.getNumber());
    }

    /** {@code reason}, prefixed with the number when {@code wireValue} is a code this endpoint does not know. */
    static String describe(int wireValue, String reason) {
        return ErrorCode.ofWireValue(wireValue) != null
                ? reason
                : "unknown error code " + wireValue + (reason.isEmpty() ? "" : ": " + reason);
    }

    /** A connection-scope protocol error with a public code (see {@link ProtocolException#connectionError}). */
    static ProtocolException connectionError(ErrorCode code, String message) {
        return ProtocolException.connectionError(toWire(code), message);
    }

    /** A stream-scope protocol error with a public code (see {@link ProtocolException#streamError}). */
    static ProtocolException streamError(ErrorCode code, int streamId, String message) {
        return ProtocolException.streamError(toWire(code), streamId, message);
    }
}
