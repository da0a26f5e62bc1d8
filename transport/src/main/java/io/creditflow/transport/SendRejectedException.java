package io.creditflow.transport;

/**
 * A send was refused because the stream's send queue (or its bounded list of pending async sends) is
 * full. Retryable: the queue drains as the peer grants credit; wait for {@link StreamListener#onReady}.
 */
public final class SendRejectedException extends CreditflowException {
    private static final long serialVersionUID = 1L;

    public SendRejectedException(String message) {
        super(message, true);
    }
}
