package io.creditflow.transport;

import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.core.WindowReason;

/**
 * A snapshot of one stream's figures: the bound, depth and credit of each queue on its path, and the
 * time spent stalled by reason. Immutable. Taken off the event loop, figures are each true at some
 * recent instant but not necessarily at the same one.
 *
 * @param streamId the stream
 * @param state the stream state
 * @param sendCreditBytes byte credit the peer granted and this side has not used
 * @param sendCreditMessages message credit likewise ({@link Long#MAX_VALUE}: unlimited)
 * @param sendQueuedBytes bytes in the send queue (accepted, not yet written)
 * @param sendQueuedMessages messages in the send queue
 * @param pendingSends async sends waiting for room in the send queue (BLOCK)
 * @param droppedMessages messages discarded by a lossy overflow policy
 * @param sentBytes payload bytes written to the connection
 * @param sentMessages messages written to the connection
 * @param receiveCreditBytes byte credit this side granted that the peer has not used
 * @param receiveBufferedBytes bytes received and not yet consumed by the application
 * @param receiveBufferedMessages messages received and not yet consumed
 * @param receivedBytes payload bytes received
 * @param receivedMessages messages received
 * @param stalledNanos time stalled per {@link StallReason}, indexed by ordinal
 * @param receiveWindowTargetBytes what the receive side is willing to hold (credit plus unconsumed
 *        data): the fixed stream window, or the adaptive target (docs/protocol.md section 6.5)
 * @param receiveWindowReason the rule that last changed the target ({@link WindowReason#FIXED} for a
 *        fixed window)
 * @param rttNanos the round trip measured by an adaptive receive window (grant-to-data timing), or 0
 * @param drainBytesPerSecond the application's drain rate measured by an adaptive receive window, or 0
 */
public record StreamStats(
        int streamId,
        StreamState state,
        long sendCreditBytes,
        long sendCreditMessages,
        long sendQueuedBytes,
        long sendQueuedMessages,
        long pendingSends,
        long droppedMessages,
        long sentBytes,
        long sentMessages,
        long receiveCreditBytes,
        long receiveBufferedBytes,
        long receiveBufferedMessages,
        long receivedBytes,
        long receivedMessages,
        long[] stalledNanos,
        long receiveWindowTargetBytes,
        WindowReason receiveWindowReason,
        long rttNanos,
        long drainBytesPerSecond) {

    /** Time spent stalled for {@code reason}, including a stall in progress. */
    public long stalledNanos(StallReason reason) {
        return stalledNanos[reason.ordinal()];
    }
}
