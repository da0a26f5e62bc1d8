package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.FlowControlSimulationTest.CreditFrame;
import io.creditflow.proto.core.FlowControlSimulationTest.RevokeFrame;
import io.creditflow.proto.core.FlowControlSimulationTest.Sender;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The credit protocol with adaptive windows, in simulated time: wires with a one-way latency, a link
 * with a bandwidth, producers that always have data, and consumers that each drain at their own rate
 * (changing at random). Invariants are checked after every millisecond; at the end every message must
 * have arrived once, in order.
 */
class AdaptiveSimulationTest {
    static final long KIB = 1024;
    static final long MIB = 1024 * KIB;
    static final long MS = 1_000_000L;
    static final AdaptiveWindow.Settings ADAPTIVE = new AdaptiveWindow.Settings(4 * KIB, 16 * MIB, 50 * MS);
    static final long UNLIMITED = Long.MAX_VALUE;

    static List<Long> seeds() {
        List<Long> seeds = new ArrayList<>();
        for (long s = 1; s <= 20; s++) {
            seeds.add(s);
        }
        return seeds;
    }

    record Timed(long atNanos, Object frame) {}

    final FakeClock clock = new FakeClock();

    /** One connection: senders, a receiver, and two delayed wires. */
    final class Conn implements InboundFlowController.CreditSink {
        final long oneWayNanos;
        final long bytesPerMs;
        final ArrayDeque<Object> sent = new ArrayDeque<>(); // what the senders wrote this step
        final ArrayDeque<Timed> toReceiver = new ArrayDeque<>();
        final ArrayDeque<Timed> toSender = new ArrayDeque<>();
        final OutboundFlowController<Sender> out;
        final InboundFlowController in;
        final List<Sender> senders = new ArrayList<>();
        final List<ReceiveStream> receivers = new ArrayList<>();
        final List<ArrayDeque<long[]>> buffered = new ArrayList<>();
        final long[] delivered;
        final long[] drainBytesPerSecond;
        final double[] drainTokens;
        /** Message size per stream; 0: random, 1 byte to 16 KiB. */
        final int[] messageBytes;
        /** Each producer keeps this many messages queued. */
        int queueMessages = 16;

        final Random random;
        int revokes;

        Conn(
                MemoryBudget budget,
                int streams,
                long connectionWindow,
                long oneWayNanos,
                long bytesPerMs,
                Random random) {
            this.oneWayNanos = oneWayNanos;
            this.bytesPerMs = bytesPerMs;
            this.random = random;
            out = new OutboundFlowController<>(WriteScheduler.roundRobin(), 16 * 1024, connectionWindow);
            in = new InboundFlowController(
                    new InboundFlowController.Config(
                            connectionWindow, MIB, Credits.UNLIMITED, 16 * KIB, 250 * MS, ADAPTIVE),
                    budget,
                    this,
                    () -> {});
            delivered = new long[streams];
            drainBytesPerSecond = new long[streams];
            drainTokens = new double[streams];
            messageBytes = new int[streams];
            for (int i = 0; i < streams; i++) {
                senders.add(new Sender(i, out, sent));
                buffered.add(new ArrayDeque<>());
                receivers.add(in.openStream(i, false, new StallTimer(), clock.now));
            }
        }

        @Override
        public void writeStreamCredit(int streamId, long bytes, long messages) {
            if (streamId < receivers.size()) {
                ReceiveStream r = receivers.get(streamId);
                assertThat(r.holdBytes())
                        .as("a grant never takes a stream above its target")
                        .isLessThanOrEqualTo(Math.max(r.windowTargetBytes(), r.neededBytes));
            }
            toSender.add(new Timed(clock.now + oneWayNanos, new CreditFrame(streamId, bytes, messages)));
        }

        @Override
        public void writeConnectionCredit(long bytes) {
            toSender.add(new Timed(clock.now + oneWayNanos, new CreditFrame(-1, bytes, 0)));
        }

        @Override
        public void writeRevoke(int streamId, long keepBytes) {
            revokes++;
            toSender.add(new Timed(clock.now + oneWayNanos, new RevokeFrame(streamId, keepBytes)));
        }

        void produce(boolean more) {
            for (Sender s : senders) {
                while (more && s.queue.size() < queueMessages) {
                    int size = messageBytes[s.id] > 0 ? messageBytes[s.id] : 1 + random.nextInt(16 * 1024);
                    s.queue.add(new long[] {size, s.nextSeq++});
                    out.onStreamReady(s.handle);
                }
            }
        }

