package io.creditflow.transport;

/**
 * The message was discarded by the stream's lossy overflow policy (DROP_NEWEST for the message being
 * sent, DROP_OLDEST for a queued message that was evicted). Counted in
 * {@link StreamStats#droppedMessages()}. Retryable in the sense that sending again may succeed.
 */
public final class MessageDroppedException extends CreditflowException {
    private static final long serialVersionUID = 1L;

    public MessageDroppedException(String message) {
        super(message, true);
    }
}
