package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {
    @Test
    void defaultsRunEverythingOnEverySystem() {
        BenchOptions o = BenchOptions.parse();
        assertThat(o.profile()).isEqualTo(Profile.DEFAULT);
        assertThat(o.systems())
                .containsExactly(
                        SystemKind.CREDITFLOW,
                        SystemKind.NETTY_BATCHED,
                        SystemKind.NETTY_NAIVE,
                        SystemKind.GRPC,
                        SystemKind.GRPC_TUNED);
        assertThat(o.selected())
                .extracting(Scenario::id)
                .containsExactly(
                        "S1",
                        "S2",
                        "S3",
                        "S4",
                        "S5",
                        "S6",
                        "S6-equal",
                        "S7-streams",
                        "S7-conns",
                        "S8-block",
                        "S8-drop-oldest",
                        "S8-drop-newest",
                        "S8-disconnect",
                        "S8-log",
                        "S11-memory",
                        "S11-log",
                        "S11-memory-1k",
                        "S11-log-1k",
                        "S11-catch-up");
        assertThat(o.json()).isNull();
        assertThat(o.chart()).isNull();
        assertThat(o.loadCheck()).isTrue();
        assertThat(o.cfPush()).isTrue();
    }

    @Test
    void parsesEveryOption() {
        BenchOptions o = BenchOptions.parse(
                "--quick",
                "--scenario",
                "s1, S4",
                "--systems=grpc,creditflow",
                "--json",
                "out/r.jsonl",
                "--chart=out/c.svg",
                "--cf-pull",
                "--verbose",
                "--no-load-check");
        assertThat(o.profile()).isEqualTo(Profile.QUICK);
        assertThat(o.scenarioIds()).containsExactly("S1", "S4");
        assertThat(o.systems()).containsExactly(SystemKind.CREDITFLOW, SystemKind.GRPC);
        assertThat(o.json()).isEqualTo(Path.of("out/r.jsonl"));
        assertThat(o.chart()).isEqualTo(Path.of("out/c.svg"));
        assertThat(o.cfPush()).isFalse();
        assertThat(o.verbose()).isTrue();
        assertThat(o.loadCheck()).isFalse();
        assertThat(o.selected()).extracting(Scenario::id).containsExactly("S1", "S4");
    }

    @Test
    void addsTheScenariosAScenarioNeedsAndKeepsCatalogueOrder() {
        assertThat(BenchOptions.parse("--scenario", "S6,S3").selected())
                .extracting(Scenario::id)
                .containsExactly("S1", "S2", "S3", "S6", "S6-equal");
        assertThat(BenchOptions.parse("--scenario", "S8-log,S11-log").selected())
                .extracting(Scenario::id)
                .containsExactly("S8-disconnect", "S8-log", "S11-memory", "S11-log");
    }

    @Test
    void aGroupSelectsAllItsScenariosAndAnIdOnlyItself() {
        assertThat(BenchOptions.parse("--scenario", "S8").selected()).hasSize(5);
        assertThat(BenchOptions.parse("--scenario", "S11").selected()).hasSize(5);
        assertThat(BenchOptions.parse("--scenario", "s7-conns").selected())
                .extracting(Scenario::id)
                .containsExactly("S7-conns");
    }

    @Test
    void s10RunsOnlyWhenNamedAndGoesThroughTheRelay() {
        assertThat(BenchOptions.parse().selected()).noneMatch(sc -> sc.group().equals("S10"));
        assertThat(BenchOptions.parse("--scenario", "S10").selected())
                .extracting(Scenario::id)
                .containsExactly(
                        "S10-fixed-0ms",
                        "S10-adaptive-0ms",
                        "S10-fixed-10ms",
                        "S10-adaptive-10ms",
                        "S10-fixed-50ms",
                        "S10-adaptive-50ms",
                        "S10-slow-fixed",
                        "S10-slow-adaptive");
        Scenario slow =
                BenchOptions.parse("--scenario", "S10-slow-adaptive").selected().get(0);
        RunSpec spec = slow.spec(SystemKind.CREDITFLOW, 0, true);
        assertThat(spec.relayed()).isTrue();
        assertThat(RunSpec.fromJson(spec.toJson())).isEqualTo(spec);
        assertThat(slow.warmupMs())
                .as("the first 1 MiB window drains at 100 msg/s first")
                .isGreaterThan(10_000);
        RunSpec direct =
                BenchOptions.parse("--scenario", "S1").selected().get(0).spec(SystemKind.GRPC, 0, true);
        assertThat(direct.relayed()).isFalse();
        assertThat(RunSpec.fromJson(direct.toJson())).isEqualTo(direct);
        assertThat(BenchOptions.parse("--cf-windows", "fixed").cfWindows()).isEqualTo("fixed");
        assertThat(direct.withDefaultWindows("fixed").windows()).isEqualTo("fixed");
        assertThat(spec.withDefaultWindows("fixed").windows())
                .as("S10 chooses its own")
                .isEqualTo("adaptive");
    }

    @Test
    void quickIsShorterAndSmaller() {
        assertThat(Profile.QUICK.measureMs()).isLessThan(Profile.DEFAULT.measureMs());
        assertThat(Profile.QUICK.stallMs()).isEqualTo(10_000);
        assertThat(Profile.DEFAULT.stallMs()).isEqualTo(30_000);
        assertThat(Profile.DEFAULT.scaleStreams()).isEqualTo(10_000);
        assertThat(Profile.DEFAULT.scaleConnections()).isEqualTo(1_000);
    }

    @Test
    void rejectsWhatItDoesNotKnowAndSaysWhichOptionAndWhy() {
        assertThatThrownBy(() -> BenchOptions.parse("--scenario", "S99"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Invalid value for option '--scenarios' (LIST)")
                .hasMessageContaining("unknown scenario: S99 (expected one of [S1, S2,");
        assertThatThrownBy(() -> BenchOptions.parse("--systems", "grpc,zeromq"))
                .hasMessage("Invalid value for option '--systems': system: 'zeromq' (expected: " + SystemKind.labels()
                        + ")");
        assertThatThrownBy(() -> BenchOptions.parse("--json"))
                .hasMessageContaining("Missing required parameter for option '--json' (FILE)");
        assertThatThrownBy(() -> BenchOptions.parse("--json", "--quick"))
                .hasMessageContaining("Expected parameter for option '--json' but found '--quick'");
        assertThatThrownBy(() -> BenchOptions.parse("--fast")).hasMessageContaining("Unknown option: '--fast'");
        assertThatThrownBy(() -> BenchOptions.parse("S1")).hasMessageContaining("'S1'");
        assertThatThrownBy(() -> BenchOptions.parse("--scenario", " , "))
                .hasMessageContaining("option '--scenarios'")
                .hasMessageContaining("names no scenario (expected at least one)");
        assertThatThrownBy(() -> BenchOptions.parse("--systems", ","))
                .hasMessageContaining("names no system (expected at least one)");
        assertThatThrownBy(() -> BenchOptions.parse("--cf-windows", "big"))
                .hasMessage("Invalid value for option '--cf-windows': 'big' (expected: fixed or adaptive)");
    }

    @Test
    void everySystemIsNamedByItsLabelAndNettyStillMeansTheNaiveRow() {
        for (SystemKind k : SystemKind.values()) {
            assertThat(SystemKind.parse(k.label())).isEqualTo(k);
            assertThat(SystemKind.parse(" " + k.label().toUpperCase(java.util.Locale.ROOT) + " "))
                    .isEqualTo(k);
            assertThat(BenchOptions.usage()).contains(k.label());
        }
        assertThat(SystemKind.NETTY_BATCHED.label()).isEqualTo("netty-batched");
        assertThat(SystemKind.GRPC_TUNED.label()).isEqualTo("grpc-tuned");
        assertThat(BenchOptions.parse("--systems", "grpc-tuned,netty,netty-batched")
                        .systems())
                .containsExactly(SystemKind.NETTY_BATCHED, SystemKind.NETTY_NAIVE, SystemKind.GRPC_TUNED);
        assertThatThrownBy(() -> SystemKind.parse("netty-fast"))
                .hasMessageContaining("netty-fast")
                .hasMessageContaining(SystemKind.labels());
    }

    @Test
    void aMistypedOptionGetsASuggestion() {
        assertThatThrownBy(() -> BenchOptions.parse("--rep", "2"))
                .hasMessage("Unknown options: '--rep', '2' (did you mean --reps?)");
    }

    @Test
    void anOptionGivenTwiceKeepsItsLastValueAndScenariosAddUp() {
        BenchOptions o = BenchOptions.parse(
                "--systems",
                "grpc",
                "--systems",
                "netty",
                "--scenario",
                "S1",
                "--scenarios=s4",
                "--reps",
                "2",
                "--reps",
                "4",
                "--quick",
                "--quick");
        assertThat(o.systems()).containsExactly(SystemKind.NETTY_NAIVE);
        assertThat(o.scenarioIds()).containsExactly("S1", "S4");
        assertThat(o.reps()).isEqualTo(4);
        assertThat(o.profile()).isEqualTo(Profile.QUICK);
        assertThat(BenchOptions.parse("--system", "netty,netty , creditflow").systems())
                .as("each system once, in declaration order")
                .containsExactly(SystemKind.CREDITFLOW, SystemKind.NETTY_NAIVE);
        assertThat(BenchOptions.parse("-v").verbose()).isTrue();
        assertThat(BenchOptions.parse("--json", "@out.jsonl").json())
                .as("an @-argument is a path, not a file of arguments")
                .isEqualTo(Path.of("@out.jsonl"));
    }

    @Test
    void helpIsAnOptionAndTheUsageNamesEveryOption() {
        assertThat(BenchOptions.parse("--help").help()).isTrue();
        assertThat(BenchOptions.parse("-h").help()).isTrue();
        assertThat(BenchOptions.parse().help()).isFalse();
        assertThat(BenchOptions.usage())
                .startsWith("Usage: creditflow bench")
                .contains(
                        "--quick",
                        "--scenario",
                        "--systems",
                        "--json",
                        "--chart",
                        "--cf-pull",
                        "--cf-windows",
                        "--reps",
                        "--seed",
                        "--verbose",
                        "--no-load-check",
                        "--help",
                        "S11-catch-up",
                        "Scenarios: S1 one stream 1 KiB");
    }

    @Test
    void badArgumentsExitWithTwoAndHelpWithZero() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(out, true);
        assertThat(BenchMain.run(new String[] {"--nope"}, ps, ps)).isEqualTo(2);
        assertThat(BenchMain.run(new String[] {"--help"}, ps, ps)).isZero();
        assertThat(out.toString()).contains("creditflow bench: Unknown option: '--nope'", "Usage: creditflow bench");
    }

    @Test
    void repetitionsDefaultToThreeAndAreBounded() {
        assertThat(BenchOptions.parse().reps()).isEqualTo(3);
        assertThat(BenchOptions.parse().seed()).isNull();
        BenchOptions o = BenchOptions.parse("--reps", "5", "--seed=-12");
        assertThat(o.reps()).isEqualTo(5);
        assertThat(o.seed()).isEqualTo(-12L);
        assertThat(BenchOptions.parse("--seed", "-7").seed()).isEqualTo(-7L);
        assertThat(BenchOptions.parse("--reps=1").reps()).isEqualTo(1);
        assertThat(BenchOptions.parse("--reps=50").reps()).isEqualTo(50);
        assertThatThrownBy(() -> BenchOptions.parse("--reps", "0"))
                .hasMessageContaining("Invalid value for option '--reps'")
                .hasMessageContaining("0 (expected 1 to 50)");
        assertThatThrownBy(() -> BenchOptions.parse("--reps", "51")).hasMessageContaining("51 (expected 1 to 50)");
        assertThatThrownBy(() -> BenchOptions.parse("--reps", "x")).hasMessageContaining("'x' is not a number");
        assertThatThrownBy(() -> BenchOptions.parse("--seed", "1.5"))
                .hasMessageContaining("Invalid value for option '--seed'")
                .hasMessageContaining("'1.5'");
    }
}
