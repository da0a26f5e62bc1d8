package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.transport.ErrorCode;

/**
 * Bounds runs of frames that cost parsing and carry nothing (empty data frames that take no credit, frames
 * of unknown type): more than {@code maxConsecutive} in a row are a connection error (ENHANCE_YOUR_CALM).
 * Any frame that carries something ends the run. Model: Netty's Http2EmptyDataFrameConnectionDecoder.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop).
 */
final class EmptyFrameLimit {
    private final int maxConsecutive;
    private int consecutive;

    EmptyFrameLimit(int maxConsecutive) {
        this.maxConsecutive = maxConsecutive;
    }

    /**
     * Counts one empty or unknown frame.
     *
     * @throws ProtocolException ENHANCE_YOUR_CALM once the run exceeds the limit
     */
    void onEmptyFrame() {
        if (++consecutive > maxConsecutive) {
            throw ErrorCodes.connectionError(
                    ErrorCode.ENHANCE_YOUR_CALM,
                    "more than " + maxConsecutive + " consecutive empty or unknown frames");
        }
    }

    /** A frame that carries something arrived: the run ends. */
    void onNonEmptyFrame() {
        consecutive = 0;
    }

    /** The length of the current run. */
    int consecutive() {
        return consecutive;
    }
}
