package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Backoff;
import io.creditflow.client.Client;
import io.creditflow.client.ReconnectingConnection;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Faults between client and server through an in-JVM relay (there is no netem on this kernel): a reset
 * mid-frame, a black hole, added latency and a bandwidth limit, and segmentation into 1-7 byte writes.
 */
class FaultInjectionTest {
    /** A message that proves its own integrity: sequence, length, CRC of the rest. */
    static byte[] message(long sequence, int size) {
        byte[] b = new byte[Math.max(size, 20)];
        ByteBuffer buf = ByteBuffer.wrap(b);
        buf.putLong(sequence).putInt(b.length);
        for (int i = 20; i < b.length; i++) {
            b[i] = (byte) (sequence * 31 + i);
        }
        CRC32 crc = new CRC32();
        crc.update(b, 20, b.length - 20);
        buf.putLong(12, crc.getValue());
        return b;
    }

    /** Checks a received message whole; returns its sequence. */
    static long verify(Message m) {
        ByteBuffer p = m.payload();
        byte[] b = new byte[p.remaining()];
        p.get(b);
        ByteBuffer buf = ByteBuffer.wrap(b);
        long seq = buf.getLong(0);
        assertThat(buf.getInt(8)).as("length field of message %d", seq).isEqualTo(b.length);
        CRC32 crc = new CRC32();
        crc.update(b, 20, b.length - 20);
        assertThat(buf.getLong(12))
                .as("checksum of message %d: never a partial or corrupt frame", seq)
                .isEqualTo(crc.getValue());
        return seq;
    }

