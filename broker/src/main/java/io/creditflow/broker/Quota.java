package io.creditflow.broker;

/**
 * A produce quota: at most {@code bytesPerSecond} payload bytes and {@code messagesPerSecond} messages a second
 * for one principal, over all its producer streams and HTTP publishes together; 0 for no limit on that figure.
 * Each is a token bucket holding one second's worth (the burst). Immutable.
 *
 * @param bytesPerSecond payload bytes per second, plus the 8-byte header per message; 0: no limit
 * @param messagesPerSecond messages per second; 0: no limit
 */
public record Quota(long bytesPerSecond, long messagesPerSecond) {
    /** No limit. */
    public static final Quota NONE = new Quota(0, 0);

    public Quota {
        if (bytesPerSecond < 0) {
            throw new IllegalArgumentException("bytesPerSecond: " + bytesPerSecond + " (expected: >= 0, 0 for none)");
        }
        if (messagesPerSecond < 0) {
            throw new IllegalArgumentException(
                    "messagesPerSecond: " + messagesPerSecond + " (expected: >= 0, 0 for none)");
        }
    }

    /** True if neither figure is limited. */
    public boolean isUnlimited() {
        return bytesPerSecond == 0 && messagesPerSecond == 0;
    }
}
