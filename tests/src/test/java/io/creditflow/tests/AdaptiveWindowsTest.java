package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.proto.core.WindowReason;
import io.creditflow.server.Server;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import io.creditflow.transport.WindowMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Adaptive receive windows end to end (docs/protocol.md section 6.5): across a 50 ms round trip
 * (the fault proxy's latency), against a slow consumer, and with 16 streams of which one is slow.
 * Throughput is compared as a ratio within one run, never against a fixed speed.
 */
class AdaptiveWindowsTest {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;

    /** A server, the fault proxy in front of it, and a client connected through the proxy. */
    static final class Path implements AutoCloseable {
        final Server server;
        final FaultProxy proxy;
        final Client client;
        final Connection connection;
        final LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();

        Path(Consumer<Server.Builder> serverConfig, long oneWayLatencyMillis) throws Exception {
            Server.Builder sb = Server.builder().streamHandler(s -> {
                accepted.add(s);
                return io.creditflow.transport.StreamListener.PULL;
            });
            serverConfig.accept(sb);
            server = sb.build().start();
            proxy = new FaultProxy(server.port());
            proxy.latency(oneWayLatencyMillis);
            client = Client.builder().build();
            connection = client.connect("127.0.0.1", proxy.port());
        }

        Stream nextAccepted() throws InterruptedException {
            return Loopback.next(accepted);
        }

        @Override
        public void close() {
            client.close();
            proxy.close();
            server.close();
        }
    }

    /** Sends {@code size}-byte messages as fast as credit allows until stopped. */
    static Runnable producer(Stream out, int size, AtomicBoolean stop) {
        return () -> {
            byte[] payload = new byte[size];
            try {
                while (!stop.get()) {
                    out.send(payload, 30, TimeUnit.SECONDS);
                }
            } catch (Exception e) {
                // the stream or the test ended
            }
        };
    }

    /** Takes messages at {@code rate} messages a second (0: as fast as they come) until stopped. */
    static Runnable consumer(Stream in, AtomicLong rate, AtomicLong bytes, AtomicBoolean stop) {
        return () -> {
            long next = System.nanoTime();
            try {
                while (!stop.get()) {
                    long r = rate.get();
                    if (r > 0) {
                        next += 1_000_000_000L / r;
                        LockSupport.parkNanos(next - System.nanoTime()); // pacing, not synchronisation
                    } else {
                        next = System.nanoTime();
                    }
                    try (Message m = in.poll(100, TimeUnit.MILLISECONDS)) {
                        if (m != null) {
                            bytes.addAndGet(m.size());
                        }
                    }
                }
            } catch (Exception e) {
                // the stream or the test ended
            }
        };
    }

    static long held(StreamStats s) {
        return s.receiveCreditBytes() + s.receiveBufferedBytes();
    }

    record Throughput(double mibPerSecond, StreamStats receiver) {}

    /** One stream of 64 KiB messages through a 25 ms + 25 ms proxy; MiB/s received from 1 s to 3 s. */
    static Throughput throughputAt50msRtt(boolean adaptive) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        AtomicBoolean stop = new AtomicBoolean();
        try (Path p = new Path(s -> s.adaptiveWindows(adaptive).memoryBudgetBytes(64 * MIB), 25)) {
            Stream out = p.connection.openStream(StreamOptions.defaults());
            Stream in = p.nextAccepted();
            AtomicLong bytes = new AtomicLong();
            pool.execute(producer(out, 64 * 1024, stop));
            pool.execute(consumer(in, new AtomicLong(0), bytes, stop));
            long start = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // warm-up and growth: measured from here
            long b0 = bytes.get();
            long t0 = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(2));
            long b1 = bytes.get();
            double seconds = (System.nanoTime() - t0) / 1e9;
            StreamStats stats = in.stats();
            stop.set(true);
            out.cancel("done");
            assertThat(System.nanoTime() - start).isPositive();
            return new Throughput((b1 - b0) / seconds / MIB, stats);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void acrossA50msRoundTripAdaptiveWindowsCarryAtLeastFiveTimesTheFixedWindow() throws Exception {
        Throughput fixed = throughputAt50msRtt(false);
        Throughput adaptive = throughputAt50msRtt(true);
        System.out.printf(
                "50 ms RTT, one stream: fixed 1 MiB window %.1f MiB/s, adaptive %.1f MiB/s (x%.1f); "
                        + "adaptive target %d B (%s), rtt %.1f ms%n",
                fixed.mibPerSecond,
                adaptive.mibPerSecond,
                adaptive.mibPerSecond / fixed.mibPerSecond,
                adaptive.receiver.receiveWindowTargetBytes(),
                adaptive.receiver.receiveWindowReason(),
                adaptive.receiver.rttNanos() / 1e6);
        assertThat(fixed.receiver.receiveWindowReason()).isEqualTo(WindowReason.FIXED);
        assertThat(adaptive.mibPerSecond).isGreaterThanOrEqualTo(5 * fixed.mibPerSecond);
        assertThat(adaptive.receiver.rttNanos())
                .as("grant-to-data RTT")
                .isBetween(TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(150));
        assertThat(adaptive.receiver.receiveWindowTargetBytes())
                .as("within the ceiling and the budget share")
                .isGreaterThan(MIB)
                .isLessThanOrEqualTo(16 * MIB);
    }

    @Test
    void aSlowConsumerHoldsItsDrainTimesTheTargetDelayAndRegrowsWhenItSpeedsUp() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean stop = new AtomicBoolean();
        try (Loopback fixed = Loopback.pull(s -> s.adaptiveWindows(false), c -> {});
                Loopback adaptive = Loopback.pull(s -> {}, c -> {})) {
            Stream fixedOut = fixed.connection.openStream(StreamOptions.defaults());
            Stream fixedIn = fixed.nextAccepted();
            Stream out = adaptive.connection.openStream(StreamOptions.defaults());
            Stream in = adaptive.nextAccepted();
            AtomicLong fixedRate = new AtomicLong(100);
            AtomicLong rate = new AtomicLong(1000); // drains the first 1 MiB window in about a second
            AtomicLong bytes = new AtomicLong();
            pool.execute(producer(fixedOut, 1024, stop));
            pool.execute(consumer(fixedIn, fixedRate, new AtomicLong(), stop));
            pool.execute(producer(out, 1024, stop));
            pool.execute(consumer(in, rate, bytes, stop));
            Await.until("the first window drained", Duration.ofSeconds(10), () -> held(in.stats()) < 128 * KIB);
            rate.set(100); // 100 messages of 1 KiB a second
            Await.until(
                    "the target follows 100 KiB/s",
                    Duration.ofSeconds(15),
                    () -> in.stats().receiveWindowTargetBytes() <= 8 * KIB && held(in.stats()) <= 8 * KIB);
            long peak = 0;
            for (int i = 0; i < 50; i++) { // one second of samples
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                peak = Math.max(peak, held(in.stats()));
            }
            StreamStats slow = in.stats();
            long fixedHeld = held(fixedIn.stats());
            System.out.printf(
                    "consumer at 100 msg/s of 1 KiB: adaptive holds at most %d B (target %d B, %s, "
                            + "drain %d B/s), the fixed window holds %d B%n",
                    peak,
                    slow.receiveWindowTargetBytes(),
                    slow.receiveWindowReason(),
                    slow.drainBytesPerSecond(),
                    fixedHeld);
            // drain x target delay = 100 KiB/s x 50 ms = 5 KiB, plus one grant batch of a few KiB
            assertThat(peak).isLessThanOrEqualTo(5 * KIB + 4 * KIB);
            assertThat(slow.drainBytesPerSecond()).isBetween(70 * KIB, 130 * KIB);
            assertThat(fixedHeld).as("the fixed window sits full").isGreaterThan(900 * KIB);

            rate.set(0); // the consumer speeds up
            long t0 = System.nanoTime();
            Await.until(
                    "the window regrows",
                    Duration.ofSeconds(5),
                    () -> in.stats().receiveWindowTargetBytes() >= 256 * KIB);
            System.out.printf(
                    "the consumer sped up: target back to %d B in %.0f ms%n",
                    in.stats().receiveWindowTargetBytes(), (System.nanoTime() - t0) / 1e6);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void sixteenStreamsOneSlowTheSlowShrinksTheFastGrowNoneBeyondItsBudgetShare() throws Exception {
        int streams = 16;
        long budget = 64 * MIB;
        ExecutorService pool = Executors.newFixedThreadPool(2 * streams);
        AtomicBoolean stop = new AtomicBoolean();
        try (Path p = new Path(s -> s.memoryBudgetBytes(budget).connectionWindowBytes(budget), 100)) {
            List<Stream> receivers = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                Stream out = p.connection.openStream(StreamOptions.defaults());
                Stream in = p.nextAccepted();
                receivers.add(in);
                pool.execute(producer(out, 16 * 1024, stop));
                pool.execute(consumer(in, new AtomicLong(i == 0 ? 10 : 0), new AtomicLong(), stop));
            }
            Await.until("the slow stream shrinks and the fast ones grow", Duration.ofSeconds(60), () -> {
                if (receivers.get(0).stats().receiveWindowTargetBytes() >= 64 * KIB) {
                    return false;
                }
                for (int i = 1; i < streams; i++) {
                    if (receivers.get(i).stats().receiveWindowTargetBytes() <= MIB) {
                        return false;
                    }
                }
                return true;
            });
            long share = budget / streams;
            for (int i = 1; i < streams; i++) {
                assertThat(receivers.get(i).stats().receiveWindowTargetBytes()).isLessThanOrEqualTo(share);
            }
            assertThat(p.server.memoryBudget().peakReservedBytes()).isLessThanOrEqualTo(budget);
            StreamStats slow = receivers.get(0).stats();
            System.out.printf(
                    "16 streams at 200 ms RTT: slow target %d B (%s), fast targets %d..%d B, "
                            + "budget peak %d of %d B%n",
                    slow.receiveWindowTargetBytes(),
                    slow.receiveWindowReason(),
                    receivers.stream()
                            .skip(1)
                            .mapToLong(s -> s.stats().receiveWindowTargetBytes())
                            .min()
                            .orElse(0),
                    receivers.stream()
                            .skip(1)
                            .mapToLong(s -> s.stats().receiveWindowTargetBytes())
                            .max()
                            .orElse(0),
                    p.server.memoryBudget().peakReservedBytes(),
                    budget);
        } finally {
            stop.set(true);
            pool.shutdownNow();
            assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void theWindowModeIsChosenPerEndpointAndPerStreamAndTheBoundsAreValidated() throws Exception {
        try (Loopback lb = Loopback.pull(
                s -> s.adaptiveWindows(false)
                        .acceptedStreamOptions(StreamOptions.builder()
                                .windowMode(WindowMode.ADAPTIVE)
                                .build()),
                c -> c.adaptiveWindowBounds(8 * KIB, 4 * MIB))) {
            Stream fixedHere = lb.connection.openStream(
                    StreamOptions.builder().adaptiveWindow(false).build());
            Stream adaptiveThere = lb.nextAccepted();
            Stream adaptiveHere = lb.connection.openStream(StreamOptions.defaults());
            assertThat(lb.nextAccepted()).isNotNull();
            assertThat(fixedHere.stats().receiveWindowReason()).isEqualTo(WindowReason.FIXED);
            assertThat(fixedHere.stats().receiveWindowTargetBytes()).isEqualTo(MIB);
            assertThat(adaptiveHere.stats().receiveWindowReason())
                    .as("the client's default")
                    .isEqualTo(WindowReason.INITIAL);
            assertThat(adaptiveThere.stats().receiveWindowReason())
                    .as("the server's accepted-stream options win " + "over its endpoint default")
                    .isEqualTo(WindowReason.INITIAL);
        }
        assertThatThrownBy(() -> Server.builder().adaptiveWindowBounds(0, MIB))
                .hasMessage("windowFloorBytes: 0 (expected: > 0)");
        assertThatThrownBy(() -> Server.builder().adaptiveWindowBounds(MIB, KIB))
                .hasMessage("windowCeilingBytes: 1024 (expected: >= windowFloorBytes 1048576)");
        assertThatThrownBy(() -> Server.builder().adaptiveWindowTargetDelay(Duration.ZERO))
                .hasMessageContaining("adaptiveWindowTargetDelay: PT0S");
        assertThatThrownBy(() -> StreamOptions.builder().windowMode(null)).isInstanceOf(NullPointerException.class);
    }
}
