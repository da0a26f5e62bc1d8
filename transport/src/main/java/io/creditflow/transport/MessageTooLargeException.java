package io.creditflow.transport;

/**
 * The message is larger than the peer accepts ({@code max_message_bytes} of its handshake). Thrown at
 * send time, before anything is queued: messages are never split, so a message that could never fit
 * is refused at once instead of waiting forever for credit. Not retryable.
 */
public final class MessageTooLargeException extends CreditflowException {
    private static final long serialVersionUID = 1L;

    public MessageTooLargeException(int messageBytes, int maxMessageBytes) {
        super(
                "message of " + messageBytes + " bytes exceeds the peer's max_message_bytes of " + maxMessageBytes,
                false);
    }
}
