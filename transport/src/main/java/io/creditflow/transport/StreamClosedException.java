package io.creditflow.transport;

/** The stream (or its connection) is closed; {@link #status()} says why. */
public final class StreamClosedException extends CreditflowException {
    private static final long serialVersionUID = 1L;

    private final transient CloseStatus status;

    public StreamClosedException(String message, CloseStatus status) {
        super(message + ": " + status, status.isRetryable());
        this.status = status;
    }

    public CloseStatus status() {
        return status;
    }
}
