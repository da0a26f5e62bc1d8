package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random runs of the whole credit protocol between a sender (OutboundFlowController) and a
 * receiver (InboundFlowController) over in-order "wires" with frames in flight in both directions:
 * grants, Blocked, Revoke/RevokeAck, consumption pauses, two connections sharing one tight budget,
 * fixed or adaptive windows. {@link AdaptiveSimulationTest} adds latency, bandwidth and drain rates.
 * Invariants are checked after every step; at the end every message must have been delivered, once,
 * in order.
 */
class FlowControlSimulationTest {
    static final int CONNECTIONS = 2;
    static final int STREAMS = 6;
    static final long BUDGET = 256 * 1024;

    static List<Long> seeds() {
        List<Long> seeds = new ArrayList<>();
        for (long s = 1; s <= 40; s++) {
            seeds.add(s);
        }
        return seeds;
    }

    record DataFrame(int stream, int size, long seq) {}

    record BlockedFrame(int stream, long needed) {}

    record RevokeAckFrame(int stream, long returned) {}

    record CreditFrame(int stream, long bytes, long messages) {}

    record RevokeFrame(int stream, long keep) {}

    /** The sending side of one stream. */
    static final class Sender implements OutboundFlowController.Source {
        final int id;
        /** The controller's handle: this stream's credit and its place in the turn order. */
        final OutboundFlowController.OutboundStream<Sender> handle;

        final SendWindow window;
        final ArrayDeque<long[]> queue = new ArrayDeque<>(); // {size, seq}
        final ArrayDeque<Object> wire;
        long[] taken;
        long nextSeq;

        Sender(int id, OutboundFlowController<Sender> out, ArrayDeque<Object> wire) {
            this.id = id;
            this.wire = wire;
            this.handle = out.register(this);
            this.window = handle.window();
        }

        @Override
        public int takeIfFits(long limitBytes) {
            if (taken != null) {
                return (int) taken[0];
            }
            long[] head = queue.peekFirst();
            if (head == null) {
                return -1;
            }
            if (head[0] <= limitBytes) {
                taken = queue.pollFirst();
            }
            return (int) head[0];
        }

        @Override
        public void write() {
            assertThat(taken).isNotNull();
            wire.add(new DataFrame(id, (int) taken[0], taken[1]));
            taken = null;
        }

        @Override
        public void onCreditStall(long neededBytes, boolean reportBlocked) {
            if (reportBlocked) {
                wire.add(new BlockedFrame(id, neededBytes));
            }
        }
    }

    /** One connection: a sender, a receiver, and the two wires between them. */
    final class Conn implements InboundFlowController.CreditSink {
        final ArrayDeque<Object> toReceiver = new ArrayDeque<>();
        final ArrayDeque<Object> toSender = new ArrayDeque<>();
        final OutboundFlowController<Sender> out;
        final InboundFlowController in;
        final List<Sender> senders = new ArrayList<>();
        final List<ReceiveStream> receivers = new ArrayList<>();
        final List<ArrayDeque<long[]>> buffered = new ArrayList<>(); // {size, seq} per stream
        final long[] delivered = new long[STREAMS];
        int blockedFrames;
        int revokeFrames;
        boolean budgetWake;

        Conn(MemoryBudget budget, long connectionWindow) {
            out = new OutboundFlowController<>(WriteScheduler.roundRobin(), 4096, connectionWindow);
            // Half the connections adapt their windows, so revokes and budget pressure meet adaptive targets.
            AdaptiveWindow.Settings adaptive =
                    random.nextBoolean() ? null : new AdaptiveWindow.Settings(1024, 1 << 20, 50_000_000L);
            in = new InboundFlowController(
                    new InboundFlowController.Config(
                            connectionWindow,
                            64 * 1024,
                            random.nextBoolean() ? Credits.UNLIMITED : 16,
                            4096,
                            50_000_000L,
                            adaptive),
                    budget,
                    this,
                    () -> budgetWake = true);
            for (int i = 0; i < STREAMS; i++) {
                senders.add(new Sender(i, out, toReceiver));
                buffered.add(new ArrayDeque<>());
                receivers.add(in.openStream(i, false, new StallTimer(), clock.now));
            }
        }

