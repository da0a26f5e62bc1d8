package io.creditflow.bench.harness;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The stdout table and the chart's panels, both read from the rows. */
final class Report {
    private Report() {}

    /** A table column: a header and one or two fields (two print as "receiver / sender"). */
    record Col(String header, Fmt fmt, String... fields) {}

    enum Fmt {
        RATE,
        F0,
        F1,
        F2,
        F3,
        BYTES,
        TEXT
    }

    private static List<Col> columns(Kind kind) {
        return switch (kind) {
            case THROUGHPUT ->
                List.of(
                        new Col("msgs/s", Fmt.RATE, "msgs_per_s"),
                        new Col("MiB/s", Fmt.F1, "mib_per_s"),
                        new Col("CPU s/M", Fmt.F2, "cpu_s_per_million"),
                        new Col("cf/this msgs/s", Fmt.F2, "cf_ratio_msgs_per_s"),
                        new Col("cf/this CPU/M", Fmt.F2, "cf_ratio_cpu_s_per_million"),
                        new Col("CPU s/M r / s", Fmt.F2, "cpu_s_per_million_receiver", "cpu_s_per_million_sender"),
                        new Col("heap MiB r / s", Fmt.F0, "heap_peak_mib_receiver", "heap_peak_mib_sender"),
                        new Col("direct MiB r / s", Fmt.F1, "direct_peak_mib_receiver", "direct_peak_mib_sender"),
                        new Col(
                                "JDK direct r / s",
                                Fmt.F1,
                                "direct_jdk_peak_mib_receiver",
                                "direct_jdk_peak_mib_sender"));
            case SLOW_STREAM ->
                List.of(
                        new Col("fast msgs/s", Fmt.RATE, "fast_msgs_per_s"),
                        new Col("vs S2 x15/16", Fmt.F2, "fast_ratio_vs_reference"),
                        new Col("slow msgs/s", Fmt.F0, "slow_msgs_per_s"),
                        new Col("unconsumed max", Fmt.BYTES, "unconsumed_max_bytes"),
                        new Col("rcv held peak", Fmt.BYTES, "receiver_held_peak_bytes"),
                        new Col("snd queue", Fmt.BYTES, "sender_queued_bytes"),
                        new Col("window", Fmt.BYTES, "window_bytes"),
                        new Col("CPU s/M", Fmt.F2, "cpu_s_per_million"),
                        new Col("heap MiB r / s", Fmt.F0, "heap_peak_mib_receiver", "heap_peak_mib_sender"));
            case STALL ->
                List.of(
                        new Col("heap +MiB r / s", Fmt.F1, "heap_growth_mib_receiver", "heap_growth_mib_sender"),
                        new Col(
                                "after GC r / s",
                                Fmt.F1,
                                "heap_retained_growth_mib_receiver",
                                "heap_retained_growth_mib_sender"),
                        new Col("direct +MiB r / s", Fmt.F1, "direct_growth_mib_receiver", "direct_growth_mib_sender"),
                        new Col(
                                "JDK direct + r / s",
                                Fmt.F1,
                                "direct_jdk_growth_mib_receiver",
                                "direct_jdk_growth_mib_sender"),
                        new Col("unconsumed max", Fmt.BYTES, "unconsumed_max_bytes"),
                        new Col("rcv held peak", Fmt.BYTES, "receiver_held_peak_bytes"),
                        new Col("snd queue", Fmt.BYTES, "sender_queued_bytes"),
                        new Col("window+msg", Fmt.BYTES, "bound_bytes"));
            case LATENCY ->
                List.of(
                        new Col("offered/s", Fmt.RATE, "offered_msgs_per_s"),
                        new Col("achieved/s", Fmt.RATE, "msgs_per_s"),
                        new Col("p50 us", Fmt.F0, "p50_us"),
                        new Col("p99 us", Fmt.F0, "p99_us"),
                        new Col("p99.9 us", Fmt.F0, "p999_us"),
                        new Col("max us", Fmt.F0, "max_us"),
                        new Col("CPU s/M", Fmt.F2, "cpu_s_per_million"));
            case SCALE ->
                List.of(
                        new Col("count", Fmt.RATE, "count"),
                        new Col("setup s", Fmt.F2, "setup_s"),
                        new Col("heap B/stream rcv", Fmt.F0, "heap_per_stream_bytes_receiver"),
                        new Col("heap B/stream snd", Fmt.F0, "heap_per_stream_bytes_sender"));
            case BROKER ->
                List.of(
                        new Col("policy", Fmt.TEXT, "policy"),
                        new Col("producer/s", Fmt.RATE, "producer_msgs_per_s"),
                        new Col("15 fast agg/s", Fmt.RATE, "fast_consumers_msgs_per_s"),
                        new Col("slow/s", Fmt.F0, "slow_consumer_msgs_per_s"),
                        new Col("buffered peak", Fmt.BYTES, "broker_buffered_peak_bytes"),
                        new Col("budget", Fmt.BYTES, "broker_budget_bytes"),
                        new Col("dropped", Fmt.RATE, "broker_dropped_msgs"),
                        new Col("evicted", Fmt.TEXT, "slow_evicted"),
                        new Col("slow gaps", Fmt.RATE, "slow_gap_records"),
                        new Col("vs disconnect", Fmt.F2, "fast_ratio_vs_reference"),
                        new Col("slow lost", Fmt.RATE, "slow_lost_records"),
                        new Col("disk peak", Fmt.BYTES, "disk_peak_bytes"));
            case PRODUCER ->
                List.of(
                        new Col("fsync", Fmt.TEXT, "fsync"),
                        new Col("offered/s", Fmt.RATE, "offered_msgs_per_s"),
                        new Col("producer/s", Fmt.RATE, "producer_msgs_per_s"),
                        new Col("vs memory", Fmt.F2, "producer_ratio_vs_reference"),
                        new Col("consumer/s", Fmt.RATE, "consumer_msgs_per_s"),
                        new Col("ack p50 us", Fmt.F0, "ack_p50_us"),
                        new Col("ack p99 us", Fmt.F0, "ack_p99_us"),
                        new Col("ack p99.9 us", Fmt.F0, "ack_p999_us"),
                        new Col("ack max us", Fmt.F0, "ack_max_us"),
                        new Col("disk peak", Fmt.BYTES, "disk_peak_bytes"),
                        new Col("CPU s/M", Fmt.F2, "cpu_s_per_million"));
            case CATCH_UP ->
                List.of(
                        new Col("cache", Fmt.TEXT, "cache"),
                        new Col("records", Fmt.RATE, "backlog_records"),
                        new Col("on disk", Fmt.BYTES, "backlog_disk_bytes"),
                        new Col("done", Fmt.TEXT, "catch_up_done"),
                        new Col("s", Fmt.F2, "catch_up_s"),
                        new Col("first s", Fmt.F3, "catch_up_first_record_s"),
                        new Col("MiB/s", Fmt.F1, "catch_up_mib_per_s"),
                        new Col("records/s", Fmt.RATE, "catch_up_records_per_s"),
                        new Col("heap MiB r / s", Fmt.F0, "heap_peak_mib_receiver", "heap_peak_mib_sender"));
        };
    }

