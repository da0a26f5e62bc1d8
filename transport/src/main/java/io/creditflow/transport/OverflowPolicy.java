package io.creditflow.transport;

/**
 * What a stream does when a message is sent while its send queue is full, chosen per stream
 * ({@link StreamOptions.Builder#overflowPolicy}). Every drop is counted in
 * {@link StreamStats#droppedMessages()}.
 *
 * <table>
 * <caption>Behaviour per send method when the queue is full</caption>
 * <tr><th>policy</th><th>{@code offer}</th><th>{@code send} (async)</th><th>{@code send(msg, timeout)}</th></tr>
 * <tr><td>BLOCK</td><td>QUEUE_FULL</td><td>waits (bounded number of pending sends; past it the stage
 *     fails with a retryable {@link SendRejectedException})</td><td>waits up to the timeout</td></tr>
 * <tr><td>DROP_OLDEST</td><td>evicts the oldest queued message, ACCEPTED</td><td>same, completes</td>
 *     <td>same, returns</td></tr>
 * <tr><td>DROP_NEWEST</td><td>DROPPED</td><td>fails with {@link MessageDroppedException}</td>
 *     <td>throws {@link MessageDroppedException}</td></tr>
 * <tr><td>REJECT</td><td>QUEUE_FULL</td><td>fails with a retryable {@link SendRejectedException}</td>
 *     <td>throws {@link SendRejectedException}</td></tr>
 * </table>
 */
public enum OverflowPolicy {
    /** Wait for room: the pressure reaches the producer. The default. */
    BLOCK,
    /** Keep the newest data: evict the oldest queued message. Lossy, bounded. */
    DROP_OLDEST,
    /** Keep the oldest data: discard the message being sent. Lossy, bounded. */
    DROP_NEWEST,
    /** Fail the send at once with a retryable error; the caller decides. */
    REJECT
}
