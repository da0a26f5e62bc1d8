package io.creditflow.bench.harness;

import io.creditflow.transport.EndpointBuilder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * One scenario, as data: what the sender opens and sends, how the receiver reads, which systems it
 * applies to and how long it runs. The catalogue ({@link #catalogue}) is the suite; nothing in the
 * harness is written per scenario and system.
 *
 * @param id unique id, e.g. {@code S7-streams}
 * @param group the id users select with {@code --scenario}, e.g. {@code S7}
 * @param title one line for the table
 * @param kind what is measured
 * @param systems the systems it applies to (the others get a "not applicable" row)
 * @param connections connections the sender opens
 * @param streamsPerConnection streams per connection
 * @param payloadBytes payload bytes per message
 * @param slowStreams streams (or broker consumers) read by the paced slow reader
 * @param slowRate the slow reader's messages per second
 * @param offeredFraction for a fixed offered load: the fraction of the {@code dependsOn} scenario's rate
 * @param dependsOn a scenario whose figures this one needs from the same invocation, or null
 * @param capBytes the sender's cap for slow or stalled streams (see {@link RunSpec#capBytes()})
 * @param policy the broker subscription policy, or null
 * @param consumers broker consumers
 * @param parallel the systems run at the same time (S5: stalled readers use no CPU, figures are memory)
 * @param warmupMs unmeasured traffic before the window
 * @param measureMs the measured window (the stall, for S5)
 * @param maxConcurrentStreams creditflow's stream cap when the scenario needs more than the default
 * @param equalLoad for a fixed offered load: every system gets the same rate, {@code offeredFraction} of
 *        the lowest {@code dependsOn} rate among the systems of the run, instead of a fraction of its own
 * @param rttMs the round trip the latency relay adds (S10), or -1 for a direct connection
 * @param windows creditflow's receive windows ({@code "fixed"}, {@code "adaptive"}), or null for its default
 * @param fixedRate an offered load in messages per second, the same on every run, or 0
 * @param fsync the broker's topics are durable, in a temporary topic log with this fsync mode ({@code batch}),
 *        or null for in-memory topics
 * @param backlogBytes payload bytes written to the topic log before the consumer connects (S11-catch-up), or 0
 */
public record Scenario(
        String id,
        String group,
        String title,
        Kind kind,
        Set<SystemKind> systems,
        int connections,
        int streamsPerConnection,
        int payloadBytes,
        int slowStreams,
        double slowRate,
        double offeredFraction,
        String dependsOn,
        long capBytes,
        String policy,
        int consumers,
        boolean parallel,
        long warmupMs,
        long measureMs,
        int maxConcurrentStreams,
        boolean equalLoad,
        int rttMs,
        String windows,
        double fixedRate,
        String fsync,
        long backlogBytes) {

    /** A scenario over a direct connection, with creditflow's default windows, on in-memory topics (or none), without a fixed rate or backlog. */
    public Scenario(
            String id,
            String group,
            String title,
            Kind kind,
            Set<SystemKind> systems,
            int connections,
            int streamsPerConnection,
            int payloadBytes,
            int slowStreams,
            double slowRate,
            double offeredFraction,
            String dependsOn,
            long capBytes,
            String policy,
            int consumers,
            boolean parallel,
            long warmupMs,
            long measureMs,
            int maxConcurrentStreams,
            boolean equalLoad) {
        this(
                id,
                group,
                title,
                kind,
                systems,
                connections,
                streamsPerConnection,
                payloadBytes,
                slowStreams,
                slowRate,
                offeredFraction,
                dependsOn,
                capBytes,
                policy,
                consumers,
                parallel,
                warmupMs,
                measureMs,
                maxConcurrentStreams,
                equalLoad,
                -1,
                null,
                0,
                null,
                0);
    }

    public static final int KIB = 1024;
    /** Raw Netty's bound for slow and stalled streams: it has no flow control, so the harness stops it here. */
    public static final long NETTY_CAP_BYTES = 256L * 1024 * 1024;

    public static final List<String> POLICIES = List.of("block", "drop-oldest", "drop-newest", "disconnect");
    /** The one policy of a durable topic's subscriptions (S8-log, S11). */
    public static final String LOG_POLICY = "log";
    /** The fsync mode of the durable scenarios: the broker's default, group commit. */
    public static final String FSYNC = "batch";
    /** The low offered rate of S11's acknowledgement latency. */
    public static final double LOW_RATE = 1000;

    public boolean appliesTo(SystemKind s) {
        return systems.contains(s);
    }

    public boolean stall() {
        return kind == Kind.STALL;
    }

    /** The spec both children get for {@code system}. */
    public RunSpec spec(SystemKind system, double offeredRate, boolean cfPush) {
        return new RunSpec(
                system,
                id,
                kind,
                connections,
                streamsPerConnection,
                payloadBytes,
                slowStreams,
                slowRate,
                stall(),
                offeredRate,
                capBytes,
                kind == Kind.LATENCY,
                kind == Kind.STALL || kind == Kind.SCALE,
                maxConcurrentStreams,
                cfPush,
                policy,
                consumers,
                0,
                rttMs,
                windows,
                fsync,
                backlogBytes);
    }

    /**
     * True if the scenario runs on a fresh pair of JVMs: heap per idle stream is a difference of two
     * small after-GC readings, and what earlier scenarios left behind must not move between them.
     */
    public boolean freshJvms() {
        return kind == Kind.SCALE;
    }

    /**
     * The unmeasured run before this scenario on a fresh pair of JVMs: for a scale scenario the same at a
     * tenth of the size (it warms the code that opens streams and connections); otherwise S1's shape.
     */
    public Scenario warmupFor(Profile p) {
        if (kind != Kind.SCALE) {
            return sessionWarmup(p);
        }
        return new Scenario(
                id + "-warmup",
                group,
                title + " (warmup)",
                kind,
                systems,
                Math.max(1, connections / 10),
                Math.max(1, streamsPerConnection / 10),
                payloadBytes,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                0,
                0,
                maxConcurrentStreams,
                false);
    }

    /** The unmeasured run that warms a fresh pair of JVMs: S1's shape. */
    public static Scenario sessionWarmup(Profile p) {
        return new Scenario(
                "warmup",
                "warmup",
                "session warmup",
                Kind.THROUGHPUT,
                EnumSet.allOf(SystemKind.class),
                1,
                1,
                KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                p.sessionWarmupMs(),
                200,
                0,
                false);
    }

    /** Round trips S10 runs at. */
    public static final int[] S10_RTTS_MS = {0, 10, 50};
    /** S10's slow reader: 100 messages of 1 KiB a second. */
    public static final double S10_DRAIN_MSGS_PER_S = 100;

    /**
     * S10, adaptive windows (docs/protocol.md section 6.5): one stream through the latency relay at each
     * round trip of {@link #S10_RTTS_MS}, creditflow with fixed and with adaptive windows and gRPC-java
     * (whose BDP estimator is the peer); then the same stream read at {@link #S10_DRAIN_MSGS_PER_S}. Not
     * in the default suite (it adds about three minutes): select it with {@code --scenario S10}.
     */
    public static List<Scenario> s10(Profile p) {
        Set<SystemKind> cf = EnumSet.of(SystemKind.CREDITFLOW);
        Set<SystemKind> cfAndGrpc = EnumSet.of(SystemKind.CREDITFLOW, SystemKind.GRPC);
        List<Scenario> list = new ArrayList<>();
        for (int rtt : S10_RTTS_MS) {
            list.add(new Scenario(
                    "S10-fixed-" + rtt + "ms",
                    "S10",
                    "one stream, 64 KiB, " + rtt + " ms RTT, fixed windows",
                    Kind.THROUGHPUT,
                    cf,
                    1,
                    1,
                    64 * KIB,
                    0,
                    0,
                    0,
                    null,
                    0,
                    null,
                    0,
                    false,
                    p.warmupMs(),
                    p.measureMs(),
                    0,
                    false,
                    rtt,
                    "fixed",
                    0,
                    null,
                    0));
            list.add(new Scenario(
                    "S10-adaptive-" + rtt + "ms",
                    "S10",
                    "one stream, 64 KiB, " + rtt + " ms RTT, adaptive windows",
                    Kind.THROUGHPUT,
                    cfAndGrpc,
                    1,
                    1,
                    64 * KIB,
                    0,
                    0,
                    0,
                    null,
                    0,
                    null,
                    0,
                    false,
                    p.warmupMs(),
                    p.measureMs(),
                    0,
                    false,
                    rtt,
                    "adaptive",
                    0,
                    null,
                    0));
        }
        // The first window drains at the slow rate before the measured window starts.
        long slowWarmup =
                (long) (1.2 * EndpointBuilder.DEFAULT_STREAM_WINDOW_BYTES / KIB / S10_DRAIN_MSGS_PER_S * 1000);
        for (String windows : List.of("fixed", "adaptive")) {
            list.add(new Scenario(
                    "S10-slow-" + windows,
                    "S10",
                    "one stream, 1 KiB, read at 100 msg/s, " + windows + " windows",
                    Kind.SLOW_STREAM,
                    windows.equals("fixed") ? cf : cfAndGrpc,
                    1,
                    1,
                    KIB,
                    1,
                    S10_DRAIN_MSGS_PER_S,
                    0,
                    null,
                    0,
                    null,
                    0,
                    false,
                    slowWarmup,
                    p.measureMs(),
                    0,
                    false,
                    0,
                    windows,
                    0,
                    null,
                    0));
        }
        return list;
    }

    /** The suite, in the order it runs. */
    public static List<Scenario> catalogue(Profile p) {
        Set<SystemKind> all = EnumSet.allOf(SystemKind.class);
        Set<SystemKind> withStreams = EnumSet.of(SystemKind.CREDITFLOW, SystemKind.GRPC, SystemKind.GRPC_TUNED);
        Set<SystemKind> cf = EnumSet.of(SystemKind.CREDITFLOW);
        long w = p.warmupMs();
        long m = p.measureMs();
        List<Scenario> list = new ArrayList<>();
        list.add(new Scenario(
                "S1",
                "S1",
                "one stream, 1 KiB, read at once",
                Kind.THROUGHPUT,
                all,
                1,
                1,
                KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                w,
                m,
                0,
                false));
        list.add(new Scenario(
                "S2",
                "S2",
                "16 streams on one connection, 1 KiB",
                Kind.THROUGHPUT,
                all,
                1,
                16,
                KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                w,
                m,
                0,
                false));
        list.add(new Scenario(
                "S3",
                "S3",
                "16 streams, one read at 100 msg/s",
                Kind.SLOW_STREAM,
                all,
                1,
                16,
                KIB,
                1,
                100,
                0,
                "S2",
                NETTY_CAP_BYTES,
                null,
                0,
                false,
                w,
                m,
                0,
                false));
        list.add(new Scenario(
                "S4",
                "S4",
                "one stream, 64 KiB messages",
                Kind.THROUGHPUT,
                all,
                1,
                1,
                64 * KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                w,
                m,
                0,
                false));
        list.add(new Scenario(
                "S5",
                "S5",
                "one stream, reader stalled " + p.stallMs() / 1000 + " s",
                Kind.STALL,
                all,
                1,
                1,
                KIB,
                0,
                0,
                0,
                null,
                NETTY_CAP_BYTES,
                null,
                0,
                true,
                w,
                p.stallMs(),
                0,
                false));
        list.add(new Scenario(
                "S6",
                "S6",
                "one stream, 1 KiB at half the S1 rate: latency",
                Kind.LATENCY,
                all,
                1,
                1,
                KIB,
                0,
                0,
                0.5,
                "S1",
                0,
                null,
                0,
                false,
                w,
                m,
                0,
                false));
        list.add(new Scenario(
                "S6-equal",
                "S6",
                "one stream, 1 KiB, every system at half the slowest S1 rate: latency",
                Kind.LATENCY,
                all,
                1,
                1,
                KIB,
                0,
                0,
                0.5,
                "S1",
                0,
                null,
                0,
                false,
                w,
                m,
                0,
                true));
        list.add(new Scenario(
                "S7-streams",
                "S7",
                String.format("%,d idle streams on one connection", p.scaleStreams()),
                Kind.SCALE,
                withStreams,
                1,
                p.scaleStreams(),
                KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                0,
                0,
                p.scaleStreams() + 16,
                false));
        list.add(new Scenario(
                "S7-conns",
                "S7",
                String.format("%,d idle connections, one stream each", p.scaleConnections()),
                Kind.SCALE,
                all,
                p.scaleConnections(),
                1,
                KIB,
                0,
                0,
                0,
                null,
                0,
                null,
                0,
                false,
                0,
                0,
                0,
                false));
        for (String policy : POLICIES) {
            list.add(new Scenario(
                    "S8-" + policy,
                    "S8",
                    "broker, 1 producer, 16 consumers, the one at 100 msg/s " + policy,
                    Kind.BROKER,
                    cf,
                    1,
                    17,
                    KIB,
                    1,
                    100,
                    0,
                    null,
                    0,
                    policy,
                    16,
                    false,
                    w,
                    p.brokerMeasureMs(),
                    0,
                    false));
        }
        list.add(new Scenario(
                "S8-log",
                "S8",
                "broker, 1 producer, 16 consumers, the one at 100 msg/s log " + "(durable topic, fsync " + FSYNC + ")",
                Kind.BROKER,
                cf,
                1,
                17,
                KIB,
                1,
                100,
                0,
                "S8-disconnect",
                0,
                LOG_POLICY,
                16,
                false,
                w,
                p.brokerMeasureMs(),
                0,
                false,
                -1,
                null,
                0,
                FSYNC,
                0));
        // S11: one producer with acks=durable (BrokerProducer) and one fast consumer, in-memory topic vs topic log.
        String s9 = "broker, 1 producer (acks=durable), 1 fast consumer, ";
        list.add(new Scenario(
                "S11-memory",
                "S11",
                s9 + "in-memory topic, as fast as it can",
                Kind.PRODUCER,
                cf,
                1,
                2,
                KIB,
                0,
                0,
                0,
                null,
                0,
                "block",
                1,
                false,
                w,
                p.brokerMeasureMs(),
                0,
                false,
                -1,
                null,
                0,
                null,
                0));
        list.add(new Scenario(
                "S11-log",
                "S11",
                s9 + "topic log (fsync " + FSYNC + "), as fast as it can",
                Kind.PRODUCER,
                cf,
                1,
                2,
                KIB,
                0,
                0,
                0,
                "S11-memory",
                0,
                LOG_POLICY,
                1,
                false,
                w,
                p.brokerMeasureMs(),
                0,
                false,
                -1,
                null,
                0,
                FSYNC,
                0));
        list.add(new Scenario(
                "S11-memory-1k",
                "S11",
                s9 + "in-memory topic, 1,000 msg/s",
                Kind.PRODUCER,
                cf,
                1,
                2,
                KIB,
                0,
                0,
                0,
                null,
                0,
                "block",
                1,
                false,
                w,
                p.brokerMeasureMs(),
                0,
                false,
                -1,
                null,
                LOW_RATE,
                null,
                0));
        list.add(new Scenario(
                "S11-log-1k",
                "S11",
                s9 + "topic log (fsync " + FSYNC + "), 1,000 msg/s",
                Kind.PRODUCER,
                cf,
                1,
                2,
                KIB,
                0,
                0,
                0,
                null,
                0,
                LOG_POLICY,
                1,
                false,
                w,
                p.brokerMeasureMs(),
                0,
                false,
                -1,
                null,
                LOW_RATE,
                FSYNC,
                0));
        list.add(new Scenario(
                "S11-catch-up",
                "S11",
                String.format(
                        "broker, 1 consumer from earliest reading a %d MiB " + "backlog of 1 KiB messages",
                        p.catchUpBytes() >> 20),
                Kind.CATCH_UP,
                cf,
                1,
                1,
                KIB,
                0,
                0,
                0,
                null,
                0,
                LOG_POLICY,
                1,
                false,
                0,
                p.catchUpMs(),
                0,
                false,
                -1,
                null,
                0,
                FSYNC,
                p.catchUpBytes()));
        return list;
    }
}
