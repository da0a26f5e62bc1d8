package io.creditflow.bench.jmh;

import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.OutboundFlowController;
import io.creditflow.proto.core.OutboundFlowController.OutboundStream;
import io.creditflow.proto.core.ReceiveStream;
import io.creditflow.proto.core.StallTimer;
import io.creditflow.proto.core.WriteScheduler;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Per-message cost of the flow-control core alone, without Netty or a socket: what the credit
 * bookkeeping adds to every message on top of the codec and the I/O.
 *
 * <p>Why: flow control runs on the event loop for every message in both directions, so it must
 * stay in the tens of nanoseconds and allocate nothing per message; a regression here caps the
 * throughput of every connection.
 *
 * <ul>
 * <li>{@link #receiveDataAndConsume}: receiver side for one pull-mode stream:
 *     {@link InboundFlowController#onData} then {@link InboundFlowController#onConsumed} for one
 *     {@value #MESSAGE_BYTES}-byte message, with a counting no-op {@link InboundFlowController.CreditSink}.
 *     Grants come in batches (bytes once half the stream window was consumed, messages once half the
 *     message window was), so their cost is amortized over the messages as in a real stream.</li>
 * <li>{@link #sendWritePass}: sender side: {@value #SOURCES} fake sources, each with one
 *     {@value #MESSAGE_BYTES}-byte message ready and ample stream and connection credit, are made
 *     ready and drained by one {@link OutboundFlowController#writePass}. One operation is one message
 *     ({@link OperationsPerInvocation}); the pass must write all {@value #SOURCES}.</li>
 * <li>{@link #budgetReserveRelease}: an uncontended {@link MemoryBudget#tryReserve} /
 *     {@link MemoryBudget#release} pair, the budget's cost whenever a grant needs fresh memory.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@State(Scope.Thread)
public class CreditCoreBenchmark {

    static final int MESSAGE_BYTES = 1024;
    static final int SOURCES = 16;

    private static final BooleanSupplier ALWAYS_WRITABLE = () -> true;

    // Receiver side.
    private MemoryBudget receiveBudget;
    private CountingSink sink;
    private InboundFlowController inbound;
    private ReceiveStream stream;
    /** The core takes time as an argument; the event loop's one clock reading per event is not the core's cost. */
    private long nowNanos;

    // Sender side.
    private OutboundFlowController<FakeSource> outbound;
    private FakeSource[] sources;

    // Budget.
    private MemoryBudget budget;

    @Setup(Level.Trial)
    public void setUp() {
        receiveBudget = MemoryBudget.ofBytes(1L << 30);
        sink = new CountingSink();
        inbound = new InboundFlowController(
                new InboundFlowController.Config(16L << 20, 1L << 20, 256, 64L << 10, TimeUnit.SECONDS.toNanos(1)),
                receiveBudget,
                sink,
                () -> {});
        nowNanos = System.nanoTime();
        stream = inbound.openStream(1, false, new StallTimer(), nowNanos);
        if (stream.windowBytes() < MESSAGE_BYTES || stream.windowMessages() < 1) {
            throw new IllegalStateException("no initial credit: " + stream.windowBytes() + " bytes");
        }

        outbound = new OutboundFlowController<>(WriteScheduler.roundRobin(), 64 << 10, Long.MAX_VALUE);
        sources = new FakeSource[SOURCES];
        for (int i = 0; i < SOURCES; i++) {
            sources[i] = new FakeSource();
            sources[i].handle = outbound.register(sources[i]);
            sources[i].handle.window().addCredit(Long.MAX_VALUE, Long.MAX_VALUE);
        }

        budget = MemoryBudget.ofBytes(1L << 30);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (sink.streamGrants == 0 || sink.revokes != 0) {
            throw new IllegalStateException("unexpected credit traffic: " + sink);
        }
        inbound.close(nowNanos);
        if (receiveBudget.reservedBytes() != 0 || budget.reservedBytes() != 0) {
            throw new IllegalStateException("budget not returned: " + receiveBudget + ", " + budget);
        }
    }

    @Benchmark
    public long receiveDataAndConsume() {
        inbound.onData(stream, MESSAGE_BYTES, nowNanos);
        inbound.onConsumed(stream, MESSAGE_BYTES, 1, nowNanos);
        return stream.windowBytes();
    }

    @Benchmark
    @OperationsPerInvocation(SOURCES)
    public int sendWritePass() {
        for (FakeSource s : sources) {
            s.ready = true;
            outbound.onStreamReady(s.handle);
        }
        int written = outbound.writePass(ALWAYS_WRITABLE);
        if (written != SOURCES) {
            throw new IllegalStateException("wrote " + written + " of " + SOURCES);
        }
        return written;
    }

    @Benchmark
    public void budgetReserveRelease(Blackhole bh) {
        long reserved = budget.tryReserve(64 << 10);
        bh.consume(reserved);
        budget.release(reserved);
    }

    /** Counts what the controller would write. */
    static final class CountingSink implements InboundFlowController.CreditSink {
        long streamGrants;
        long connectionGrants;
        long revokes;

        @Override
        public void writeStreamCredit(int streamId, long bytes, long messages) {
            streamGrants++;
        }

        @Override
        public void writeConnectionCredit(long bytes) {
            connectionGrants++;
        }

        @Override
        public void writeRevoke(int streamId, long keepBytes) {
            revokes++;
        }

        @Override
        public String toString() {
            return "streamGrants=" + streamGrants + ", connectionGrants=" + connectionGrants + ", revokes=" + revokes;
        }
    }

    /** A stream with at most one {@value #MESSAGE_BYTES}-byte message queued. */
    static final class FakeSource implements OutboundFlowController.Source {
        /** The controller's handle: this source's credit and turn. */
        OutboundStream<FakeSource> handle;

        boolean ready;
        boolean taken;
        long written;

        @Override
        public int takeIfFits(long limitBytes) {
            if (!ready) {
                return -1;
            }
            if (MESSAGE_BYTES <= limitBytes) {
                ready = false;
                taken = true;
            }
            return MESSAGE_BYTES;
        }

        @Override
        public void write() {
            if (!taken) {
                throw new IllegalStateException("write without a taken message");
            }
            taken = false;
            written++;
        }

        @Override
        public void onCreditStall(long neededBytes, boolean reportBlocked) {
            throw new IllegalStateException("stalled with ample credit: " + neededBytes + " bytes");
        }
    }
}