        void step() {
            while (!toSender.isEmpty() && toSender.peekFirst().atNanos <= clock.now) {
                FlowControlSimulationTest.send(toSender.pollFirst().frame, out, senders, sent);
            }
            long start = out.connectionSentBytes();
            out.writePass(() -> out.connectionSentBytes() - start < bytesPerMs);
            while (!sent.isEmpty()) {
                toReceiver.add(new Timed(clock.now + oneWayNanos, sent.pollFirst()));
            }
            while (!toReceiver.isEmpty() && toReceiver.peekFirst().atNanos <= clock.now) {
                FlowControlSimulationTest.receive(toReceiver.pollFirst().frame, in, receivers, buffered, clock.now);
            }
            for (int i = 0; i < senders.size(); i++) {
                consume(i);
            }
            in.onBudgetAvailable(clock.now);
        }

        void consume(int stream) {
            ArrayDeque<long[]> q = buffered.get(stream);
            long rate = drainBytesPerSecond[stream];
            drainTokens[stream] =
                    rate == UNLIMITED ? Double.MAX_VALUE : Math.min(drainTokens[stream] + rate / 1000.0, 64 * KIB);
            long bytes = 0;
            int count = 0;
            while (!q.isEmpty() && q.peekFirst()[0] <= drainTokens[stream]) {
                long[] m = q.pollFirst();
                assertThat(m[1]).as("stream %d in order, exactly once", stream).isEqualTo(delivered[stream]);
                delivered[stream]++;
                drainTokens[stream] -= m[0];
                bytes += m[0];
                count++;
            }
            if (count > 0) {
                in.onConsumed(receivers.get(stream), bytes, count, clock.now);
            }
        }

        void checkInvariants(long budgetLimit) {
            long held = 0;
            for (ReceiveStream r : receivers) {
                assertThat(r.windowBytes()).isGreaterThanOrEqualTo(0);
                assertThat(r.bufferedBytes()).isGreaterThanOrEqualTo(0);
                assertThat(r.holdBytes()).isLessThanOrEqualTo(r.reservedBytes());
                assertThat(r.windowTargetBytes()).isBetween(1L, ADAPTIVE.ceilingBytes());
                if (r.rttNanos() != 0) {
                    assertThat(r.rttNanos())
                            .as("a grant-to-data sample is never below the round trip")
                            .isGreaterThanOrEqualTo(2 * oneWayNanos);
                }
                held += r.holdBytes();
            }
            assertThat(held).isEqualTo(in.connectionHoldBytes());
            assertThat(held).isLessThanOrEqualTo(in.config().connectionWindowBytes());
            assertThat(held).isLessThanOrEqualTo(budgetLimit);
        }

