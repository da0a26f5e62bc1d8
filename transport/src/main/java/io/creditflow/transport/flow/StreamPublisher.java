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
    /** Guarded by this: a terminal signal was delivered. */
    private boolean terminated;
    /** Guarded by this: how the stream ended before the subscriber's onSubscribe returned, else null. */
    private CloseStatus endedBeforeSubscribe;
    /** Guarded by this: the subscriber's onSubscribe has returned. */
    private boolean subscribeReturned;
    /** Guarded by this: demand requested from inside onSubscribe. */
    private long pendingDemand;

    @Override
    public void onOpen(Stream stream) {
        long demand;
        synchronized (this) {
            this.stream = stream;
            demand = subscribeReturned ? takePendingDemand() : 0;
        }
        if (cancelled) {
            stream.cancel("subscriber cancelled"); // before the stream opened
        } else if (demand > 0) {
            demand(stream, demand);
        }
    }

    /** Guarded by this: the demand held back so far, now to be requested. */
    private long takePendingDemand() {
        long d = pendingDemand;
        pendingDemand = 0;
        return d;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super byte[]> s) {
        if (s == null) {
            throw new NullPointerException("subscriber");
        }
        if (!subscribed.compareAndSet(false, true)) {
            this.subscriber = s; // before onSubscribe: messages flow only on demand, which waits for it to return
            s.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            s.onError(new IllegalStateException("StreamPublisher allows one subscriber"));
            return;
        }
        this.subscriber = s; // before onSubscribe: messages flow only on demand, which waits for it to return
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (cancelled) {
                    return;
                }
                if (n <= 0) {
                    cancel();
                    terminate(s, new IllegalArgumentException("request(" + n + "): n must be > 0 (rule 3.9)"));
                    return;
                }
                Stream st;
                synchronized (StreamPublisher.this) {
                    st = stream;
                    if (!subscribeReturned || st == null) {
                        // Held until onSubscribe returns, so that no onNext overlaps it (rule 1.3), and until
                        // the stream is open.
                        pendingDemand = pendingDemand + n < 0 ? Long.MAX_VALUE : pendingDemand + n;
                        return;
                    }
                }
                demand(st, n);
            }

            @Override
            public void cancel() {
                if (!cancelled) {
                    cancelled = true;
                    subscriber = null; // rule 3.13: drop the reference
                    Stream st = stream;
                    if (st != null) {
                        st.cancel("subscriber cancelled");
                    }
                }
            }
        });
        long demand;
        CloseStatus ended;
        Stream st;
        synchronized (this) {
            subscribeReturned = true;
            st = stream;
            demand = st != null ? takePendingDemand() : 0;
            ended = endedBeforeSubscribe;
        }
        if (ended != null) {
            end(s, ended); // the stream ended before this subscriber could hear it: tell it now
        } else if (demand > 0 && !cancelled) {
            demand(st, demand);
        }
    }

    private static void demand(Stream st, long n) {
        try {
            st.request(n);
        } catch (StreamClosedException | IllegalStateException e) {
            // ended meanwhile: onClose signals the subscriber
        }
    }

    /** Delivers the terminal signal once. */
    private void end(Flow.Subscriber<? super byte[]> sub, CloseStatus status) {
        terminate(sub, status.isOk() ? null : new StreamClosedException("stream " + stream.id() + " ended", status));
    }

    private void terminate(Flow.Subscriber<? super byte[]> sub, Throwable error) {
        synchronized (this) {
            if (terminated) {
                return;
            }
            terminated = true;
            subscriber = null;
        }
        if (error == null) {
            sub.onComplete();
        } else {
            sub.onError(error);
        }
    }

    /** The stream ended: signal the subscriber, or remember it for the one to come. */
    private void ended(CloseStatus status) {
        Flow.Subscriber<? super byte[]> sub;
        synchronized (this) {
            sub = subscriber;
            if (sub == null || !subscribeReturned) {
                if (!terminated && !cancelled && endedBeforeSubscribe == null) {
                    endedBeforeSubscribe = status; // subscribe() delivers it once onSubscribe returned
                }
                return;
            }
        }
        if (!cancelled) {
            end(sub, status);
        }
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
        ended(CloseStatus.OK);
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        ended(status);
    }
}
