package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Backoff;
import io.creditflow.client.Client;
import io.creditflow.client.ReconnectingConnection;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A server drains with GOAWAY while clients are sending: streams already open complete, new streams get
 * a retryable refusal, clients reconnect to the replacement server, nothing that was confirmed is
 * lost, and the shutdown ends within its grace period.
 */
class GoAwayDrainTest {
    /** An echo server: every message is processed, recorded, and confirmed back on the same stream. */
    static Server echoServer(int port, Set<Long> processed) throws InterruptedException {
        return Server.builder()
                .port(port)
                .streamHandler(s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        stream.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onMessage(Stream stream, Message m) {
                        long seq = m.payload().getLong();
                        processed.add(seq);
                        stream.offer(ByteBuffer.allocate(8).putLong(0, seq)); // confirm (credit permitting)
                    }

                    @Override
                    public void onHalfClose(Stream stream) {
                        stream.halfClose();
                    }
                })
                .build()
                .start();
    }

    @Test
    void drainUnderLoadLosesNothingConfirmedAndClientsMoveOn() throws Exception {
        Set<Long> processed = ConcurrentHashMap.newKeySet();
        Set<Long> confirmed = ConcurrentHashMap.newKeySet();
        AtomicLong duplicateConfirmations = new AtomicLong();
        AtomicLong refusals = new AtomicLong();
        Server first = echoServer(0, processed);
        int port = first.port();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong nextSeq = new AtomicLong();
        List<Thread> workers = new ArrayList<>();
        List<ReconnectingConnection> sessions = new ArrayList<>();
        try (Client client = Client.builder().build()) {
            for (int c = 0; c < 3; c++) {
                LinkedBlockingQueue<Connection> live = new LinkedBlockingQueue<>();
                ReconnectingConnection rc = client.connectWithRetry(
                        "127.0.0.1",
                        port,
                        new Backoff(Duration.ofMillis(20), Duration.ofMillis(200)),
                        live::add,
                        status -> {});
                sessions.add(rc);
                Thread t = new Thread(
                        () -> {
                            while (running.get()) {
                                Connection conn;
                                Stream s;
                                try {
                                    conn = rc.awaitConnected(10, TimeUnit.SECONDS);
                                    s = conn.openStream(StreamOptions.defaults());
                                } catch (StreamClosedException e) {
                                    assertThat(e.isRetryable())
                                            .as("a refused open is retryable")
                                            .isTrue();
                                    refusals.incrementAndGet();
                                    sleepQuietly(10);
                                    continue;
                                } catch (Exception e) {
                                    continue;
                                }
                                try {
                                    // One request-confirm round per stream: short streams, many opens during the drain.
                                    for (int i = 0; i < 20 && running.get(); i++) {
                                        long seq = nextSeq.getAndIncrement();
                                        s.send(ByteBuffer.allocate(8).putLong(0, seq), 5, TimeUnit.SECONDS);
                                        try (Message m = s.poll(5, TimeUnit.SECONDS)) {
                                            if (m == null) {
                                                break;
                                            }
                                            if (!confirmed.add(m.payload().getLong())) {
                                                duplicateConfirmations.incrementAndGet();
                                            }
                                        }
                                    }
                                    s.halfClose();
                                } catch (StreamClosedException e) {
                                    // the connection went away under this stream: try the next one
                                } catch (Exception e) {
                                    return;
                                }
                            }
                        },
                        "client-" + c);
                workers.add(t);
                t.start();
            }
            Await.until("traffic before the drain", Duration.ofSeconds(10), () -> confirmed.size() > 200);
            long start = System.nanoTime();
            first.shutdown(Duration.ofSeconds(5)).toCompletableFuture().get(10, TimeUnit.SECONDS);
            long drainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long confirmedAtDrain = confirmed.size();
            // A replacement server on the same port: clients reconnect by themselves.
            try (Server second = echoServer(port, processed)) {
                assertThat(second.port()).isEqualTo(port);
                Await.until(
                        "clients back on the new server",
                        Duration.ofSeconds(10),
                        () -> confirmed.size() > confirmedAtDrain + 200);
                running.set(false);
                for (Thread t : workers) {
                    t.join(10_000);
                }
                System.out.printf(
                        "goaway drain: shutdown took %d ms (grace 5000); %d confirmed, %d processed, "
                                + "%d refused opens retried, %d reconnects%n",
                        drainMillis,
                        confirmed.size(),
                        processed.size(),
                        refusals.get(),
                        sessions.stream()
                                .mapToLong(ReconnectingConnection::reconnects)
                                .sum());
                assertThat(drainMillis).as("within the grace period").isLessThan(5000 + 1000);
                assertThat(processed).as("nothing confirmed is lost").containsAll(confirmed);
                assertThat(duplicateConfirmations).hasValue(0);
                assertThat(sessions.stream()
                                .mapToLong(ReconnectingConnection::reconnects)
                                .sum())
                        .isPositive();
                sessions.forEach(ReconnectingConnection::close);
            }
        } finally {
            running.set(false);
            first.close();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis); // back off between refused opens
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
