package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepetitionsTest {
    private static final Scenario S1 = Scenario.catalogue(Profile.QUICK).stream()
            .filter(s -> s.id().equals("S1"))
            .findFirst()
            .orElseThrow();

    private static Row row(SystemKind s, double msgs, double cpu) {
        return Row.of(S1, s, null)
                .set("msgs_per_s", msgs)
                .set("mib_per_s", msgs / 1024)
                .set("cpu_s_per_million", cpu)
                .set("sent_msgs", (long) msgs)
                .set("transport", "epoll")
                .set("delivery_ok", true);
    }

    @Test
    void medianOfOddAndEvenCountsIgnoresMissingValues() {
        assertThat(Repetitions.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(Repetitions.median(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(2.5);
        assertThat(Repetitions.median(Arrays.asList(5.0, null, Double.NaN))).isEqualTo(5.0);
        assertThat(Repetitions.median(List.of())).isNull();
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 7, 2024, -3})
    void theMedianIsOneOfTheValuesAndTheRangeHoldsThemAll(long seed) {
        Random rnd = new Random(seed);
        int n = 1 + 2 * rnd.nextInt(5); // odd
        List<Row> reps = new ArrayList<>();
        double[] v = new double[n];
        for (int k = 0; k < n; k++) {
            v[k] = 1000 + rnd.nextInt(100_000);
            reps.add(row(SystemKind.NETTY_NAIVE, v[k], rnd.nextDouble() * 10));
        }
        Row out = Repetitions.aggregate(reps);
        Arrays.sort(v);
        assertThat(out.number("msgs_per_s")).isEqualTo(v[n / 2]);
        assertThat(out.number("msgs_per_s_min")).isEqualTo(v[0]);
        assertThat(out.number("msgs_per_s_max")).isEqualTo(v[n - 1]);
        assertThat(out.number("mib_per_s")).isCloseTo(v[n / 2] / 1024, within(1e-9));
        assertThat(out.get("sent_msgs")).isEqualTo((long) v[n / 2]); // counts stay integers
        assertThat(out.number("reps")).isEqualTo((double) n);
        assertThat(out.get("delivery_ok")).isEqualTo(true);
        assertThat(out.status()).isEqualTo("ok");
    }

    @Test
    void ratiosArePairedWithinARepetitionThenTheirMedianIsTaken() {
        // creditflow and netty both swing with the machine; their ratio is steady at 2 in each repetition
        double[] cf = {200, 1000, 600};
        double[] netty = {100, 500, 300};
        List<Row> nettyReps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Row c = row(SystemKind.CREDITFLOW, cf[k], 1.0);
            Row n = row(SystemKind.NETTY_NAIVE, netty[k], 4.0);
            Repetitions.pairRatios(List.of(n, c));
            assertThat(c.get("cf_ratio_msgs_per_s")).isNull();
            nettyReps.add(n);
        }
        Row out = Repetitions.aggregate(nettyReps);
        assertThat(out.number("cf_ratio_msgs_per_s")).isEqualTo(2.0);
        assertThat(out.number("cf_ratio_msgs_per_s_min")).isEqualTo(2.0);
        assertThat(out.number("cf_ratio_msgs_per_s_max")).isEqualTo(2.0);
        assertThat(out.number("cf_ratio_cpu_s_per_million")).isEqualTo(0.25);
    }

    @Test
    void theMedianOfPairedRatiosIsNotTheRatioOfMedians() {
        double[] cf = {100, 1000, 500};
        double[] netty = {100, 250, 1000}; // paired ratios 1, 4, 0.5; medians 500 / 250 would say 2
        List<Row> nettyReps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Row n = row(SystemKind.NETTY_NAIVE, netty[k], 1);
            Repetitions.pairRatios(List.of(row(SystemKind.CREDITFLOW, cf[k], 1), n));
            nettyReps.add(n);
        }
        Row out = Repetitions.aggregate(nettyReps);
        assertThat(out.number("cf_ratio_msgs_per_s")).isEqualTo(1.0);
        assertThat(out.number("cf_ratio_msgs_per_s_min")).isEqualTo(0.5);
        assertThat(out.number("cf_ratio_msgs_per_s_max")).isEqualTo(4.0);
    }

    @Test
    void noRatioWithoutAnOkCreditflowRow() {
        Row c = Row.error(S1, SystemKind.CREDITFLOW, null, "boom");
        Row n = row(SystemKind.NETTY_NAIVE, 100, 1);
        Repetitions.pairRatios(List.of(c, n));
        assertThat(n.get("cf_ratio_msgs_per_s")).isNull();
    }

    @Test
    void aFailedRepetitionMakesAnErrorRowThatKeepsTheOthersFigures() {
        Row bad = row(SystemKind.GRPC, 10, 1)
                .set("delivery_ok", false)
                .set("status", "error")
                .set("note", "delivery: 3 missing");
        Row out = Repetitions.aggregate(List.of(row(SystemKind.GRPC, 100, 1), bad, row(SystemKind.GRPC, 300, 1)));
        assertThat(out.status()).isEqualTo("error");
        assertThat((String) out.get("note")).isEqualTo("repetition 2: delivery: 3 missing");
        assertThat(out.number("msgs_per_s")).isEqualTo(200.0); // median of the two ok ones
        assertThat(out.number("reps")).isEqualTo(2.0);
        assertThat(out.get("delivery_ok")).isEqualTo(false);
        assertThat(out.get("transport")).isEqualTo("epoll");
    }

    @Test
    void allFailedGivesTheFirstFailureAndNotApplicableStaysSo() {
        Row e1 = Row.error(S1, SystemKind.GRPC, null, "first");
        Row e2 = Row.error(S1, SystemKind.GRPC, null, "second");
        Row out = Repetitions.aggregate(List.of(e1, e2));
        assertThat(out.status()).isEqualTo("error");
        assertThat(out.get("note")).isEqualTo("first");
        assertThat(out.number("reps")).isEqualTo(0.0);
        assertThat(e1.get("reps")).as("the input is not changed").isNull();
    }

    @Test
    void theOrderIsAShuffleThatTheSeedRepeats() {
        List<SystemKind> all = List.of(SystemKind.CREDITFLOW, SystemKind.GRPC, SystemKind.NETTY_NAIVE);
        Random a = new Random(99);
        Random b = new Random(99);
        java.util.Set<List<SystemKind>> seen = new java.util.HashSet<>();
        for (int k = 0; k < 50; k++) {
            List<SystemKind> x = Repetitions.order(all, a);
            assertThat(x).containsExactlyInAnyOrderElementsOf(all);
            assertThat(Repetitions.order(all, b)).isEqualTo(x);
            seen.add(x);
        }
        assertThat(seen).as("orders vary from repetition to repetition").hasSizeGreaterThan(1);
    }

    @Test
    void theTableShowsMedianAndRangeForSeveralRepetitionsOnly() {
        Row out = Repetitions.aggregate(List.of(
                row(SystemKind.NETTY_NAIVE, 1000, 1),
                row(SystemKind.NETTY_NAIVE, 3000, 2),
                row(SystemKind.NETTY_NAIVE, 2000, 3)));
        Report.Col col = new Report.Col("msgs/s", Report.Fmt.RATE, "msgs_per_s");
        assertThat(Report.cell(out, col)).isEqualTo("2,000 (1,000..3,000)");
        Row one = Repetitions.aggregate(List.of(row(SystemKind.NETTY_NAIVE, 1000, 1)));
        assertThat(Report.cell(one, col)).isEqualTo("1,000");
    }
}
