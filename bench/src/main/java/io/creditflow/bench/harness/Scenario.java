package io.creditflow.bench.harness;

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
 * @param fixedRate an offered load in messages per second, the same on every run, or 0
 * @param fsync the broker's topics are durable, in a temporary topic log with this fsync mode ({@code batch}),
 *        or null for in-memory topics
 * @param backlogBytes payload bytes written to the topic log before the consumer connects (S9-catch-up), or 0
 */
public record Scenario(String id, String group, String title, Kind kind, Set<SystemKind> systems, int connections,
                       int streamsPerConnection, int payloadBytes, int slowStreams, double slowRate,
                       double offeredFraction, String dependsOn, long capBytes, String policy, int consumers,
                       boolean parallel, long warmupMs, long measureMs, int maxConcurrentStreams,
                       boolean equalLoad, double fixedRate, String fsync, long backlogBytes) {

    /** A scenario on in-memory topics (or none) without a fixed rate or backlog. */
    public Scenario(String id, String group, String title, Kind kind, Set<SystemKind> systems, int connections,
                    int streamsPerConnection, int payloadBytes, int slowStreams, double slowRate,
                    double offeredFraction, String dependsOn, long capBytes, String policy, int consumers,
                    boolean parallel, long warmupMs, long measureMs, int maxConcurrentStreams, boolean equalLoad) {
        this(id, group, title, kind, systems, connections, streamsPerConnection, payloadBytes, slowStreams, slowRate,
                offeredFraction, dependsOn, capBytes, policy, consumers, parallel, warmupMs, measureMs,
                maxConcurrentStreams, equalLoad, 0, null, 0);
    }

    public static final int KIB = 1024;
    /** Raw Netty's bound for slow and stalled streams: it has no flow control, so the harness stops it here. */
    public static final long NETTY_CAP_BYTES = 256L * 1024 * 1024;
    public static final List<String> POLICIES = List.of("block", "drop-oldest", "drop-newest", "disconnect");
    /** The one policy of a durable topic's subscriptions (S8-log, S9). */
    public static final String LOG_POLICY = "log";
    /** The fsync mode of the durable scenarios: the broker's default, group commit. */
    public static final String FSYNC = "batch";
    /** The low offered rate of S9's acknowledgement latency. */
    public static final double LOW_RATE = 1000;

    public boolean appliesTo(SystemKind s) {
        return systems.contains(s);
    }

    public boolean stall() {
        return kind == Kind.STALL;
    }

    /** The spec both children get for {@code system}. */
    public RunSpec spec(SystemKind system, double offeredRate, boolean cfPush) {
        return new RunSpec(system, id, kind, connections, streamsPerConnection, payloadBytes, slowStreams, slowRate,
                stall(), offeredRate, capBytes, kind == Kind.LATENCY, kind == Kind.STALL || kind == Kind.SCALE,
                maxConcurrentStreams, cfPush, policy, consumers, 0, fsync, backlogBytes);
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
        return new Scenario(id + "-warmup", group, title + " (warmup)", kind, systems,
                Math.max(1, connections / 10), Math.max(1, streamsPerConnection / 10), payloadBytes, 0, 0, 0, null,
                0, null, 0, false, 0, 0, maxConcurrentStreams, false);
    }

    /** The unmeasured run that warms a fresh pair of JVMs: S1's shape. */
    public static Scenario sessionWarmup(Profile p) {
        return new Scenario("warmup", "warmup", "session warmup", Kind.THROUGHPUT, EnumSet.allOf(SystemKind.class), 1,
                1, KIB, 0, 0, 0, null, 0, null, 0, false, p.sessionWarmupMs(), 200, 0, false);
    }

    /** The suite, in the order it runs. */
    public static List<Scenario> catalogue(Profile p) {
        Set<SystemKind> all = EnumSet.allOf(SystemKind.class);
        Set<SystemKind> withStreams = EnumSet.of(SystemKind.CREDITFLOW, SystemKind.GRPC);
        Set<SystemKind> cf = EnumSet.of(SystemKind.CREDITFLOW);
        long w = p.warmupMs();
        long m = p.measureMs();
        List<Scenario> list = new ArrayList<>();
        list.add(new Scenario("S1", "S1", "one stream, 1 KiB, read at once", Kind.THROUGHPUT, all, 1, 1, KIB, 0, 0, 0,
                null, 0, null, 0, false, w, m, 0, false));
        list.add(new Scenario("S2", "S2", "16 streams on one connection, 1 KiB", Kind.THROUGHPUT, all, 1, 16, KIB, 0,
                0, 0, null, 0, null, 0, false, w, m, 0, false));
        list.add(new Scenario("S3", "S3", "16 streams, one read at 100 msg/s", Kind.SLOW_STREAM, all, 1, 16, KIB, 1,
                100, 0, "S2", NETTY_CAP_BYTES, null, 0, false, w, m, 0, false));
        list.add(new Scenario("S4", "S4", "one stream, 64 KiB messages", Kind.THROUGHPUT, all, 1, 1, 64 * KIB, 0, 0,
                0, null, 0, null, 0, false, w, m, 0, false));
        list.add(new Scenario("S5", "S5", "one stream, reader stalled " + p.stallMs() / 1000 + " s", Kind.STALL, all,
                1, 1, KIB, 0, 0, 0, null, NETTY_CAP_BYTES, null, 0, true, w, p.stallMs(), 0, false));
        list.add(new Scenario("S6", "S6", "one stream, 1 KiB at half the S1 rate: latency", Kind.LATENCY, all, 1, 1,
                KIB, 0, 0, 0.5, "S1", 0, null, 0, false, w, m, 0, false));
        list.add(new Scenario("S6-equal", "S6", "one stream, 1 KiB, every system at half the slowest S1 rate: latency",
                Kind.LATENCY, all, 1, 1, KIB, 0, 0, 0.5, "S1", 0, null, 0, false, w, m, 0, true));
        list.add(new Scenario("S7-streams", "S7", String.format("%,d idle streams on one connection",
                p.scaleStreams()), Kind.SCALE, withStreams, 1, p.scaleStreams(), KIB, 0, 0, 0, null, 0, null, 0,
                false, 0, 0, p.scaleStreams() + 16, false));
        list.add(new Scenario("S7-conns", "S7", String.format("%,d idle connections, one stream each",
                p.scaleConnections()), Kind.SCALE, all, p.scaleConnections(), 1, KIB, 0, 0, 0, null, 0, null, 0,
                false, 0, 0, 0, false));
        for (String policy : POLICIES) {
            list.add(new Scenario("S8-" + policy, "S8", "broker, 1 producer, 16 consumers, the one at 100 msg/s "
                    + policy, Kind.BROKER, cf, 1, 17, KIB, 1, 100, 0, null, 0, policy, 16, false, w,
                    p.brokerMeasureMs(), 0, false));
        }
        list.add(new Scenario("S8-log", "S8", "broker, 1 producer, 16 consumers, the one at 100 msg/s log "
                + "(durable topic, fsync " + FSYNC + ")", Kind.BROKER, cf, 1, 17, KIB, 1, 100, 0, "S8-disconnect", 0,
                LOG_POLICY, 16, false, w, p.brokerMeasureMs(), 0, false, 0, FSYNC, 0));
        // S9: one producer with acks=durable (BrokerProducer) and one fast consumer, in-memory topic vs topic log.
        String s9 = "broker, 1 producer (acks=durable), 1 fast consumer, ";
        list.add(new Scenario("S9-memory", "S9", s9 + "in-memory topic, as fast as it can", Kind.PRODUCER, cf, 1, 2,
                KIB, 0, 0, 0, null, 0, "block", 1, false, w, p.brokerMeasureMs(), 0, false, 0, null, 0));
        list.add(new Scenario("S9-log", "S9", s9 + "topic log (fsync " + FSYNC + "), as fast as it can",
                Kind.PRODUCER, cf, 1, 2, KIB, 0, 0, 0, "S9-memory", 0, LOG_POLICY, 1, false, w, p.brokerMeasureMs(), 0,
                false, 0, FSYNC, 0));
        list.add(new Scenario("S9-memory-1k", "S9", s9 + "in-memory topic, 1,000 msg/s", Kind.PRODUCER, cf, 1, 2, KIB,
                0, 0, 0, null, 0, "block", 1, false, w, p.brokerMeasureMs(), 0, false, LOW_RATE, null, 0));
        list.add(new Scenario("S9-log-1k", "S9", s9 + "topic log (fsync " + FSYNC + "), 1,000 msg/s", Kind.PRODUCER,
                cf, 1, 2, KIB, 0, 0, 0, null, 0, LOG_POLICY, 1, false, w, p.brokerMeasureMs(), 0, false, LOW_RATE, FSYNC,
                0));
        list.add(new Scenario("S9-catch-up", "S9", String.format("broker, 1 consumer from earliest reading a %d MiB "
                + "backlog of 1 KiB messages", p.catchUpBytes() >> 20), Kind.CATCH_UP, cf, 1, 1, KIB, 0, 0, 0, null, 0,
                LOG_POLICY, 1, false, 0, p.catchUpMs(), 0, false, 0, FSYNC, p.catchUpBytes()));
        return list;
    }
}
