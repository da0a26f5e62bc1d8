package io.creditflow.pipeline;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop HTTP load generator on {@code java.net.http}: {@code clients} threads, each with its own arrival
 * schedule ({@code rate / clients} events per second, whatever the answers), POST one event each to the broker's
 * HTTP edge. An event is 8 bytes of id then padding up to {@code size}. 202: accepted (its id is kept in a bit
 * set for the final check). 503 (the topic is full) or 429 (this tenant is over its produce quota): refused; the
 * client waits the {@code Retry-After} it was given (at most {@code maxBackoff}), jittered by a factor from 0.5 to
 * 1.5, and sends the same event again (a retry). Any other answer or an I/O error: the same, with 1 s.
 *
 * <p>One generator is one tenant: its requests carry the tenant's bearer token ({@code token}, null for none), so
 * the broker knows its principal and applies that principal's quota. Several generators share one id counter
 * ({@code ids}), so that their events never share an id and one SQL check covers them all.
 *
 * <p>The four questions: <b>bound</b> each client holds at most {@link #MAX_PENDING} arrivals it could not send
 * yet (a count, not a queue: ids are given when sent) and one event in flight; <b>when full</b> it sheds the
 * newest arrivals, counted as {@code shed} (never accepted, so never lost); <b>pressure</b> comes from the edge's
 * 503 or 429 and Retry-After; <b>observed</b> {@link #accepted()}, {@link #rejected()}, {@link #throttled()},
 * {@link #retried()}, {@link #shed()}.
 */
final class LoadGenerator {
    static final int MAX_PENDING = 1000;

    private final URI uri;
    private final int size;
    private final double perClientRate;
    private final long maxBackoffNanos;
    private final String token;
    private final HttpClient http;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong nextId;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong shed = new AtomicLong();
    private final AtomicLong lastRetryAfter = new AtomicLong();
    /** System.nanoTime of the first and the last 503; 0 before the first. */
    private final AtomicLong firstRejectNanos = new AtomicLong();
    /** System.nanoTime of the first 429; 0 before it. */
    private final AtomicLong firstThrottleNanos = new AtomicLong();

    private volatile long lastRejectNanos;
    private final BitSet acceptedIds = new BitSet();
    private volatile boolean running = true;

    /**
     * @param name the tenant, for the clients' thread names
     * @param token the tenant's bearer token, or null to send none
     * @param ids the id counter, shared with the other tenants' generators
     */
    LoadGenerator(
            String name,
            URI uri,
            String token,
            AtomicLong ids,
            int clients,
            double rate,
            int size,
            Duration maxBackoff) {
        this.uri = uri;
        this.token = token;
        this.nextId = ids;
        this.size = size;
        this.perClientRate = rate / clients;
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        this.warmedUp = new java.util.concurrent.CountDownLatch(clients);
        for (int i = 0; i < clients; i++) {
            Thread t = new Thread(this::client, "load-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    /**
     * Starts the clients and returns once each has opened its connection (one {@code GET /health}, at most 10 s
     * in all), so that the schedule starts with connected clients; their arrival schedules start now.
     */
    void start() throws InterruptedException {
        threads.forEach(Thread::start);
        warmedUp.await(10, TimeUnit.SECONDS);
        go.countDown();
    }

    private final java.util.concurrent.CountDownLatch warmedUp;
    private final java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);

    private void warmUp() {
        try {
            http.send(
                    HttpRequest.newBuilder(uri.resolve("/health"))
                            .timeout(Duration.ofSeconds(5))
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            errors.incrementAndGet();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            warmedUp.countDown();
        }
    }

    long accepted() {
        return accepted.get();
    }

    long rejected() {
        return rejected.get();
    }

    /** 429 answers: refusals for this tenant's quota. */
    long throttled() {
        return throttled.get();
    }

    /** System.nanoTime of the first 429, or 0. */
    long firstThrottleNanos() {
        return firstThrottleNanos.get();
    }

    long retried() {
        return retried.get();
    }

    long errors() {
        return errors.get();
    }

    long shed() {
        return shed.get();
    }

    /** The last Retry-After the edge sent with a 503, seconds. */
    long lastRetryAfter() {
        return lastRetryAfter.get();
    }

    /** System.nanoTime of the first 503, or 0. */
    long firstRejectNanos() {
        return firstRejectNanos.get();
    }

    /** System.nanoTime of the last 503, or 0. */
    long lastRejectNanos() {
        return lastRejectNanos;
    }

    /** A copy of the ids that got a 202. */
    BitSet acceptedIds() {
        synchronized (acceptedIds) {
            return (BitSet) acceptedIds.clone();
        }
    }

    /** Stops the clients: an event being retried is dropped (it was never accepted), one in flight is answered. */
    void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            LockSupport.unpark(t);
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(15));
        }
    }

    private void client() {
        warmUp();
        try {
            go.await();
        } catch (InterruptedException e) {
            return;
        }
        long start = System.nanoTime();
        long intervalNanos = (long) (1e9 / perClientRate);
        long arrivals = 0; // arrivals so far on this client's schedule
        long pending = 0;
        while (running) {
            long due = (System.nanoTime() - start) / intervalNanos + 1;
            if (due > arrivals) {
                pending += due - arrivals;
                arrivals = due;
                if (pending > MAX_PENDING) {
                    shed.addAndGet(pending - MAX_PENDING);
                    pending = MAX_PENDING;
                }
            }
            if (pending == 0) {
                LockSupport.parkNanos(start + arrivals * intervalNanos - System.nanoTime());
                continue;
            }
            pending--;
            send(nextId.getAndIncrement());
        }
    }

    /** Sends one event until it is accepted or the generator stops. */
    private void send(long id) {
        byte[] body = new byte[size];
        ByteBuffer.wrap(body).putLong(id);
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpRequest request = b.build();
        boolean first = true;
        while (running) {
            if (!first) {
                retried.incrementAndGet();
            }
            first = false;
            long waitNanos;
            try {
                HttpResponse<Void> r = http.send(request, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 202) {
                    accepted.incrementAndGet();
                    synchronized (acceptedIds) {
                        acceptedIds.set((int) id);
                    }
                    return;
                }
                if (r.statusCode() == 503 || r.statusCode() == 429) {
                    long now = System.nanoTime();
                    if (r.statusCode() == 503) {
                        rejected.incrementAndGet();
                        firstRejectNanos.compareAndSet(0, now);
                        lastRejectNanos = now;
                    } else {
                        throttled.incrementAndGet();
                        firstThrottleNanos.compareAndSet(0, now);
                    }
                    long seconds = r.headers().firstValueAsLong("Retry-After").orElse(1);
                    if (r.statusCode() == 503) {
                        lastRetryAfter.set(seconds);
                    }
                    waitNanos = Math.min(TimeUnit.SECONDS.toNanos(Math.max(1, seconds)), maxBackoffNanos);
                } else {
                    errors.incrementAndGet();
                    waitNanos = TimeUnit.SECONDS.toNanos(1);
                }
            } catch (IOException e) {
                errors.incrementAndGet();
                waitNanos = TimeUnit.SECONDS.toNanos(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // The client's backoff: Retry-After (capped), jittered so that refused clients do not return together.
            long deadline = System.nanoTime()
                    + (long) (waitNanos * (0.5 + ThreadLocalRandom.current().nextDouble()));
            for (long left; running && (left = deadline - System.nanoTime()) > 0; ) {
                LockSupport.parkNanos(left);
            }
        }
    }
}
