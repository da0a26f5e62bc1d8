package io.creditflow.bench.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The harness's command line, parsed by hand so the bench module needs no CLI library
 * ({@code ./creditflow bench} passes its arguments through).
 *
 * @param profile durations and sizes ({@code --quick})
 * @param scenarioIds selected scenario groups or ids, upper case; empty for all
 * @param systems the systems to run, in order
 * @param json where to write one JSON object per (scenario, system) per line, or null
 * @param chart where to write the SVG chart, or null
 * @param cfPush creditflow's receiver takes the streams it never holds in push mode (the default; held
 *        streams are always pull mode)
 * @param verbose children's output echoed to stderr
 * @param loadCheck sample the machine's load before measuring
 * @param help print usage and exit
 * @param cfWindows creditflow's receive windows, {@code "fixed"} or {@code "adaptive"}, in the scenarios
 *        that do not choose them (all but S10), or null for creditflow's default
 * @param reps repetitions of each scenario, the systems in a random order in each ({@code --reps}, default 3)
 * @param seed the seed of that order ({@code --seed}), or null to pick one (it is printed)
 */
public record BenchOptions(
        Profile profile,
        List<String> scenarioIds,
        List<SystemKind> systems,
        Path json,
        Path chart,
        boolean cfPush,
        boolean verbose,
        boolean loadCheck,
        boolean help,
        String cfWindows,
        int reps,
        Long seed) {
    public static final int DEFAULT_REPS = 3;
    /** A bound on {@code --reps}: each repetition runs every selected scenario on every system. */
    public static final int MAX_REPS = 50;

    public static String usage() {
        return String.join(
                "\n",
                "Usage: creditflow bench [--quick] [--scenario S1,S4,...] [--systems creditflow,grpc,netty]",
                "                        [--json FILE] [--chart FILE.svg] [--cf-pull] [--cf-windows fixed|adaptive]",
                "                        [--reps N] [--seed N] [--verbose] [--no-load-check]",
                "",
                "Compares creditflow, gRPC-java (grpc-netty-shaded) and raw Netty in separate receiver and sender",
                "JVMs over loopback, scenario by scenario, the systems interleaved.",
                "",
                "  --quick            shorter windows and smaller S7 counts: about 90 s instead of about 5 min",
                "  --scenario LIST    scenario groups or ids: S1 S2 S3 S4 S5 S6 (S6, S6-equal) S7 (S7-streams, S7-conns)",
                "                     S8 (S8-block, S8-drop-oldest, S8-drop-newest, S8-disconnect, S8-log)",
                "                     S11 (S11-memory, S11-log, S11-memory-1k, S11-log-1k, S11-catch-up); S3 adds S2,",
                "                     S6 adds S1, S8-log adds S8-disconnect, S11-log adds S11-memory (they need",
                "                     those rates from the same run); S10 (adaptive windows through a",
                "                     latency relay) runs only when named",
                "  --systems LIST     which systems (default: all three)",
                "  --json FILE        one JSON object per (scenario, system) per line",
                "  --chart FILE       an SVG bar chart of each scenario's headline figure",
                "  --cf-pull          creditflow's receiver in pull mode (drained on the event loop) for every",
                "                     stream; by default the streams it never holds are in push mode with",
                "                     request(Long.MAX_VALUE), the held ones (slow, stalled) in pull mode",
                "  --cf-windows MODE  creditflow's receive windows, fixed or adaptive, where the scenario does",
                "                     not choose (all but S10); default: creditflow's default (adaptive)",
                "  --reps N           repetitions of each scenario (default 3, at most 50), the systems in a",
                "                     random order in each; figures are the median with min..max, ratios",
                "                     between systems are taken within each repetition, then their median",
                "  --seed N           the seed of that order (default: picked and printed)",
                "  --verbose          echo the child JVMs' output to stderr",
                "  --no-load-check    skip the 1 s sample of how busy the machine is",
                "",
                "Scenarios: S1 one stream 1 KiB; S2 16 streams; S3 16 streams, one read at 100 msg/s; S4 64 KiB",
                "messages; S5 stalled reader (30 s, 10 s quick); S6 latency at half each system's own S1 rate, and",
                "(S6-equal) every system at half the slowest S1 rate; S7 10,000 idle streams and 1,000 idle",
                "connections; S8 the broker with one slow consumer, per policy, and (S8-log) on a durable topic; S11",
                "the broker's producer with acknowledgements, in-memory topic vs topic log (fsync batch), as fast as",
                "it can and at 1,000 msg/s, and a consumer catching up on a 1 GiB backlog (256 MiB quick) from",
                "earliest, the page cache dropped first when this process may (root). Durable runs write to a",
                "temporary folder (java.io.tmpdir) and delete it after the run. S10 one stream through a latency",
                "relay at 0, 10 and 50 ms RTT, fixed vs adaptive windows vs gRPC, and read at 100 msg/s.");
    }

    /** Parses the arguments; throws IllegalArgumentException with a message for the user. */
    public static BenchOptions parse(String... args) {
        Profile profile = Profile.DEFAULT;
        List<String> scenarios = new ArrayList<>();
        List<SystemKind> systems = new ArrayList<>(List.of(SystemKind.values()));
        Path json = null;
        Path chart = null;
        boolean cfPush = true;
        boolean verbose = false;
        boolean loadCheck = true;
        boolean help = false;
        String cfWindows = null;
        int reps = DEFAULT_REPS;
        Long seed = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--quick" -> profile = Profile.QUICK;
                case "--scenario", "--scenarios" -> {
                    value = value != null ? value : next(args, ++i, a);
                    scenarios.addAll(parseScenarioList(value));
                }
                case "--systems", "--system" -> {
                    value = value != null ? value : next(args, ++i, a);
                    systems = parseSystems(value);
                }
                case "--json" -> json = Path.of(value != null ? value : next(args, ++i, a));
                case "--chart" -> chart = Path.of(value != null ? value : next(args, ++i, a));
                case "--cf-pull" -> cfPush = false;
                case "--cf-windows" -> {
                    cfWindows = value != null ? value : next(args, ++i, a);
                    if (!cfWindows.equals("fixed") && !cfWindows.equals("adaptive")) {
                        throw new IllegalArgumentException(
                                "--cf-windows: " + cfWindows + " (expected: fixed or adaptive)");
                    }
                }
                case "--reps" -> {
                    String v = value != null ? value : next(args, ++i, a);
                    try {
                        reps = Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--reps: " + v + " is not a number");
                    }
                    if (reps < 1 || reps > MAX_REPS) {
                        throw new IllegalArgumentException("--reps: " + reps + " (expected 1 to " + MAX_REPS + ")");
                    }
                }
                case "--seed" -> {
                    String v = value != null ? value : next(args, ++i, a);
                    try {
                        seed = Long.parseLong(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--seed: " + v + " is not a number");
                    }
                }
                case "--verbose", "-v" -> verbose = true;
                case "--no-load-check" -> loadCheck = false;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        return new BenchOptions(
                profile,
                List.copyOf(scenarios),
                List.copyOf(systems),
                json,
                chart,
                cfPush,
                verbose,
                loadCheck,
                help,
                cfWindows,
                reps,
                seed);
    }

    private static String next(String[] args, int i, String option) {
        if (i >= args.length || args[i].startsWith("--")) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** "s1, S4 ,s7-conns" to [S1, S4, S7-CONNS], each checked against the catalogue. */
    static List<String> parseScenarioList(String text) {
        Set<String> known = new LinkedHashSet<>();
        for (Scenario sc : everyScenario(Profile.DEFAULT)) {
            known.add(sc.group().toUpperCase(Locale.ROOT));
            known.add(sc.id().toUpperCase(Locale.ROOT));
        }
        List<String> out = new ArrayList<>();
        for (String part : text.split(",")) {
            String id = part.trim().toUpperCase(Locale.ROOT);
            if (id.isEmpty()) {
                continue;
            }
            if (!known.contains(id)) {
                throw new IllegalArgumentException(
                        "unknown scenario: " + part.trim() + " (expected one of " + known + ")");
            }
            out.add(id);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--scenario needs at least one scenario");
        }
        return out;
    }

    static List<SystemKind> parseSystems(String text) {
        Set<SystemKind> set = EnumSet.noneOf(SystemKind.class);
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                set.add(SystemKind.parse(part));
            }
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("--systems needs at least one system");
        }
        return List.copyOf(set);
    }

    /**
     * The scenarios to run, in catalogue order: the selected ones plus those they depend on (S3 needs
     * S2's rate, S6 needs S1's).
     */
    public List<Scenario> selected() {
        if (scenarioIds.isEmpty()) {
            return Scenario.catalogue(profile);
        }
        List<Scenario> all = everyScenario(profile);
        Set<String> wanted = new LinkedHashSet<>(scenarioIds);
        for (Scenario sc : all) {
            if (isWanted(sc, wanted) && sc.dependsOn() != null) {
                wanted.add(sc.dependsOn().toUpperCase(Locale.ROOT));
            }
        }
        return all.stream().filter(sc -> isWanted(sc, wanted)).toList();
    }

    /** The default suite, then the scenarios run only when selected (S10). */
    private static List<Scenario> everyScenario(Profile p) {
        List<Scenario> all = new ArrayList<>(Scenario.catalogue(p));
        all.addAll(Scenario.s10(p));
        return all;
    }

    private static boolean isWanted(Scenario sc, Set<String> wanted) {
        return wanted.contains(sc.id().toUpperCase(Locale.ROOT))
                || wanted.contains(sc.group().toUpperCase(Locale.ROOT));
    }
}
