package io.creditflow.broker;

/**
 * A snapshot of one principal's produce quota. Immutable.
 *
 * @param principal the principal ({@value #ANONYMOUS} for clients of a broker without an auth file)
 * @param bytesPerSecond its byte rate limit (0: none)
 * @param messagesPerSecond its message rate limit (0: none)
 * @param takenBytes bytes (payload plus the 8-byte header per message) taken under the quota since start
 * @param takenMessages messages taken under the quota since start
 * @param throttledNanos time a message of this principal waited for tokens (stall reason {@code quota})
 * @param throttled whether its last attempt found no tokens (it is being paced now)
 * @param httpRejects HTTP publishes answered 429
 * @param bytesTokens bytes it may send now (-1 if bytes are not limited)
 * @param messagesTokens messages it may send now (-1 if messages are not limited)
 */
public record QuotaStats(
        String principal,
        long bytesPerSecond,
        long messagesPerSecond,
        long takenBytes,
        long takenMessages,
        long throttledNanos,
        boolean throttled,
        long httpRejects,
        long bytesTokens,
        long messagesTokens) {
    /** The principal name shown for unauthenticated clients. */
    public static final String ANONYMOUS = "anonymous";
}
