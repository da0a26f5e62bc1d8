package io.creditflow.bench.harness;

import io.creditflow.bench.harness.ChildProcess.ChildFailure;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Runs the scenarios: for each one, each applicable system in turn (so the systems interleave), on
 * that system's {@link Session}. A run is: SETUP the receiver (it answers its port), SETUP the sender
 * (it connects and opens the streams), AWAIT until the receiver has them all, START, warm up, MARK,
 * measure, STOP (each child answers one JSON result line), DRAIN (where delivery is verified: the
 * sender's sent counts, then the receiver's consumed counts and delivery check), TEARDOWN. Every wait has a timeout; a child
 * that misses one is killed and the run is reported as an error.
 */
final class Orchestrator implements AutoCloseable {
    /** The longest the receiver waits at the end of a run for what is still in flight. */
    static final long DRAIN_TIMEOUT_MS = 10_000;

    private final BenchOptions options;
    private final Profile profile;
    private final PrintStream log;
    private final Map<SystemKind, Session> sessions = new EnumMap<>(SystemKind.class);
    private final List<Row> rows = new ArrayList<>();
    private final Map<String, Object> machine;

    Orchestrator(BenchOptions options, Map<String, Object> machine, PrintStream log) {
        this.options = options;
        this.profile = options.profile();
        this.machine = machine;
        this.log = log;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> sessions.values().forEach(Session::kill)));
    }

    List<Row> rows() {
        return rows;
    }

    /**
     * Runs every scenario {@code --reps} times in a row, the applicable systems in a fresh random order
     * each time (seeded; the seed is printed and kept in each row), then calls {@code onRow} with one
     * row per (scenario, system): the repetitions folded by {@link Repetitions#aggregate}. Ratios
     * between systems, and a scenario's comparison with its reference scenario (S3 against S2), are
     * taken within a repetition.
     */
    void runAll(List<Scenario> scenarios, Consumer<Row> onRow) {
        long seed = options.seed() != null ? options.seed() : new java.security.SecureRandom().nextLong();
        Random random = new Random(seed);
        int reps = options.reps();
        log.printf(
                "  %d repetition%s of each scenario, systems in a random order each time; order seed %d "
                        + "(--seed %d repeats it)%n",
                reps, reps == 1 ? "" : "s", seed, seed);
        List<List<Row>> byRep = new ArrayList<>();
        for (int k = 0; k < reps; k++) {
            byRep.add(new ArrayList<>());
        }
        for (Scenario sc : scenarios) {
            List<SystemKind> applicable = new ArrayList<>();
            for (SystemKind s : options.systems()) {
                if (sc.appliesTo(s)) {
                    applicable.add(s);
                } else {
                    emit(Row.notApplicable(sc, s, machine), onRow);
                }
            }
            Map<SystemKind, List<Row>> bySystem = new EnumMap<>(SystemKind.class);
            for (int k = 0; k < reps; k++) {
                List<SystemKind> order = Repetitions.order(applicable, random);
                String rep = reps > 1 ? " (repetition " + (k + 1) + "/" + reps + ")" : "";
                List<Row> repRows = new ArrayList<>();
                if (sc.parallel() && order.size() > 1) {
                    repRows.addAll(runTogether(sc, order, byRep.get(k), rep));
                } else {
                    for (SystemKind s : order) {
                        repRows.addAll(runTogether(sc, List.of(s), byRep.get(k), rep));
                    }
                }
                Repetitions.pairRatios(repRows);
                byRep.get(k).addAll(repRows);
                for (Row r : repRows) {
                    bySystem.computeIfAbsent(r.system(), x -> new ArrayList<>()).add(r);
                }
            }
            for (SystemKind s : applicable) {
                List<Row> mine = bySystem.get(s);
                if (mine != null) {
                    emit(Repetitions.aggregate(mine).set("reps_seed", seed), onRow);
                }
            }
        }
    }

    private void emit(Row row, Consumer<Row> onRow) {
        rows.add(row);
        onRow.accept(row);
    }

    /** One repetition of a scenario on these systems: their rows, {@code earlier} being this repetition's so far. */
    private List<Row> runTogether(Scenario sc, List<SystemKind> systems, List<Row> earlier, String rep) {
        List<Row> out = new ArrayList<>();
        List<Session> live = new ArrayList<>();
        List<RunSpec> specs = new ArrayList<>();
        for (SystemKind s : systems) {
            try {
                RunSpec spec = sc.spec(s, offeredRate(sc, s), options.cfPush()).withDefaultWindows(options.cfWindows());
                if (sc.freshJvms()) {
                    Session old = sessions.remove(s);
                    if (old != null) {
                        old.close();
                    }
                }
                Session session = session(s, sc);
                live.add(session);
                specs.add(spec);
            } catch (ChildFailure | IllegalStateException e) {
                out.add(Row.error(sc, s, machine, e.getMessage()));
            }
        }
        if (live.isEmpty()) {
            return out;
        }
        log.printf(
                "  %-12s %s%s ...%n",
                sc.id(),
                String.join(", ", live.stream().map(x -> x.system.label()).toList()),
                rep);
        try {
            List<RunResult> results = execute(sc, live, specs);
            for (RunResult r : results) {
                out.add(Analysis.row(r, earlier, machine));
            }
        } catch (ChildFailure e) {
            for (Session s : live) {
                s.kill();
                sessions.remove(s.system);
                out.add(Row.error(sc, s.system, machine, e.getMessage()));
            }
        }
        return out;
    }

    /**
     * A fixed offered load (S11's low rate), or S6's: a fraction of the rate its reference scenario reached on the same system, or, for
     * an equal-load scenario, of the lowest rate any system reached there.
     */
    private double offeredRate(Scenario sc, SystemKind s) {
        if (sc.fixedRate() > 0) {
            return sc.fixedRate();
        }
        if (sc.offeredFraction() <= 0) {
            return 0;
        }
        if (sc.equalLoad()) {
            double lowest = rows.stream()
                    .filter(r -> r.scenario().equals(sc.dependsOn()))
                    .map(r -> r.number("msgs_per_s"))
                    .filter(java.util.Objects::nonNull)
                    .mapToDouble(Number::doubleValue)
                    .min()
                    .orElse(-1);
            if (lowest > 0) {
                return Math.max(1, sc.offeredFraction() * lowest);
            }
        }
        for (Row r : rows) {
            if (r.scenario().equals(sc.dependsOn()) && r.system() == s && r.number("msgs_per_s") != null) {
                return Math.max(1, sc.offeredFraction() * r.number("msgs_per_s"));
            }
        }
        throw new IllegalStateException(
                sc.id() + " needs the " + sc.dependsOn() + " rate of " + s.label() + " from this run, and it has none");
    }

    /** The system's live session, or a fresh one warmed up for {@code next}. */
    private Session session(SystemKind s, Scenario next) throws ChildFailure {
        Session session = sessions.get(s);
        if (session != null && session.isAlive()) {
            return session;
        }
        session = Session.start(s, options.verbose());
        sessions.put(s, session);
        log.printf(
                "  started %s receiver and sender JVMs in %.1f s%s%n",
                s.label(),
                session.startSeconds,
                session.clockShared
                        ? ""
                        : " (WARNING: their nanoTime clock differs from ours: latency and "
                                + "unconsumed figures are void)");
        Scenario warm = next.warmupFor(profile);
        try {
            RunSpec spec = warm.spec(s, 0, options.cfPush()).withDefaultWindows(options.cfWindows());
            execute(warm, List.of(session), List.of(spec));
        } catch (ChildFailure e) {
            session.kill();
            sessions.remove(s);
            throw new ChildFailure("warming up " + s.label() + ": " + e.getMessage());
        }
        return session;
    }

    /** One run of a scenario on one or more sessions at once (the steps are interleaved, not parallel). */
    private List<RunResult> execute(Scenario sc, List<Session> ss, List<RunSpec> specs) throws ChildFailure {
        int n = ss.size();
        // Opening thousands of streams, or writing a catch-up backlog to disk, takes longer than a plain setup.
        boolean longSetup = sc.kind() == Kind.SCALE || sc.kind() == Kind.CATCH_UP;
        long setupTimeout = longSetup ? 180_000 : 60_000;
        List<LatencyRelay> relays = new ArrayList<>();
        try {
            List<RunSpec> withPorts = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Map<String, Object> r =
                        ss.get(k).receiver.call("SETUP " + specs.get(k).toJson(), setupTimeout);
                int port = (int) Json.getLong(r, "port", 0);
                if (specs.get(k).relayed()) { // S10: the sender goes through the latency relay
                    LatencyRelay relay = relay(port, specs.get(k).rttMs());
                    relays.add(relay);
                    port = relay.port();
                }
                withPorts.add(specs.get(k).withPort(port));
            }
            for (int k = 0; k < n; k++) {
                ss.get(k).sender.call("SETUP " + withPorts.get(k).toJson(), setupTimeout);
            }
            for (int k = 0; k < n; k++) {
                int expected = ss.get(k).system.expectedAccepted(withPorts.get(k));
                Map<String, Object> a =
                        ss.get(k).receiver.call("AWAIT " + expected + " " + setupTimeout, setupTimeout + 10_000);
                long got = Json.getLong(a, "count", 0);
                if (got < expected) {
                    throw new ChildFailure(ss.get(k).system.label() + ": the receiver accepted " + got + " of "
                            + expected + " within " + setupTimeout / 1000 + " s");
                }
            }
            if (sc.kind().hasTraffic()) {
                for (Session s : ss) {
                    s.receiver.call("START", 10_000);
                    s.sender.call("START", 10_000);
                }
                sleep(sc.warmupMs());
            }
            for (Session s : ss) {
                s.receiver.call("MARK", 60_000);
                s.sender.call("MARK", 60_000);
            }
            sleep(sc.measureMs());
            for (Session s : ss) {
                s.receiver.send("STOP");
                s.sender.send("STOP");
            }
            List<RunResult> out = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                Session s = ss.get(k);
                Map<String, Object> r = s.receiver.await("RESULT", 60_000);
                Map<String, Object> x = s.sender.await("RESULT", 60_000);
                out.add(new RunResult(sc, withPorts.get(k), r, x, s.clockShared));
            }
            for (int k = 0; k < n; k++) {
                if (Analysis.verifiesDelivery(withPorts.get(k))) {
                    out.set(k, drain(ss.get(k), out.get(k)));
                }
            }
            return out;
        } finally {
            for (Session s : ss) {
                teardown(s);
            }
            relays.forEach(LatencyRelay::close);
        }
    }

    /**
     * After the window: the sender (its loop already stopped) answers what it sent per stream over the
     * whole run, and the receiver waits, up to {@value #DRAIN_TIMEOUT_MS} ms, until each stream it is
     * not holding has consumed as much, then answers its counts and its delivery check. Both answers
     * join the run's result under {@code drain}.
     */
    private static RunResult drain(Session s, RunResult run) throws ChildFailure {
        s.sender.send("DRAIN");
        Map<String, Object> sent = s.sender.await("DRAINED", 30_000);
        Map<String, Object> req = new java.util.LinkedHashMap<>();
        req.put("sent_msgs_total", Json.getLongArray(sent, "sent_msgs_total"));
        req.put("timeout_ms", DRAIN_TIMEOUT_MS);
        s.receiver.send("DRAIN " + Json.write(req));
        Map<String, Object> got = s.receiver.await("DRAINED", DRAIN_TIMEOUT_MS + 30_000);
        Map<String, Object> rcv = new java.util.LinkedHashMap<>(run.receiver());
        rcv.put("drain", got);
        Map<String, Object> snd = new java.util.LinkedHashMap<>(run.sender());
        snd.put("drain", sent);
        return new RunResult(run.scenario(), run.spec(), rcv, snd, run.clockShared());
    }

    private static LatencyRelay relay(int port, int rttMs) throws ChildFailure {
        try {
            return new LatencyRelay(port, rttMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildFailure("interrupted while starting the latency relay");
        }
    }

    private void teardown(Session s) {
        try {
            if (s.isAlive()) {
                s.sender.call("TEARDOWN", 30_000);
                s.receiver.call("TEARDOWN", 30_000);
            }
        } catch (ChildFailure e) {
            log.println("  teardown of " + s.system.label() + " failed, restarting its JVMs: " + e.getMessage());
            s.kill();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        for (Session s : sessions.values()) {
            s.close();
        }
        sessions.clear();
    }
}