    /** True if a group's scenarios of this kind share one table (S8's policies, S11's producer runs). */
    private static boolean grouped(Kind kind) {
        return kind == Kind.BROKER || kind == Kind.PRODUCER;
    }

    /** Prints one table per scenario (S8's policies in one, S11's producer runs in one), in run order. */
    static void table(List<Scenario> scenarios, List<Row> rows, PrintStream out) {
        java.util.Set<Kind> groupsDone = java.util.EnumSet.noneOf(Kind.class);
        for (Scenario sc : scenarios) {
            List<Row> mine;
            String title;
            if (grouped(sc.kind())) {
                if (!groupsDone.add(sc.kind())) {
                    continue;
                }
                java.util.Set<String> ids = new java.util.HashSet<>();
                scenarios.stream().filter(x -> x.kind() == sc.kind()).forEach(x -> ids.add(x.id()));
                mine = rows.stream()
                        .filter(r -> ids.contains(r.scenario()))
                        .sorted(java.util.Comparator.comparing(Row::system))
                        .toList();
                title = sc.kind() == Kind.BROKER
                        ? "broker: 1 producer, 16 consumers on their own subscriptions; the slow one (100 msg/s) "
                                + "has the policy, the 15 fast ones BLOCK (log: all log, durable topic; vs disconnect: "
                                + "the 15 fast consumers' rate / S8-disconnect's)"
                        : "broker producer (acks=durable) and 1 fast consumer: in-memory topic vs topic log; ack: "
                                + "send to acknowledgement; vs memory: producer rate / S11-memory's";
            } else {
                mine = rows.stream()
                        .filter(r -> r.scenario().equals(sc.id()))
                        .sorted(java.util.Comparator.comparing(Row::system))
                        .toList();
                title = sc.title();
            }
            if (mine.isEmpty()) {
                continue;
            }
            out.printf("%n%s  %s%n", grouped(sc.kind()) ? sc.group() : sc.id(), title);
            List<Col> cols = columns(sc.kind());
            int labelWidth = 13; // "netty-batched", and S11's scenario ids
            StringBuilder h = new StringBuilder(
                    String.format("  %-" + labelWidth + "s", sc.kind() == Kind.PRODUCER ? "scenario" : "system"));
            java.util.Map<Col, Integer> widths = new java.util.HashMap<>();
            for (Col c : cols) { // wide enough for "median (min..max)" cells
                int w = width(c);
                for (Row r : mine) {
                    if (r.ok()) {
                        w = Math.max(w, cell(r, c).length());
                    }
                }
                widths.put(c, w);
                h.append(String.format(" %" + w + "s", c.header()));
            }
            out.println(h);
            java.util.Set<SystemKind> naShown = java.util.EnumSet.noneOf(SystemKind.class);
            for (Row r : mine) {
                if ("n/a".equals(r.status()) && !naShown.add(r.system())) {
                    continue;
                }
                String label =
                        sc.kind() == Kind.PRODUCER ? r.scenario() : r.system().label();
                StringBuilder line = new StringBuilder(String.format("  %-" + labelWidth + "s", label));
                if (!r.ok()) {
                    line.append(' ').append(r.status()).append(": ").append(firstLine(String.valueOf(r.get("note"))));
                } else {
                    for (Col c : cols) {
                        line.append(String.format(" %" + widths.get(c) + "s", cell(r, c)));
                    }
                    Object note = r.get("note");
                    if (note != null) {
                        line.append("  (").append(note).append(')');
                    }
                }
                out.println(line);
            }
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static int width(Col c) {
        return Math.max(c.header().length(), c.fields().length == 2 ? 13 : 9);
    }

    /** A cell: "median (min..max)" for a ranged figure of several repetitions, else the value. */
    static String cell(Row r, Col c) {
        List<String> parts = new ArrayList<>();
        Double reps = r.number("reps");
        for (String f : c.fields()) {
            String v = format(r.get(f), c.fmt());
            if (reps != null && reps > 1 && Repetitions.RANGED.contains(f) && r.get(f + "_min") != null) {
                v += " (" + format(r.get(f + "_min"), c.fmt()) + ".." + format(r.get(f + "_max"), c.fmt()) + ")";
            }
            parts.add(v);
        }
        return String.join(" / ", parts);
    }

    static String format(Object v, Fmt fmt) {
        if (v == null) {
            return "-";
        }
        if (!(v instanceof Number n) || fmt == Fmt.TEXT) {
            return String.valueOf(v);
        }
        double d = n.doubleValue();
        return switch (fmt) {
            case RATE -> String.format(Locale.ROOT, "%,.0f", d);
            case F0 -> String.format(Locale.ROOT, "%.0f", d);
            case F1 -> String.format(Locale.ROOT, "%.1f", d);
            case F2 -> String.format(Locale.ROOT, "%.2f", d);
            case F3 -> String.format(Locale.ROOT, "%.3f", d);
            case BYTES -> bytes(d);
            case TEXT -> String.valueOf(v);
        };
    }

    static String bytes(double b) {
        double a = Math.abs(b);
        if (a < 1024) {
            return String.format(Locale.ROOT, "%.0f B", b);
        }
        if (a < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024);
        }
        return String.format(Locale.ROOT, "%.1f MiB", b / (1024 * 1024));
    }

    /** The chart: one panel per scenario (S8's policies share one), the headline figure of each. */
    static List<SvgChart.Panel> panels(List<Scenario> scenarios, List<Row> rows) {
        List<SvgChart.Panel> panels = new ArrayList<>();
        List<SvgChart.Bar> broker = new ArrayList<>();
        List<SvgChart.Bar> producer = new ArrayList<>();
        for (Scenario sc : scenarios) {
            List<Row> mine = rows.stream()
                    .filter(r -> r.scenario().equals(sc.id()))
                    .sorted(java.util.Comparator.comparing(Row::system))
                    .toList();
            if (mine.isEmpty()) {
                continue;
            }
            if (sc.kind() == Kind.BROKER) {
                mine.stream()
                        .filter(r -> r.system() == SystemKind.CREDITFLOW)
                        .forEach(r -> broker.add(new SvgChart.Bar(
                                sc.policy(), r.ok() ? r.number("fast_consumers_msgs_per_s") : null, r.status())));
                continue;
            }
            if (sc.kind() == Kind.PRODUCER) {
                mine.stream()
                        .filter(r -> r.system() == SystemKind.CREDITFLOW)
                        .forEach(r -> producer.add(new SvgChart.Bar(
                                sc.id().substring(sc.group().length() + 1),
                                r.ok() ? r.number("ack_p99_us") : null,
                                r.status())));
                continue;
            }
            String field;
            String unit;
            switch (sc.kind()) {
                case THROUGHPUT -> {
                    boolean big = sc.payloadBytes() > Scenario.KIB;
                    field = big ? "mib_per_s" : "msgs_per_s";
                    unit = big ? "MiB/s (higher is better)" : "messages/s (higher is better)";
                }
                case SLOW_STREAM -> {
                    field = "fast_ratio_vs_reference";
                    unit = "15 fast streams' rate / (S2 rate x 15/16) (1.0 = unharmed)";
                }
                case STALL -> {
                    field = null;
                    unit = "receiver heap + direct growth over the stall, MiB (lower is better)";
                }
                case LATENCY -> {
                    field = "p99_us";
                    unit = "p99 latency, microseconds (lower is better)";
                }
                case SCALE -> {
                    field = "heap_per_stream_bytes_receiver";
                    unit = "receiver heap bytes per idle stream (lower is better)";
                }
                case CATCH_UP -> {
                    field = "catch_up_mib_per_s";
                    Object cache = mine.get(0).get("cache");
                    unit = "MiB/s read from the backlog" + (cache == null ? "" : ", page cache " + cache)
                            + " (higher is better)";
                }
                default -> throw new IllegalStateException();
            }
            List<SvgChart.Bar> bars = new ArrayList<>();
            for (Row r : mine) {
                Double v = null;
                if (r.ok()) {
                    v = field != null
                            ? r.number(field)
                            : sumOrNull(r.number("heap_growth_mib_receiver"), r.number("direct_growth_mib_receiver"));
                }
                bars.add(new SvgChart.Bar(r.system().label(), v, r.status()));
            }
            panels.add(new SvgChart.Panel(sc.id() + ": " + sc.title(), unit, bars));
        }
        if (!broker.isEmpty()) {
            panels.add(new SvgChart.Panel(
                    "S8: broker (creditflow), per policy", "15 fast consumers' aggregate messages/s", broker));
        }
        if (!producer.isEmpty()) {
            panels.add(new SvgChart.Panel(
                    "S11: broker producer, in-memory topic vs topic log",
                    "p99 send-to-acknowledgement latency, microseconds (lower is better)",
                    producer));
        }
        return panels;
    }

    private static Double sumOrNull(Double a, Double b) {
        if (a == null && b == null) {
            return null;
        }
        return (a == null ? 0 : a) + (b == null ? 0 : b);
    }
}