        @Override
        public void writeStreamCredit(int streamId, long bytes, long messages) {
            toSender.add(new CreditFrame(streamId, bytes, messages));
        }

        @Override
        public void writeConnectionCredit(long bytes) {
            toSender.add(new CreditFrame(-1, bytes, 0));
        }

        @Override
        public void writeRevoke(int streamId, long keepBytes) {
            revokeFrames++;
            toSender.add(new RevokeFrame(streamId, keepBytes));
        }

        void deliverToReceiver(int n) {
            for (int i = 0; i < n && !toReceiver.isEmpty(); i++) {
                Object f = toReceiver.pollFirst();
                if (f instanceof BlockedFrame) {
                    blockedFrames++;
                }
                receive(f, in, receivers, buffered, clock.now);
            }
        }

        void deliverToSender(int n) {
            for (int i = 0; i < n && !toSender.isEmpty(); i++) {
                Object f = toSender.pollFirst();
                if (f instanceof CreditFrame || f instanceof RevokeFrame) {
                    send(f, out, senders, toReceiver);
                }
            }
        }

        void consume(int stream, int n) {
            ArrayDeque<long[]> q = buffered.get(stream);
            long bytes = 0;
            int count = 0;
            for (; count < n && !q.isEmpty(); count++) {
                long[] m = q.pollFirst();
                assertThat(m[1]).as("stream %d in order, exactly once", stream).isEqualTo(delivered[stream]);
                delivered[stream]++;
                bytes += m[0];
            }
            if (count > 0) {
                in.onConsumed(receivers.get(stream), bytes, count, clock.now);
            }
        }

        void checkInvariants() {
            long held = 0;
            for (ReceiveStream r : receivers) {
                assertThat(r.windowBytes()).isGreaterThanOrEqualTo(0);
                assertThat(r.bufferedBytes()).isGreaterThanOrEqualTo(0);
                assertThat(r.holdBytes()).isLessThanOrEqualTo(r.reservedBytes());
                held += r.holdBytes();
            }
            assertThat(held).isEqualTo(in.connectionHoldBytes());
            assertThat(held).isLessThanOrEqualTo(in.config().connectionWindowBytes());
        }
    }

    /** The receiver takes a frame from the wire: data is buffered for the application. */
    static void receive(
            Object f,
            InboundFlowController in,
            List<ReceiveStream> receivers,
            List<ArrayDeque<long[]>> buffered,
            long now) {
        if (f instanceof DataFrame d) {
            in.onData(receivers.get(d.stream), d.size, now); // throws on any credit violation
            buffered.get(d.stream).add(new long[] {d.size, d.seq});
        } else if (f instanceof BlockedFrame b) {
            in.onBlocked(receivers.get(b.stream), b.needed, now);
        } else if (f instanceof RevokeAckFrame a) {
            in.onRevokeAck(receivers.get(a.stream), a.returned, now);
        }
    }

    /** The sender takes a Credit or Revoke from the wire; a RevokeAck goes back on {@code toReceiver}. */
    static void send(
            Object f, OutboundFlowController<Sender> out, List<Sender> senders, ArrayDeque<Object> toReceiver) {
        if (f instanceof CreditFrame c) {
            if (c.stream < 0) {
                out.addConnectionCredit(c.bytes);
            } else {
                Sender s = senders.get(c.stream);
                s.window.addCredit(c.bytes, c.messages);
                out.onStreamReady(s.handle);
            }
        } else if (f instanceof RevokeFrame r) {
            Sender s = senders.get(r.stream);
            long returned = s.window.revoke(r.keep);
            toReceiver.add(new RevokeAckFrame(r.stream, returned));
            out.onStreamReady(s.handle);
        }
    }

