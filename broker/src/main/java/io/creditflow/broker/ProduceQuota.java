package io.creditflow.broker;

/**
 * One principal's produce quota at run time: a bytes bucket and a messages bucket ({@link TokenBucket}), shared by
 * all of the principal's producer streams (every topic) and its HTTP publishes.
 *
 * <p>The four questions: <b>bound</b> the {@link Quota}'s rates, with one second's worth as the burst; <b>when
 * full</b> (no tokens) a producer stream's next message stays in its receive window, so the broker returns no
 * credit and the producer's {@code send} waits: it slows down, it gets no error; an HTTP publish gets 429 with a
 * Retry-After computed from the bucket; <b>pressure</b> goes to the producer through its credit, to the HTTP client
 * through Retry-After; <b>observed</b> {@link QuotaStats}: throttled time (stall reason {@code quota}), 429s, tokens.
 *
 * <p>Thread-safe (its own lock, taken after a topic's lock and never before one; it calls nothing).
 */
final class ProduceQuota {
    final String principal;
    final Quota limits;
    private final TokenBucket bytes;
    private final TokenBucket messages;
    private long takenBytes;
    private long takenMessages;
    private long httpRejects;
    private long throttledNanos;
    private long throttledSinceNanos = -1;

    ProduceQuota(String principal, Quota limits, long nowNanos) {
        this.principal = principal;
        this.limits = limits;
        this.bytes = limits.bytesPerSecond() > 0
                ? new TokenBucket(limits.bytesPerSecond(), limits.bytesPerSecond(), nowNanos)
                : null;
        this.messages = limits.messagesPerSecond() > 0
                ? new TokenBucket(limits.messagesPerSecond(), limits.messagesPerSecond(), nowNanos)
                : null;
    }

    /**
     * Takes one message of {@code frameBytes} if both buckets hold it.
     *
     * @return 0 if taken, else the nanoseconds until it could be (nothing taken)
     */
    synchronized long tryAcquire(int frameBytes, long nowNanos) {
        long wait = Math.max(
                bytes == null ? 0 : bytes.nanosUntil(frameBytes, nowNanos),
                messages == null ? 0 : messages.nanosUntil(1, nowNanos));
        if (wait > 0) {
            if (throttledSinceNanos < 0) {
                throttledSinceNanos = nowNanos;
            }
            return wait;
        }
        if (bytes != null) {
            bytes.take(frameBytes, nowNanos);
        }
        if (messages != null) {
            messages.take(1, nowNanos);
        }
        takenBytes += frameBytes;
        takenMessages++;
        if (throttledSinceNanos >= 0) {
            throttledNanos += nowNanos - throttledSinceNanos;
            throttledSinceNanos = -1;
        }
        return 0;
    }

    /** Gives back one message taken for a publish that did not happen (the topic refused it). */
    synchronized void refund(int frameBytes, long nowNanos) {
        if (bytes != null) {
            bytes.refund(frameBytes, nowNanos);
        }
        if (messages != null) {
            messages.refund(1, nowNanos);
        }
        takenBytes -= frameBytes;
        takenMessages--;
    }

    /** An HTTP publish answered 429. */
    synchronized void countHttpReject() {
        httpRejects++;
    }

    synchronized QuotaStats stats(long nowNanos) {
        boolean throttled = throttledSinceNanos >= 0;
        return new QuotaStats(
                principal.isEmpty() ? QuotaStats.ANONYMOUS : principal,
                limits.bytesPerSecond(),
                limits.messagesPerSecond(),
                takenBytes,
                takenMessages,
                throttledNanos + (throttled ? nowNanos - throttledSinceNanos : 0),
                throttled,
                httpRejects,
                bytes == null ? -1 : (long) Math.max(0, bytes.tokens(nowNanos)),
                messages == null ? -1 : (long) Math.max(0, messages.tokens(nowNanos)));
    }
}
