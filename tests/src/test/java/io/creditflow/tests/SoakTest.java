package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Backoff;
import io.creditflow.client.Client;
import io.creditflow.client.ReconnectingConnection;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Reset;
import io.creditflow.server.Server;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Load mixed with attacks and faults for a while (2 minutes in CI: {@code -Dsoak.seconds}; longer with
 * scripts/soak.sh): well-behaved producers send batches through a fault proxy that resets and delays
 * connections, while raw peers flood pings without reading (5), open and reset streams back to back
 * (7), and grant credit then stop reading (13). Heap after GC, direct memory and file descriptors must
 * stay flat, and every batch that completed must have arrived exactly, message for message.
 */
@Tag("soak")
class SoakTest {
    static final int BATCH = 200;

    @Test
    void loadWithAttacksAndFaultsStaysFlatAndLosesNothingConfirmed() throws Exception {
        long seconds = Long.getLong("soak.seconds", 120);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong batchesConfirmed = new AtomicLong();
        AtomicLong batchesFailed = new AtomicLong();
        AtomicLong mismatches = new AtomicLong();
        AtomicLong attackersCutOff = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        try (Server server = Server.builder()
                        .maxQueuedControlFrames(500)
                        .maxResetsReceived(200)
                        .maxResetsSent(200)
                        .resetWindow(Duration.ofSeconds(1))
                        .partialFrameTimeout(Duration.ofSeconds(2))
                        .writeStallTimeout(Duration.ofSeconds(1))
                        .idleTimeout(Duration.ofSeconds(30))
                        .streamHandler(s -> new StreamListener() {
                            long count;

                            @Override
                            public void onOpen(Stream stream) {
                                stream.request(Long.MAX_VALUE);
                            }

                            @Override
                            public void onMessage(Stream stream, Message m) {
                                count++;
                            }

                            @Override
                            public void onHalfClose(Stream stream) {
                                stream.offer(ByteBuffer.allocate(8).putLong(0, count)); // the batch's receipt
                                stream.halfClose();
                            }
                        })
                        .build()
                        .start();
                FaultProxy proxy = new FaultProxy(server.port());
                Client client = Client.builder()
                        .keepaliveInterval(Duration.ofMillis(500))
                        .keepaliveTimeout(Duration.ofMillis(500))
                        .build()) {
            // Well-behaved producers, through the fault proxy, reconnecting as needed.
            for (int p = 0; p < 4; p++) {
                LinkedBlockingQueue<Connection> live = new LinkedBlockingQueue<>();
                ReconnectingConnection rc = client.connectWithRetry(
                        "127.0.0.1",
                        proxy.port(),
                        new Backoff(Duration.ofMillis(20), Duration.ofMillis(500)),
                        live::add,
                        s -> {});
                threads.add(start("producer-" + p, () -> {
                    try {
                        while (running.get()) {
                            Connection c;
                            try {
                                c = rc.awaitConnected(5, TimeUnit.SECONDS);
                            } catch (java.util.concurrent.TimeoutException e) {
                                continue;
                            }
                            if (runBatch(c)) {
                                batchesConfirmed.incrementAndGet();
                            } else {
                                batchesFailed.incrementAndGet();
                                sleep(20); // the connection is going: let the reconnect happen
                            }
                        }
                    } catch (AssertionError e) {
                        mismatches.incrementAndGet();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        rc.close();
                    }
                }));
            }
            // Faults: every few seconds reset every connection through the proxy, or add latency for a while.
            threads.add(start("faults", () -> {
                for (int i = 0; running.get(); i++) {
                    sleep(3000);
                    if (i % 2 == 0) {
                        proxy.resetAll();
                    } else {
                        proxy.latency(5);
                        sleep(1000);
                        proxy.latency(0);
                    }
                }
            }));
            // Attackers, straight to the server: each is cut off, then comes back.
            threads.add(start(
                    "ping-flood",
                    () -> attackLoop(
                            running,
                            attackersCutOff,
                            peer -> {
                                for (int i = 0; i < 200_000; i++) {
                                    peer.send(Frame.newBuilder()
                                            .setPing(Ping.newBuilder().setPayload(i))
                                            .build());
                                }
                            },
                            server.port())));
            threads.add(start(
                    "rapid-reset",
                    () -> attackLoop(
                            running,
                            attackersCutOff,
                            peer -> {
                                for (int id = 1; id < 200_000; id += 2) {
                                    peer.send(Frame.newBuilder()
                                            .setOpen(Open.newBuilder().setStreamId(id))
                                            .build());
                                    peer.send(Frame.newBuilder()
                                            .setReset(Reset.newBuilder()
                                                    .setStreamId(id)
                                                    .setCode(ErrorCode.CANCEL))
                                            .build());
                                }
                            },
                            server.port())));
            threads.add(start(
                    "slow-reader",
                    () -> attackLoop(
                            running,
                            attackersCutOff,
                            peer -> {
                                // Opens a stream the server answers on, grants credit, then never reads.
                                peer.send(Frame.newBuilder()
                                        .setCredit(Credit.newBuilder()
                                                .setStreamId(0)
                                                .setBytes(1 << 30))
                                        .build());
                                for (int id = 1; id < 2_000; id += 2) {
                                    peer.send(Frame.newBuilder()
                                            .setOpen(Open.newBuilder().setStreamId(id))
                                            .build());
                                    peer.send(Frame.newBuilder()
                                            .setCredit(Credit.newBuilder()
                                                    .setStreamId(id)
                                                    .setBytes(1 << 20)
                                                    .setMessages(1000))
                                            .build());
                                    peer.send(Frame.newBuilder()
                                            .setHalfClose(io.creditflow.proto.wire.HalfClose.newBuilder()
                                                    .setStreamId(id))
                                            .build());
                                }
                                peer.closedByPeer();
                            },
                            server.port())));

            // Baselines after a warm-up, then samples until the end.
            sleep(Math.min(10_000, seconds * 1000 / 6));
            long heap0 = heapAfterGc();
            long direct0 = direct();
            long fds0 = fds();
            long start = System.nanoTime();
            long maxHeap = heap0;
            long maxDirect = direct0;
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(seconds)) {
                sleep(5000);
                maxHeap = Math.max(maxHeap, heapAfterGc());
                maxDirect = Math.max(maxDirect, direct());
            }
            running.set(false);
            for (Thread t : threads) {
                t.join(15_000);
            }
            sleep(2500); // let the server time out what the attackers left
            long heap1 = heapAfterGc();
            long direct1 = direct();
            long fds1 = fds();
            System.out.printf(
                    "soak %d s: batches confirmed %d, failed by faults %d, mismatches %d, attackers cut "
                            + "off %d; heap after GC %d -> %d KiB (max %d), direct %d -> %d KiB (max %d), fds %d -> %d%n",
                    seconds,
                    batchesConfirmed.get(),
                    batchesFailed.get(),
                    mismatches.get(),
                    attackersCutOff.get(),
                    heap0 >> 10,
                    heap1 >> 10,
                    maxHeap >> 10,
                    direct0 >> 10,
                    direct1 >> 10,
                    maxDirect >> 10,
                    fds0,
                    fds1);
            assertThat(mismatches).as("every confirmed batch arrived exactly").hasValue(0);
            assertThat(batchesConfirmed.get()).isPositive();
            assertThat(attackersCutOff.get()).isPositive();
            assertThat(heap1 - heap0).as("heap after GC flat").isLessThan(32L << 20);
            assertThat(maxDirect - direct0).as("direct memory flat").isLessThan(64L << 20);
            assertThat(fds1 - fds0).as("file descriptors back to baseline").isLessThanOrEqualTo(16);
        }
    }

    /** One batch on a fresh stream: BATCH messages, then the server's receipt must say BATCH. */
    private static boolean runBatch(Connection c) throws InterruptedException {
        Stream s;
        try {
            s = c.openStream(StreamOptions.defaults());
        } catch (StreamClosedException e) {
            return false;
        }
        try {
            for (int i = 0; i < BATCH; i++) {
                s.send(new byte[256 + ThreadLocalRandom.current().nextInt(2048)], 5, TimeUnit.SECONDS);
            }
            s.halfClose();
            try (Message receipt = s.poll(10, TimeUnit.SECONDS)) {
                if (receipt == null) {
                    return false;
                }
                long count = receipt.payload().getLong();
                if (count != BATCH) {
                    throw new AssertionError("batch receipt " + count + " != " + BATCH);
                }
                return true;
            }
        } catch (StreamClosedException | java.util.concurrent.TimeoutException e) {
            s.cancel("batch failed");
            return false; // the fault killed this batch; the API told us, nothing is claimed
        }
    }

    interface Attack {
        void run(RawPeer peer) throws Exception;
    }

    private static void attackLoop(AtomicBoolean running, AtomicLong cutOff, Attack attack, int port) {
        while (running.get()) {
            try (RawPeer peer = new RawPeer(port, 4096)) {
                peer.handshake();
                attack.run(peer);
            } catch (Exception e) {
                cutOff.incrementAndGet(); // the server closed on us: the defense worked
            }
            sleep(200);
        }
    }

    private static Thread start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis); // the soak's pacing: time is what this test is about
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long direct() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
    }

    private static long fds() {
        String[] open = new File("/proc/self/fd").list();
        return open == null ? -1 : open.length;
    }
}
