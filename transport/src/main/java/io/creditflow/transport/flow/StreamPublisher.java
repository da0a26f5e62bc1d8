package io.creditflow.transport.flow;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Receives a stream as a {@link Flow.Publisher} of message payloads: the subscriber's
 * {@link Flow.Subscription#request(long)} is what grants the peer message credit, so a slow subscriber
 * holds the sender back and nothing queues in between.
 *
 * <p>Use it as the stream's listener: return it from a {@code StreamHandler}, or pass it to
 * {@code StreamOptions.Builder.listener}. One subscriber per stream. Items are copies of the payloads
 * ({@code byte[]}), so a subscriber may keep them and process them on any thread; the stream's credit
 * is returned as soon as each item is handed to {@code onNext}, and only as requested.
 *
 * <p>Signals follow the Reactive Streams rules: serial, on the connection's event loop.
 * Thread-safe.
 */
public final class StreamPublisher implements Flow.Publisher<byte[]>, StreamListener {
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private volatile Stream stream;
    private volatile Flow.Subscriber<? super byte[]> subscriber;
    private volatile boolean cancelled;
    private boolean terminated;

    @Override
    public void onOpen(Stream stream) {
        this.stream = stream;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super byte[]> s) {
        if (s == null) {
            throw new NullPointerException("subscriber");
        }
        if (!subscribed.compareAndSet(false, true)) {
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            s.onError(new IllegalStateException("StreamPublisher allows one subscriber"));
            return;
        }
        this.subscriber = s;
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                Stream st = stream;
                if (cancelled || st == null) {
                    return;
                }
                if (n <= 0) {
                    cancel();
                    s.onError(new IllegalArgumentException("request(" + n + "): n must be > 0 (rule 3.9)"));
                    return;
                }
                st.request(n);
            }

            @Override
            public void cancel() {
                if (!cancelled) {
                    cancelled = true;
                    Stream st = stream;
                    if (st != null) {
                        st.cancel("subscriber cancelled");
                    }
                }
            }
        });
    }

    @Override
    public void onMessage(Stream s, Message message) {
        Flow.Subscriber<? super byte[]> sub = subscriber;
        if (sub != null && !cancelled) {
            sub.onNext(message.toByteArray());
        }
    }

    @Override
    public void onHalfClose(Stream s) {
        Flow.Subscriber<? super byte[]> sub = subscriber;
        if (sub != null && !cancelled && !terminated) {
            terminated = true;
            sub.onComplete();
        }
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        Flow.Subscriber<? super byte[]> sub = subscriber;
        if (sub != null && !cancelled && !terminated) {
            terminated = true;
            if (status.isOk()) {
                sub.onComplete();
            } else {
                sub.onError(new StreamClosedException("stream " + s.id() + " ended", status));
            }
        }
    }
}