    @Test
    void segmentationIntoOneToSevenByteWritesChangesNoDecodedFrame() throws Exception {
        LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();
        try (Server server = Server.builder()
                        .streamHandler(s -> {
                            accepted.add(s);
                            return StreamListener.PULL;
                        })
                        .build()
                        .start();
                FaultProxy proxy = new FaultProxy(server.port());
                Client client = Client.builder().build()) {
            proxy.segment(7);
            Stream out = client.connect("127.0.0.1", proxy.port()).openStream(StreamOptions.defaults());
            Stream in = accepted.poll(10, TimeUnit.SECONDS);
            int n = 2000;
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < n; i++) {
                        out.send(message(i, 20 + (i * 37) % 3000), 10, TimeUnit.SECONDS);
                    }
                    out.halfClose();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            for (long i = 0; i < n; i++) {
                try (Message m = in.poll(10, TimeUnit.SECONDS)) {
                    assertThat(m).as("message %d", i).isNotNull();
                    assertThat(verify(m)).isEqualTo(i);
                }
            }
            producer.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void latencyAndABandwidthLimitSlowThingsDownButBackPressureAndOrderHold() throws Exception {
        LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();
        try (Server server = Server.builder()
                        .streamWindowBytes(64 * 1024)
                        .streamHandler(s -> {
                            accepted.add(s);
                            return StreamListener.PULL;
                        })
                        .build()
                        .start();
                FaultProxy proxy = new FaultProxy(server.port());
                Client client = Client.builder().build()) {
            proxy.latency(20);
            proxy.bandwidth(2 * 1024 * 1024);
            Stream out = client.connect("127.0.0.1", proxy.port())
                    .openStream(
                            StreamOptions.builder().sendQueueBytes(16 * 1024).build());
            Stream in = accepted.poll(10, TimeUnit.SECONDS);
            long sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            OfferResult r = OfferResult.ACCEPTED;
            while (System.nanoTime() < deadline && r != OfferResult.QUEUE_FULL && sent < 10_000) {
                r = out.offer(message(sent, 1024));
                if (r == OfferResult.ACCEPTED) {
                    sent++;
                }
            }
            assertThat(r).as("the reader has not read: credit ran out").isEqualTo(OfferResult.QUEUE_FULL);
            assertThat(sent * 1024)
                    .as("no more than window + queue accepted")
                    .isLessThanOrEqualTo(64 * 1024 + 16 * 1024 + 2048);
            for (long i = 0; i < sent; i++) {
                try (Message m = in.poll(10, TimeUnit.SECONDS)) {
                    assertThat(verify(m)).isEqualTo(i);
                }
            }
        }
    }

    @Test
    void aResetMidFrameSurfacesWithinOneSecondAndTheClientReconnects() throws Exception {
        List<Long> received = new CopyOnWriteArrayList<>();
        try (Server server = Server.builder()
                        .streamHandler(s -> new StreamListener() {
                            @Override
                            public void onOpen(Stream stream) {
                                stream.request(Long.MAX_VALUE);
                            }

                            @Override
                            public void onMessage(Stream stream, Message m) {
                                received.add(verify(m));
                            }
                        })
                        .build()
                        .start();
                FaultProxy proxy = new FaultProxy(server.port());
                Client client = Client.builder().build()) {
            LinkedBlockingQueue<Connection> connections = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<CloseStatus> losses = new LinkedBlockingQueue<>();
            ReconnectingConnection rc = client.connectWithRetry(
                    "127.0.0.1",
                    proxy.port(),
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(400)),
                    connections::add,
                    losses::add);
            Connection first = connections.poll(10, TimeUnit.SECONDS);
            Stream out = first.openStream(StreamOptions.defaults());
            AtomicLong sent = new AtomicLong();
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                try {
                    for (long i = 0; i < 1_000_000; i++) {
                        out.send(message(i, 64 * 1024), 5, TimeUnit.SECONDS); // large frames: resets land mid-frame
                        sent.incrementAndGet();
                    }
                } catch (Exception e) {
                    // the stream ends with the connection
                }
            });
            Await.until("some traffic", Duration.ofSeconds(10), () -> received.size() > 20);
            long resetAt = System.nanoTime();
            proxy.resetAll();
            CloseStatus lost = losses.poll(5, TimeUnit.SECONDS);
            long surfacedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - resetAt);
            producer.get(10, TimeUnit.SECONDS);
            CloseStatus streamStatus = out.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            System.out.printf(
                    "reset mid-frame: surfaced after %d ms (%s); stream: %s; %d sent, %d received whole%n",
                    surfacedMillis, lost, streamStatus, sent.get(), received.size());
            assertThat(lost).isNotNull();
            assertThat(surfacedMillis).isLessThan(1000);
            assertThat(streamStatus.isOk()).isFalse();
            // Every message received was whole (verify() above), in order, once.
            for (int i = 0; i < received.size(); i++) {
                assertThat(received.get(i)).isEqualTo(i);
            }
            // Reconnected through the proxy with backoff; the new connection works.
            Connection second = connections.poll(10, TimeUnit.SECONDS);
            assertThat(second).isNotNull().isNotSameAs(first);
            int before = received.size();
            second.openStream(StreamOptions.defaults()).send(message(7, 100), 5, TimeUnit.SECONDS);
            Await.until("a message on the new connection", Duration.ofSeconds(5), () -> received.size() > before);
            assertThat(rc.reconnects()).isGreaterThanOrEqualTo(1);
            rc.close();
        }
    }

    @Test
    void aBlackHoleIsDetectedByKeepaliveAndTheClientReconnectsOnceItClears() throws Exception {
        try (Server server = Server.builder()
                        .streamHandler(s -> StreamListener.PULL)
                        .build()
                        .start();
                FaultProxy proxy = new FaultProxy(server.port());
                Client client = Client.builder()
                        .keepaliveInterval(Duration.ofMillis(200))
                        .keepaliveTimeout(Duration.ofMillis(300))
                        .handshakeTimeout(Duration.ofMillis(500))
                        .build()) {
            LinkedBlockingQueue<Connection> connections = new LinkedBlockingQueue<>();
            LinkedBlockingQueue<CloseStatus> losses = new LinkedBlockingQueue<>();
            ReconnectingConnection rc = client.connectWithRetry(
                    "127.0.0.1",
                    proxy.port(),
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(300)),
                    connections::add,
                    losses::add);
            assertThat(connections.poll(10, TimeUnit.SECONDS)).isNotNull();
            long start = System.nanoTime();
            proxy.blackHole(true);
            CloseStatus lost = losses.poll(5, TimeUnit.SECONDS);
            long detectedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            System.out.printf("black hole: detected after %d ms: %s%n", detectedMillis, lost);
            assertThat(lost).isNotNull();
            assertThat(lost.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(detectedMillis)
                    .as("within keepalive interval + timeout + a tick or two")
                    .isLessThan(1500);
            assertThat(connections.poll(1, TimeUnit.SECONDS))
                    .as("no handshake through a black hole")
                    .isNull();
            proxy.blackHole(false);
            Connection again = connections.poll(10, TimeUnit.SECONDS);
            assertThat(again).as("reconnected once the path cleared").isNotNull();
            assertThat(again.isActive()).isTrue();
            rc.close();
        }
    }

    static boolean sameBytes(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
