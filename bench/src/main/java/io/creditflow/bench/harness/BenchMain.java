package io.creditflow.bench.harness;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The scenario harness's entry point ({@code ./creditflow bench}, or
 * {@code java -cp bench/target/benchmarks.jar io.creditflow.bench.harness.BenchMain}): checks how busy
 * the machine is, runs the selected scenarios in child JVMs, prints the table, writes the JSON lines
 * and the chart.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the harness; returns the exit code (0 all ran, 1 some run failed, 2 bad arguments). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("creditflow bench: " + e.getMessage());
            err.println(BenchOptions.usage());
            return 2;
        }
        if (options.help()) {
            out.println(BenchOptions.usage());
            return 0;
        }
        long start = System.nanoTime();
        List<Scenario> scenarios = options.selected();
        Map<String, Object> machine = Map.of();
        if (options.loadCheck()) {
            try {
                MachineLoad load = MachineLoad.sample(1000);
                machine = load.toMap();
                out.println("machine: " + load.describe());
                if (load.busy()) {
                    out.println("WARNING: the machine is already busy; figures will be low and noisy. "
                            + "Compare systems within this run only.");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
        out.printf(
                "creditflow bench (%s): %s; systems %s%n",
                options.profile().name(),
                scenarios.stream().map(Scenario::id).collect(Collectors.joining(" ")),
                options.systems().stream().map(SystemKind::label).collect(Collectors.joining(", ")));
        out.printf(
                "children: %s, one receiver and one sender JVM per system on this classpath; loopback TCP; "
                        + "creditflow and both raw Netty programs on %s; gRPC on its default transport%n",
                String.join(" ", ChildProcess.JVM_OPTIONS),
                io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "NIO (epoll unavailable)");
        List<Row> rows;
        try (Orchestrator orchestrator = new Orchestrator(options, machine, out);
                BufferedWriter json = options.json() == null ? null : open(options.json())) {
            orchestrator.runAll(scenarios, row -> {
                if (json != null) {
                    try {
                        json.write(row.toJson());
                        json.write('\n');
                        json.flush();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            rows = orchestrator.rows();
        } catch (IOException | UncheckedIOException e) {
            err.println("creditflow bench: cannot write " + options.json() + ": " + e.getMessage());
            return 1;
        }
        Report.table(scenarios, rows, out);
        if (options.chart() != null) {
            try {
                String subtitle = String.format(
                        Locale.ROOT,
                        "%s profile; %s; %s",
                        options.profile().name(),
                        machine.isEmpty()
                                ? "machine load not sampled"
                                : String.format(
                                        Locale.ROOT,
                                        "load %.2f on %s cores, others used %.2f cores at start",
                                        (Double) machine.get("load1"),
                                        machine.get("cores"),
                                        machine.get("other_cpu_cores")),
                        String.join(" ", ChildProcess.JVM_OPTIONS));
                Files.writeString(
                        options.chart(),
                        SvgChart.render(
                                "creditflow vs raw Netty vs gRPC-java", subtitle, Report.panels(scenarios, rows)),
                        StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("creditflow bench: cannot write " + options.chart() + ": " + e.getMessage());
                return 1;
            }
        }
        if (Boolean.TRUE.equals(machine.get("busy"))) { // said before the table too: the figures are not for publishing
            out.println();
            out.println("WARNING: the machine was busy when this run started (machine_busy in every row): "
                    + "do not publish these figures.");
        }
        long errors = rows.stream().filter(r -> "error".equals(r.status())).count();
        out.printf(
                "%ndone in %.0f s: %d rows, %d errors%s%s%n",
                (System.nanoTime() - start) / 1e9,
                rows.size(),
                errors,
                options.json() == null ? "" : "; JSON lines in " + options.json(),
                options.chart() == null ? "" : "; chart in " + options.chart());
        return errors > 0 ? 1 : 0;
    }

    private static BufferedWriter open(Path p) throws IOException {
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return Files.newBufferedWriter(p, StandardCharsets.UTF_8);
    }
}
