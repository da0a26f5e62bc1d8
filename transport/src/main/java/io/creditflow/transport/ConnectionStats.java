package io.creditflow.transport;

import io.creditflow.proto.core.StallReason;

/**
 * A snapshot of one connection's figures. Immutable; racy when taken off the event loop (see
 * {@link StreamStats}).
 *
 * @param openStreams streams open on the connection
 * @param sendCreditBytes connection-scope credit the peer granted and this side has not used
 * @param receiveCreditBytes connection-scope credit this side granted that the peer has not used
 * @param receiveHoldBytes bytes all streams hold of the connection window (unused credit plus
 *        unconsumed data); bounded by the connection window and, with every other connection, by the
 *        memory budget
 * @param unconsumedInboundBytes wire bytes of data frames received and not yet consumed (compared with
 *        the read watermarks)
 * @param outboundPendingBytes bytes in the channel's outbound buffer (bounded by the write high
 *        watermark plus one frame)
 * @param writable the channel's writability
 * @param autoReadPaused true while reading is paused because unconsumed data passed the read high watermark
 * @param starvedStreams streams waiting for credit that memory could not provide
 * @param sentBytes payload bytes written
 * @param receivedBytes payload bytes received
 * @param stalledNanos time stalled per {@link StallReason} at connection scope: NO_PEER_CREDIT while
 *        a stream waited for connection credit, CHANNEL_NOT_WRITABLE while writes waited for
 *        writability, APPLICATION_NOT_READING while autoRead was paused, BUDGET_EXHAUSTED while any
 *        stream was starved
 */
public record ConnectionStats(
        int openStreams,
        long sendCreditBytes,
        long receiveCreditBytes,
        long receiveHoldBytes,
        long unconsumedInboundBytes,
        long outboundPendingBytes,
        boolean writable,
        boolean autoReadPaused,
        int starvedStreams,
        long sentBytes,
        long receivedBytes,
        long[] stalledNanos) {

    public long stalledNanos(StallReason reason) {
        return stalledNanos[reason.ordinal()];
    }
}
