package io.creditflow.transport.flow;

import io.creditflow.transport.Stream;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends what a {@link Flow.Publisher} produces on a stream: upstream demand follows the stream's room,
 * so a publisher subscribed here never runs ahead of the peer's credit.
 *
 * <p>At most {@code prefetch} items are requested and not yet accepted into the stream's send queue;
 * more are requested as items are accepted (the async {@link Stream#send} stage completes when the
 * message is queued, which happens only as credit drains the queue). {@code onComplete} half-closes the
 * stream, {@code onError} cancels it; if the stream fails, the subscription is cancelled.
 *
 * <p>Thread-safe (Reactive Streams signals are serial; stage callbacks may run on the event loop).
 */
public final class StreamSubscriber implements Flow.Subscriber<byte[]> {
    private final Stream stream;
    private final int prefetch;
    private final AtomicInteger outstanding = new AtomicInteger();
    private volatile Flow.Subscription subscription;
    private volatile boolean done;

    /**
     * @param prefetch items requested ahead (at least 2; the stream's {@code maxPendingSends} must allow
     *        as many async sends)
     */
    public StreamSubscriber(Stream stream, int prefetch) {
        if (prefetch < 2) {
            throw new IllegalArgumentException("prefetch: " + prefetch + " (expected: >= 2)");
        }
        this.stream = stream;
        this.prefetch = prefetch;
    }

    public StreamSubscriber(Stream stream) {
        this(stream, 16);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        java.util.Objects.requireNonNull(s, "subscription (rule 2.13)");
        if (subscription != null) {
            s.cancel();
            return;
        }
        subscription = s;
        outstanding.set(prefetch);
        s.request(prefetch);
    }

    @Override
    public void onNext(byte[] item) {
        java.util.Objects.requireNonNull(item, "item (rule 2.13)");
        stream.send(item).whenComplete((v, e) -> {
            if (e != null) {
                if (!done) {
                    done = true;
                    subscription.cancel();
                    stream.cancel("send failed: " + e);
                }
                return;
            }
            int left = outstanding.decrementAndGet();
            if (left <= prefetch / 2 && !done) {
                int more = prefetch - left;
                outstanding.addAndGet(more);
                subscription.request(more);
            }
        });
    }

    @Override
    public void onError(Throwable t) {
        java.util.Objects.requireNonNull(t, "error (rule 2.13)");
        done = true;
        stream.cancel("publisher failed: " + t);
    }

    @Override
    public void onComplete() {
        done = true;
        stream.halfClose();
    }
}