    Random random;
    final FakeClock clock = new FakeClock();

    @ParameterizedTest
    @MethodSource("seeds")
    void creditIsNeverExceededAndEverythingArrivesInOrder(long seed) {
        random = new Random(seed);
        MemoryBudget budget = MemoryBudget.ofBytes(BUDGET);
        List<Conn> conns = new ArrayList<>();
        for (int i = 0; i < CONNECTIONS; i++) {
            conns.add(new Conn(budget, random.nextBoolean() ? 128 * 1024 : 1 << 20));
        }
        long produced = 0;
        int[] pausedUntil = new int[CONNECTIONS * STREAMS];
        for (int step = 0; step < 20_000; step++) {
            Conn c = conns.get(random.nextInt(CONNECTIONS));
            int stream = random.nextInt(STREAMS);
            switch (random.nextInt(7)) {
                case 0 -> {
                    if (produced < 3000) {
                        Sender s = c.senders.get(stream);
                        int size = random.nextInt(5) == 0 ? 20_000 + random.nextInt(40_000) : random.nextInt(3000);
                        s.queue.add(new long[] {size, s.nextSeq++});
                        c.out.onStreamReady(s.handle);
                        produced++;
                    }
                }
                case 1 -> c.out.writePass(() -> random.nextInt(10) > 0);
                case 2 -> c.deliverToReceiver(1 + random.nextInt(8));
                case 3 -> c.deliverToSender(1 + random.nextInt(8));
                case 4 -> {
                    int key = conns.indexOf(c) * STREAMS + stream;
                    if (step >= pausedUntil[key]) {
                        if (random.nextInt(20) == 0) {
                            pausedUntil[key] = step + random.nextInt(3000); // this consumer pauses
                        } else {
                            c.consume(stream, 1 + random.nextInt(4));
                        }
                    }
                }
                case 5 -> {
                    clock.advanceMillis(random.nextInt(40));
                    c.in.tick(clock.now);
                }
                default -> {
                    for (Conn k : conns) {
                        if (k.budgetWake) {
                            k.budgetWake = false;
                            k.in.onBudgetAvailable(clock.now);
                        }
                    }
                }
            }
            assertThat(budget.reservedBytes()).isLessThanOrEqualTo(BUDGET);
            for (Conn k : conns) {
                k.checkInvariants();
            }
        }
        // Drain: everyone consumes, frames flow, time passes; everything must arrive.
        for (int round = 0; round < 200_000 && !allDelivered(conns); round++) {
            for (Conn c : conns) {
                c.out.writePass(() -> true);
                c.deliverToReceiver(64);
                c.deliverToSender(64);
                for (int s = 0; s < STREAMS; s++) {
                    c.consume(s, 64);
                }
                if (c.budgetWake) {
                    c.budgetWake = false;
                    c.in.onBudgetAvailable(clock.now);
                }
                if (round % 10 == 0) {
                    clock.advanceMillis(10);
                    c.in.tick(clock.now);
                }
                c.checkInvariants();
            }
            assertThat(budget.reservedBytes()).isLessThanOrEqualTo(BUDGET);
        }
        for (Conn c : conns) {
            for (int s = 0; s < STREAMS; s++) {
                assertThat(c.delivered[s])
                        .as("seed %d: stream %d delivered everything", seed, s)
                        .isEqualTo(c.senders.get(s).nextSeq);
            }
        }
        int blocked = conns.stream().mapToInt(c -> c.blockedFrames).sum();
        int revokes = conns.stream().mapToInt(c -> c.revokeFrames).sum();
        assertThat(blocked).as("the run exercised Blocked").isPositive();
        assertThat(revokes).as("the run exercised Revoke").isPositive();
    }

    private static boolean allDelivered(List<Conn> conns) {
        for (Conn c : conns) {
            for (int s = 0; s < STREAMS; s++) {
                if (c.delivered[s] != c.senders.get(s).nextSeq) {
                    return false;
                }
            }
        }
        return true;
    }
}
