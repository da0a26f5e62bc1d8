package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.core.EventBudget;
import io.creditflow.transport.ErrorCode;
import java.util.concurrent.TimeUnit;

/**
 * The two reset budgets of a connection, each over a window: resets received (Rapid Reset) and resets the
 * peer caused us to send (MadeYouReset: refusals, its stream errors, application refusals of its streams).
 * Either one exceeded is a connection error (ENHANCE_YOUR_CALM). Model: Netty's Http2MaxRstFrameDecoder.
 *
 * <p>Not thread-safe; confine to one thread (the connection's event loop). Time is passed in, never read.
 */
final class ResetBudgets {
    private final EventBudget received;
    private final EventBudget sent;

    ResetBudgets(EndpointSettings.Defenses defenses) {
        this.received = new EventBudget(defenses.maxResetsReceived(), defenses.resetWindowNanos());
        this.sent = new EventBudget(defenses.maxResetsSent(), defenses.resetWindowNanos());
    }

    /**
     * Counts a Reset the peer sent.
     *
     * @throws ProtocolException ENHANCE_YOUR_CALM over the budget
     */
    void onResetReceived(long nowNanos) {
        if (!received.tryAcquire(nowNanos)) {
            throw ErrorCodes.connectionError(
                    ErrorCode.ENHANCE_YOUR_CALM,
                    "more than "
                            + received.maxEvents() + " resets received in "
                            + TimeUnit.NANOSECONDS.toMillis(received.windowNanos()) + " ms");
        }
    }

    /**
     * Counts a reset the peer made us send.
     *
     * @throws ProtocolException ENHANCE_YOUR_CALM over the budget
     */
    void onPeerCausedReset(long nowNanos) {
        if (!sent.tryAcquire(nowNanos)) {
            throw ErrorCodes.connectionError(
                    ErrorCode.ENHANCE_YOUR_CALM,
                    "the peer caused more than "
                            + sent.maxEvents() + " stream resets in "
                            + TimeUnit.NANOSECONDS.toMillis(sent.windowNanos()) + " ms");
        }
    }
}
