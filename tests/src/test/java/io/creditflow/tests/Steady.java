package io.creditflow.tests;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A well-behaved client on its own connection that keeps sending small messages to the server on a
 * stream with metadata {@code steady=1}; the server counts what its application receives through
 * {@link #serverHandler}. Used to show that an attack on another connection leaves it unaffected.
 */
final class Steady implements AutoCloseable {
    /** Messages the server's application received on steady streams. */
    static final AtomicLong DELIVERED = new AtomicLong();

    final Client client;
    final Connection connection;
    final Stream stream;
    private final Thread producer;
    private volatile boolean stop;
    final AtomicLong sent = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();

    /**
     * The server side: steady streams are counted and consumed at once; other streams go to
     * {@code others} (null: pull mode, never read).
     */
    static StreamHandler serverHandler(StreamHandler others) {
        return stream -> {
            if (!"1".equals(stream.metadata().get("steady"))) {
                return others == null ? StreamListener.PULL : others.onStream(stream);
            }
            return new StreamListener() {
                @Override
                public void onOpen(Stream s) {
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onMessage(Stream s, Message m) {
                    DELIVERED.incrementAndGet();
                }
            };
        };
    }

    Steady(String host, int port) throws Exception {
        client = Client.builder().build();
        connection = client.connect(host, port);
        stream = connection.openStream(
                StreamOptions.builder().metadata("steady", "1").build());
        producer = new Thread(
                () -> {
                    byte[] payload = new byte[64];
                    try {
                        while (!stop) {
                            stream.send(payload, 5, TimeUnit.SECONDS);
                            sent.incrementAndGet();
                            Thread.sleep(1);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } catch (Throwable t) {
                        if (!stop) {
                            failure.set(t);
                        }
                    }
                },
                "steady-producer");
        producer.setDaemon(true);
        producer.start();
    }

    /** Waits until the server has delivered {@code n} more messages than {@code from}; returns the new count. */
    static long awaitDelivered(long from, long n, Duration timeout) throws InterruptedException {
        Await.until(
                (n) + " more steady messages delivered (from " + from + ")",
                timeout,
                () -> DELIVERED.get() >= from + n);
        return DELIVERED.get();
    }

    @Override
    public void close() {
        stop = true;
        producer.interrupt();
        try {
            producer.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        if (failure.get() != null) {
            throw new AssertionError("the steady client failed", failure.get());
        }
    }
}
