package io.creditflow.micrometer;

import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ConnectionStats;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * Binds creditflow's figures to a Micrometer {@link MeterRegistry}, so that an embedder's dashboards see the
 * bound, depth and credit of each queue and the stall time by reason (docs/boundaries.md) next to everything
 * else the application measures. Gauges and counters read the snapshot the transport already offers
 * ({@link Connection#stats()}, {@link Stream#stats()}, {@link MemoryBudget}); nothing is sampled or stored here.
 *
 * <p>Names (dotted, Micrometer style; a Prometheus registry renders {@code creditflow.stream.send.queued.bytes}
 * as {@code creditflow_stream_send_queued_bytes}): {@code creditflow.budget.*}, {@code creditflow.connection.*}
 * and {@code creditflow.stream.*}, one meter per figure of {@link ConnectionStats} and {@link StreamStats},
 * and {@code creditflow.*.stalled} function counters in seconds with a {@code reason} tag (the
 * {@link StallReason} in lower case).
 *
 * <p>A connection's and a stream's meters are removed when it closes ({@code closeFuture}); {@link Binding#close}
 * removes them earlier. Thread-safe; the meters read racy snapshots (see {@link StreamStats}).
 */
public final class CreditflowMetrics {
    private CreditflowMetrics() {}

    /** The meters of one bound object; closing removes them from the registry. Idempotent. */
    public static final class Binding implements AutoCloseable {
        private final MeterRegistry registry;
        private final List<Meter> meters = new ArrayList<>();
        private boolean closed;

        private Binding(MeterRegistry registry) {
            this.registry = registry;
        }

        /** The meters bound (for inspection). */
        public synchronized List<Meter> meters() {
            return List.copyOf(meters);
        }

        private synchronized void add(Meter m) {
            if (closed) {
                registry.remove(m);
            } else {
                meters.add(m);
            }
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                meters.forEach(registry::remove);
                meters.clear();
            }
        }
    }

    /** The process-wide receive budget of a {@code Server} or {@code Client}: limit, reserved, peak, starved. */
    public static Binding bindBudget(MemoryBudget budget, MeterRegistry registry, Iterable<Tag> tags) {
        Binding b = new Binding(registry);
        gauge(b, "creditflow.budget.limit", budget, "bytes", MemoryBudget::limitBytes, tags);
        gauge(b, "creditflow.budget.reserved", budget, "bytes", MemoryBudget::reservedBytes, tags);
        gauge(b, "creditflow.budget.peak.reserved", budget, "bytes", MemoryBudget::peakReservedBytes, tags);
        gauge(b, "creditflow.budget.starved.streams", budget, null, MemoryBudget::starvedStreams, tags);
        return b;
    }

    /** One connection's figures ({@link ConnectionStats}), removed when it closes. */
    public static Binding bindConnection(Connection connection, MeterRegistry registry, Iterable<Tag> tags) {
        Binding b = new Binding(registry);
        String p = "creditflow.connection.";
        gauge(b, p + "open.streams", connection, null, c -> c.stats().openStreams(), tags);
        gauge(b, p + "send.credit", connection, "bytes", c -> c.stats().sendCreditBytes(), tags);
        gauge(b, p + "receive.credit", connection, "bytes", c -> c.stats().receiveCreditBytes(), tags);
        gauge(b, p + "receive.hold", connection, "bytes", c -> c.stats().receiveHoldBytes(), tags);
        gauge(b, p + "unconsumed.inbound", connection, "bytes", c -> c.stats().unconsumedInboundBytes(), tags);
        gauge(b, p + "outbound.pending", connection, "bytes", c -> c.stats().outboundPendingBytes(), tags);
        gauge(b, p + "writable", connection, null, c -> c.stats().writable() ? 1 : 0, tags);
        gauge(b, p + "autoread.paused", connection, null, c -> c.stats().autoReadPaused() ? 1 : 0, tags);
        gauge(b, p + "starved.streams", connection, null, c -> c.stats().starvedStreams(), tags);
        counter(b, p + "sent", connection, "bytes", c -> c.stats().sentBytes(), tags);
        counter(b, p + "received", connection, "bytes", c -> c.stats().receivedBytes(), tags);
        for (StallReason r : StallReason.values()) {
            counter(
                    b,
                    p + "stalled",
                    connection,
                    "seconds",
                    c -> seconds(c.stats().stalledNanos(r)),
                    Tags.of(tags).and("reason", r.name().toLowerCase(Locale.ROOT)));
        }
        connection.closeFuture().whenComplete((status, e) -> b.close());
        return b;
    }

    /** One stream's figures ({@link StreamStats}), removed when it closes. */
    public static Binding bindStream(Stream stream, MeterRegistry registry, Iterable<Tag> tags) {
        Binding b = new Binding(registry);
        Tags t = Tags.of(tags).and("stream", Integer.toString(stream.id()));
        String p = "creditflow.stream.";
        gauge(b, p + "send.credit", stream, "bytes", s -> s.stats().sendCreditBytes(), t);
        gauge(b, p + "send.queued", stream, "bytes", s -> s.stats().sendQueuedBytes(), t);
        gauge(b, p + "send.queued.messages", stream, null, s -> s.stats().sendQueuedMessages(), t);
        gauge(b, p + "pending.sends", stream, null, s -> s.stats().pendingSends(), t);
        gauge(b, p + "receive.credit", stream, "bytes", s -> s.stats().receiveCreditBytes(), t);
        gauge(b, p + "receive.buffered", stream, "bytes", s -> s.stats().receiveBufferedBytes(), t);
        gauge(b, p + "receive.buffered.messages", stream, null, s -> s.stats().receiveBufferedMessages(), t);
        gauge(b, p + "receive.window.target", stream, "bytes", s -> s.stats().receiveWindowTargetBytes(), t);
        counter(b, p + "dropped.messages", stream, null, s -> s.stats().droppedMessages(), t);
        counter(b, p + "sent", stream, "bytes", s -> s.stats().sentBytes(), t);
        counter(b, p + "sent.messages", stream, null, s -> s.stats().sentMessages(), t);
        counter(b, p + "received", stream, "bytes", s -> s.stats().receivedBytes(), t);
        counter(b, p + "received.messages", stream, null, s -> s.stats().receivedMessages(), t);
        for (StallReason r : StallReason.values()) {
            counter(
                    b,
                    p + "stalled",
                    stream,
                    "seconds",
                    s -> seconds(s.stats().stalledNanos(r)),
                    t.and("reason", r.name().toLowerCase(Locale.ROOT)));
        }
        stream.closeFuture().whenComplete((status, e) -> b.close());
        return b;
    }

    private static double seconds(long nanos) {
        return nanos / (double) TimeUnit.SECONDS.toNanos(1);
    }

    private static <T> void gauge(
            Binding b, String name, T obj, String unit, ToDoubleFunction<T> f, Iterable<Tag> tags) {
        b.add(Gauge.builder(name, obj, f)
                .baseUnit(unit)
                .tags(tags)
                .strongReference(true)
                .register(b.registry));
    }

    private static <T> void counter(
            Binding b, String name, T obj, String unit, ToDoubleFunction<T> f, Iterable<Tag> tags) {
        b.add(FunctionCounter.builder(name, obj, f).baseUnit(unit).tags(tags).register(b.registry));
    }
}