        boolean allDelivered() {
            for (int s = 0; s < senders.size(); s++) {
                if (delivered[s] != senders.get(s).nextSeq) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Runs {@code millis} of simulated time, then lets every consumer drain at full speed. */
    void run(List<Conn> conns, MemoryBudget budget, long millis, Random random, boolean randomRates) {
        for (long ms = 0; ms < millis; ms++) {
            clock.advanceMillis(1);
            for (Conn c : conns) {
                if (randomRates && random.nextInt(500) == 0) {
                    int s = random.nextInt(c.senders.size());
                    c.drainBytesPerSecond[s] = randomRate(random);
                }
                c.produce(true);
                c.step();
                if (ms % 50 == 0) {
                    c.in.tick(clock.now);
                }
            }
            assertThat(budget.reservedBytes()).isLessThanOrEqualTo(budget.limitBytes());
            for (Conn c : conns) {
                c.checkInvariants(budget.limitBytes());
            }
        }
    }

    void drain(List<Conn> conns, MemoryBudget budget) {
        for (Conn c : conns) {
            java.util.Arrays.fill(c.drainBytesPerSecond, UNLIMITED);
        }
        for (int ms = 0; ms < 60_000 && !conns.stream().allMatch(Conn::allDelivered); ms++) {
            clock.advanceMillis(1);
            for (Conn c : conns) {
                c.step();
                if (ms % 50 == 0) {
                    c.in.tick(clock.now);
                }
                c.checkInvariants(budget.limitBytes());
            }
        }
        for (Conn c : conns) {
            for (int s = 0; s < c.senders.size(); s++) {
                assertThat(c.delivered[s])
                        .as("stream %d delivered everything", s)
                        .isEqualTo(c.senders.get(s).nextSeq);
            }
        }
    }

    static long randomRate(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 50 * KIB + random.nextInt(200 * 1024);
            case 1 -> MIB + random.nextInt(20 * 1024 * 1024);
            case 2 -> 100 * MIB;
            default -> UNLIMITED;
        };
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void latencyAndRandomDrainRatesKeepEveryInvariant(long seed) {
        Random random = new Random(seed);
        MemoryBudget budget = MemoryBudget.ofBytes(random.nextBoolean() ? 8 * MIB : 64 * MIB);
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            long oneWay = new long[] {0, 1, 5, 25}[random.nextInt(4)] * MS;
            Conn c = new Conn(budget, 4, 16 * MIB, oneWay, (10 + random.nextInt(200)) * KIB, random);
            for (int s = 0; s < 4; s++) {
                c.drainBytesPerSecond[s] = randomRate(random);
            }
            conns.add(c);
        }
        run(conns, budget, 2_000, random, true);
        drain(conns, budget);
    }

    @Test
    void sixteenStreamsOneSlowTheSlowShrinksTheFastGrowNoneBeyondTheBudget() {
        Random random = new Random(16);
        MemoryBudget budget = MemoryBudget.ofBytes(64 * MIB);
        Conn c = new Conn(budget, 16, 64 * MIB, 25 * MS, MIB, random);
        java.util.Arrays.fill(c.drainBytesPerSecond, UNLIMITED);
        c.drainBytesPerSecond[0] = 100 * KIB;
        c.messageBytes[0] = 1024;
        ReceiveStream slow = c.receivers.get(0);
        run(List.of(c), budget, 500, random, false);
        assertThat(slow.windowTargetBytes())
                .as("the slow stream's target shrank")
                .isLessThan(64 * KIB);
        assertThat(slow.windowReason()).isIn(WindowReason.DRAIN, WindowReason.FLOOR);
        long shrunkHold = slow.holdBytes();
        run(List.of(c), budget, 1_500, random, false);
        assertThat(slow.holdBytes())
                .as("granting less: the 1 MiB granted before drains, nothing is added")
                .isLessThan(shrunkHold - 100 * KIB);
        assertThat(slow.drainBytesPerSecond()).isBetween(80 * KIB, 120 * KIB);
        for (int s = 1; s < 16; s++) {
            ReceiveStream fast = c.receivers.get(s);
            assertThat(fast.windowTargetBytes())
                    .as("fast stream %d grew past the 1 MiB window", s)
                    .isGreaterThan(MIB);
            assertThat(fast.windowTargetBytes())
                    .as("but not past its budget share")
                    .isLessThanOrEqualTo(budget.limitBytes() / 16);
            assertThat(fast.rttNanos()).isBetween(50 * MS, 60 * MS);
        }
        assertThat(budget.peakReservedBytes()).isLessThanOrEqualTo(budget.limitBytes());
        assertThat(c.revokes).as("shrinking grants less: nothing is revoked").isZero();
        drain(List.of(c), budget);
    }

    @Test
    void aSlowConsumerHoldsItsDrainRateTimesTheDelayThenRegrowsWhenItSpeedsUp() {
        Random random = new Random(100);
        MemoryBudget budget = MemoryBudget.ofBytes(64 * MIB);
        Conn c = new Conn(budget, 1, 16 * MIB, 0, MIB, random);
        c.messageBytes[0] = 1024;
        c.drainBytesPerSecond[0] = 100 * KIB; // 100 messages of 1 KiB a second
        ReceiveStream r = c.receivers.get(0);
        run(List.of(c), budget, 12_000, random, false); // the first 1 MiB drains in about 10 s
        long peak = 0;
        for (int i = 0; i < 20; i++) {
            run(List.of(c), budget, 50, random, false);
            peak = Math.max(peak, r.holdBytes());
        }
        // 100 KiB/s x 50 ms = 5 KiB, plus one grant batch (half the target) and a message.
        assertThat(peak).as("held while draining 100 msg/s").isLessThanOrEqualTo(5 * KIB + 3 * KIB + KIB);
        assertThat(r.windowTargetBytes()).isLessThanOrEqualTo(8 * KIB);
        // The consumer speeds up; the producer has 256 KiB queued each millisecond (a step).
        c.drainBytesPerSecond[0] = UNLIMITED;
        c.queueMessages = 256;
        long millis = 0;
        for (; millis < 1_000 && r.windowTargetBytes() < 256 * KIB; millis++) {
            run(List.of(c), budget, 1, random, false);
        }
        assertThat(r.windowTargetBytes()).as("regrown to what a step needs").isGreaterThanOrEqualTo(256 * KIB);
        assertThat(millis)
                .as("milliseconds to regrow from 5 KiB: a doubling per millisecond (the granularity)")
                .isLessThan(20);
        drain(List.of(c), budget);
    }
}
