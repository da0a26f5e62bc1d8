package io.creditflow.bench.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * {@code --reps}: the order of the systems in each repetition, the ratios between systems within one
 * repetition, and the rows of all repetitions of one (scenario, system) folded into one row.
 */
final class Repetitions {
    /** The figures reported as median with {@code _min} and {@code _max}. */
    static final List<String> RANGED = List.of(
            "msgs_per_s", "mib_per_s", "cpu_s_per_million", "cf_ratio_msgs_per_s", "cf_ratio_cpu_s_per_million");

    private Repetitions() {}

    /** The systems in this repetition's order: shuffled by the run's seeded random. */
    static List<SystemKind> order(List<SystemKind> systems, Random random) {
        List<SystemKind> l = new ArrayList<>(systems);
        Collections.shuffle(l, random);
        return l;
    }

    /**
     * Within one repetition of one scenario: every ok row but creditflow's gets creditflow's msgs/s over
     * its own ({@code cf_ratio_msgs_per_s}, above 1 where creditflow is faster) and creditflow's CPU
     * seconds per million messages over its own ({@code cf_ratio_cpu_s_per_million}, below 1 where
     * creditflow is cheaper). Taken pair by pair here, so the median over repetitions is a median of
     * same-moment ratios, not a ratio of medians taken at different moments.
     */
    static void pairRatios(List<Row> oneRepetition) {
        Row cf = null;
        for (Row r : oneRepetition) {
            if (r.system() == SystemKind.CREDITFLOW && r.ok()) {
                cf = r;
            }
        }
        if (cf == null) {
            return;
        }
        for (Row r : oneRepetition) {
            if (r == cf || !r.ok()) {
                continue;
            }
            r.set("cf_ratio_msgs_per_s", ratio(cf.number("msgs_per_s"), r.number("msgs_per_s")));
            r.set("cf_ratio_cpu_s_per_million", ratio(cf.number("cpu_s_per_million"), r.number("cpu_s_per_million")));
        }
    }

    private static Double ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? null : a / b;
    }

    /** The median of the values (the mean of the middle two for an even count), or null for none. */
    static Double median(List<Double> values) {
        double[] v = values.stream()
                .filter(x -> x != null && Double.isFinite(x))
                .mapToDouble(Double::doubleValue)
                .sorted()
                .toArray();
        if (v.length == 0) {
            return null;
        }
        int m = v.length / 2;
        return v.length % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
    }

    /**
     * One row from the repetitions of one (scenario, system), in run order: each numeric figure is the
     * median over the ok repetitions, the {@link #RANGED} ones with their {@code _min} and {@code _max};
     * text figures are the first ok repetition's; {@code delivery_ok} holds only if it held in every
     * repetition that checked it; {@code reps} counts the ok repetitions. If any repetition failed, the
     * row is an error row that says which and why (with the others' figures); if none was ok, it is the
     * first failed one. A n/a row stays n/a.
     */
    static Row aggregate(List<Row> reps) {
        if (reps.isEmpty()) {
            throw new IllegalArgumentException("no repetitions");
        }
        List<Row> ok = reps.stream().filter(Row::ok).toList();
        if (ok.isEmpty()) {
            Row first = reps.get(0).copy();
            if (!"n/a".equals(first.status())) {
                first.set("reps", 0);
            }
            return first;
        }
        Row out = ok.get(0).copy();
        for (String f : Row.FIELDS) {
            if (f.endsWith("_min") || f.endsWith("_max") || f.equals("reps")) {
                continue;
            }
            if (!(out.get(f) instanceof Number)) {
                continue;
            }
            List<Double> values = new ArrayList<>();
            for (Row r : ok) {
                values.add(r.number(f));
            }
            Double med = median(values);
            boolean integral = ok.stream()
                    .allMatch(r -> r.get(f) == null || r.get(f) instanceof Long || r.get(f) instanceof Integer);
            out.set(f, integral && med != null && med == Math.rint(med) ? (Object) med.longValue() : med);
            if (RANGED.contains(f)) {
                double[] v = values.stream()
                        .filter(x -> x != null)
                        .mapToDouble(Double::doubleValue)
                        .toArray();
                out.set(
                        f + "_min",
                        v.length == 0 ? null : Arrays.stream(v).min().getAsDouble());
                out.set(
                        f + "_max",
                        v.length == 0 ? null : Arrays.stream(v).max().getAsDouble());
            }
        }
        boolean anyChecked = false;
        boolean delivered = true;
        for (Row r : reps) {
            if (r.get("delivery_ok") instanceof Boolean b) {
                anyChecked = true;
                delivered &= b;
            }
        }
        out.set("delivery_ok", anyChecked ? delivered : null);
        out.set("reps", ok.size());
        StringBuilder failed = new StringBuilder();
        for (int k = 0; k < reps.size(); k++) {
            Row r = reps.get(k);
            if (!r.ok()) {
                failed.append(failed.length() == 0 ? "" : "; ")
                        .append("repetition ")
                        .append(k + 1)
                        .append(": ")
                        .append(r.get("note"));
            }
        }
        if (failed.length() > 0) {
            out.set("status", "error");
            out.set("note", failed.toString());
        }
        return out;
    }
}
