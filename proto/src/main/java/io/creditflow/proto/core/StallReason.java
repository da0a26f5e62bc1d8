package io.creditflow.proto.core;

/**
 * Why data is not moving. Each stream and connection accumulates the time spent in each reason, so
 * that a stall is never silent.
 */
public enum StallReason {
    /** The sender has data queued but the peer has not granted enough credit (stream or connection). */
    NO_PEER_CREDIT,
    /** The sender has data and credit, but the channel's outbound buffer is above its high watermark. */
    CHANNEL_NOT_WRITABLE,
    /** The receiver withholds credit because its application has not consumed what arrived. */
    APPLICATION_NOT_READING,
    /** The receiver wants to grant credit but the process memory budget is exhausted. */
    BUDGET_EXHAUSTED;

    private static final StallReason[] VALUES = values();

    static StallReason[] all() {
        return VALUES;
    }
}
