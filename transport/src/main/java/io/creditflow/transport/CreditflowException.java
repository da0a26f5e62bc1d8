package io.creditflow.transport;

/**
 * Base of the exceptions the creditflow API throws or completes stages with. {@link #isRetryable()}
 * tells whether the same operation may succeed later (for example once the peer grants credit or on a
 * new connection).
 */
public class CreditflowException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    public CreditflowException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    public CreditflowException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean isRetryable() {
        return retryable;
    }
}
