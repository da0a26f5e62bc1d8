package io.creditflow.bench.kafka;

import io.creditflow.bench.harness.Json;
import io.creditflow.bench.harness.MachineLoad;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The durable log against Kafka, in one invocation: for each round and system, a fresh broker JVM (creditflow's
 * with a topic log, or a real Kafka 4.4 broker in KRaft mode) with its data in a new temporary folder, and a
 * fresh client JVM ({@link LoadMain}) with one producer at full speed with acknowledgements, a fast consumer
 * and one at 100 msg/s on separate subscriptions (consumer groups), 1 KiB messages. After the measured window
 * the producer stops; once its last messages are acknowledged the slow consumer speeds up and must catch up
 * with every acknowledged message (catch-up time: from the speed-up until it has them all). This process samples the broker's
 * {@code VmRSS} every 50 ms and reads its {@code VmHWM} and CPU time from {@code /proc}. The systems alternate
 * in order from round to round; the summary gives medians with min..max and the ratios creditflow / Kafka.
 *
 * <p>Kafka's jars are on the Kafka broker's and the Kafka clients' classpath only ({@code --kafka-lib}, by
 * default {@code kafka-lib} beside this jar, filled by the bench module's package phase); the creditflow JVMs
 * run on this jar alone. {@code --help} lists the options.
 */
public final class LogVsKafka {
    static final String USAGE = """
            Usage: java -cp bench/target/benchmarks.jar io.creditflow.bench.kafka.LogVsKafka [options]
              --rounds N              repetitions, systems alternating in order (default 3)
              --systems LIST          creditflow,kafka (default both)
              --warmup S              unmeasured seconds before the window (default 5)
              --window S              measured seconds (default 20)
              --slow-rate R           the slow consumer's msg/s until it speeds up (default 100)
              --size B                payload bytes (default 1024)
              --producer-rate R       pace both producers to R msg/s: equal backlogs for the catch-up (default 0: full speed)
              --catch-up-timeout S    longest wait for the slow consumer to catch up (default 120)
              --cf-fsync MODE         creditflow's --fsync: always|batch|interval=MS|never (default batch)
              --cf-log-max-bytes N    creditflow's log bound (default 8 GiB)
              --kafka-flush F         default (Kafka's: no fsync before the ack) | each (log.flush.interval.messages=1)
              --kafka-producer K=V    a Kafka producer setting over the defaults (repeatable)
              --broker-jvm OPTS       both brokers' JVM options (default "-Xms128m -Xmx384m -XX:+UseG1GC")
              --client-jvm OPTS       the client JVM's options (default "-Xmx1g -XX:+UseParallelGC")
              --kafka-lib DIR         Kafka's jars (default: kafka-lib beside this jar)
              --json FILE             append every run as one JSON line
              --wait-quiet S          wait up to S seconds for a quiet machine before each run (default 600)
              --allow-busy            run on a busy machine anyway (the runs are labelled busy)
            """;

    private LogVsKafka() {}

    /** The parsed command line. */
    static final class Options {
        int rounds = 3;
        List<String> systems = List.of("creditflow", "kafka");
        long warmupMs = 5_000;
        long windowMs = 20_000;
        double slowRate = 100;
        int size = 1024;
        double producerRate;
        long catchUpTimeoutMs = 120_000;
        String cfFsync = "batch";
        long cfLogMaxBytes = 8L << 30;
        String kafkaFlush = "default";
        List<String> kafkaProducer = new ArrayList<>();
        List<String> brokerJvm = List.of("-Xms128m", "-Xmx384m", "-XX:+UseG1GC");
        List<String> clientJvm = List.of("-Xmx1g", "-XX:+UseParallelGC");
        Path kafkaLib;
        Path json;
        long waitQuietMs = 600_000;
        boolean allowBusy;
        boolean help;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                if (a.equals("--help") || a.equals("-h")) {
                    o.help = true;
                    continue;
                }
                if (a.equals("--allow-busy")) {
                    o.allowBusy = true;
                    continue;
                }
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(a + ": missing value");
                }
                String v = args[++i];
                switch (a) {
                    case "--rounds" -> o.rounds = positive(a, Integer.parseInt(v));
                    case "--systems" -> {
                        o.systems = List.of(v.split(","));
                        for (String s : o.systems) {
                            if (!s.equals("creditflow") && !s.equals("kafka")) {
                                throw new IllegalArgumentException(a + ": " + s + " (expected: creditflow, kafka)");
                            }
                        }
                    }
                    case "--warmup" -> o.warmupMs = millis(a, v, true);
                    case "--window" -> o.windowMs = millis(a, v, false);
                    case "--slow-rate" -> o.slowRate = positive(a, Double.parseDouble(v));
                    case "--size" -> o.size = Math.max(8, positive(a, Integer.parseInt(v)));
                    case "--producer-rate" -> {
                        o.producerRate = Double.parseDouble(v);
                        if (!(o.producerRate >= 0) || Double.isInfinite(o.producerRate)) {
                            throw new IllegalArgumentException(a + ": " + v + " (expected: >= 0 msg/s)");
                        }
                    }
                    case "--catch-up-timeout" -> o.catchUpTimeoutMs = millis(a, v, false);
                    case "--cf-fsync" ->
                        o.cfFsync = io.creditflow.log.FsyncMode.parse(v).toString();
                    case "--cf-log-max-bytes" -> o.cfLogMaxBytes = positive(a, Long.parseLong(v));
                    case "--kafka-flush" -> {
                        if (!v.equals("default") && !v.equals("each")) {
                            throw new IllegalArgumentException(a + ": " + v + " (expected: default or each)");
                        }
                        o.kafkaFlush = v;
                    }
                    case "--kafka-producer" -> {
                        if (v.indexOf('=') <= 0) {
                            throw new IllegalArgumentException(a + ": " + v + " (expected: KEY=VALUE)");
                        }
                        o.kafkaProducer.add(v);
                    }
                    case "--broker-jvm" -> o.brokerJvm = List.of(v.trim().split("\\s+"));
                    case "--client-jvm" -> o.clientJvm = List.of(v.trim().split("\\s+"));
                    case "--kafka-lib" -> o.kafkaLib = Path.of(v);
                    case "--json" -> o.json = Path.of(v);
                    case "--wait-quiet" -> o.waitQuietMs = millis(a, v, true);
                    default -> throw new IllegalArgumentException("unknown option: " + a);
                }
            }
            return o;
        }

        private static <N extends Number> N positive(String option, N n) {
            if (!(n.doubleValue() > 0)) {
                throw new IllegalArgumentException(option + ": " + n + " (expected: > 0)");
            }
            return n;
        }

        private static long millis(String option, String seconds, boolean zeroOk) {
            double s = Double.parseDouble(seconds);
            if (s < 0 || (!zeroOk && s == 0) || Double.isNaN(s) || Double.isInfinite(s)) {
                throw new IllegalArgumentException(
                        option + ": " + seconds + " (expected: seconds, " + (zeroOk ? ">= 0" : "> 0") + ")");
            }
            return Math.round(s * 1000);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("log-vs-kafka: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        if (o.help) {
            System.out.print(USAGE);
            return;
        }
        System.exit(run(o, System.out));
    }

    static int run(Options o, PrintStream out) throws Exception {
        Path self = Path.of(LogVsKafka.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        if (!Files.isRegularFile(self)) {
            throw new IllegalStateException("run it from bench/target/benchmarks.jar (found " + self + ")");
        }
        Path kafkaLib = o.kafkaLib != null ? o.kafkaLib : self.resolveSibling("kafka-lib");
        if (o.systems.contains("kafka") && !Files.isDirectory(kafkaLib)) {
            throw new IllegalStateException("no Kafka jars in " + kafkaLib
                    + ": build with ./mvnw -B -ntp -pl bench -am " + "package -DskipTests, or pass --kafka-lib");
        }
        String cfClasspath = self.toString();
        String kafkaClasspath = self + java.io.File.pathSeparator + kafkaLib.resolve("*");
        out.printf(
                Locale.ROOT,
                "durable log vs Kafka: %d round(s) of %s; warm-up %.0f s, window %.0f s; producers "
                        + "%s; %d-byte messages, slow consumer %.0f msg/s; creditflow fsync %s, log max %,d B; Kafka flush %s, "
                        + "producer acks=all enable.idempotence=true%s; broker JVMs %s; client JVM %s%n",
                o.rounds,
                o.systems,
                o.warmupMs / 1e3,
                o.windowMs / 1e3,
                o.producerRate > 0
                        ? String.format(Locale.ROOT, "paced to %,.0f msg/s", o.producerRate)
                        : "at full speed",
                o.size,
                o.slowRate,
                o.cfFsync,
                o.cfLogMaxBytes,
                o.kafkaFlush,
                o.kafkaProducer.isEmpty() ? " (batching defaults)" : " " + o.kafkaProducer,
                String.join(" ", o.brokerJvm),
                String.join(" ", o.clientJvm));
        List<Map<String, Object>> runs = new ArrayList<>();
        for (int round = 1; round <= o.rounds; round++) {
            List<String> order = new ArrayList<>(o.systems);
            if (round % 2 == 0) {
                java.util.Collections.reverse(order);
            }
            for (String system : order) {
                MachineLoad load = awaitQuiet(o, out);
                if (load == null) {
                    out.println("machine busy: not measured (--allow-busy runs anyway and labels the runs)");
                    return 3;
                }
                Map<String, Object> r =
                        runOne(o, system, round, load, system.equals("kafka") ? kafkaClasspath : cfClasspath);
                runs.add(r);
                out.println(line(r));
                if (o.json != null) {
                    Files.writeString(
                            o.json,
                            Json.write(r) + "\n",
                            java.nio.file.StandardOpenOption.CREATE,
                            java.nio.file.StandardOpenOption.APPEND);
                }
            }
        }
        out.println();
        out.print(summary(runs, o.systems));
        return 0;
    }

    /** A sample of the machine once it is quiet, or a busy one if {@code --allow-busy}; null if it stayed busy. */
    private static MachineLoad awaitQuiet(Options o, PrintStream out) throws InterruptedException {
        long deadline = System.nanoTime() + o.waitQuietMs * 1_000_000L;
        for (; ; ) {
            MachineLoad load = MachineLoad.sample(1000);
            long others = otherJavaProcesses();
            if (!load.busy() && others == 0) {
                return load;
            }
            if (o.allowBusy) {
                return load;
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            out.printf(
                    Locale.ROOT,
                    "waiting for a quiet machine: %s; %d other java process(es)%n",
                    load.describe(),
                    others);
            Thread.sleep(30_000);
        }
    }

    /** Java processes other than this one and its children: builds and benchmarks of others. */
    static long otherJavaProcesses() {
        ProcessHandle me = ProcessHandle.current();
        return ProcessHandle.allProcesses()
                .filter(p -> p.pid() != me.pid()
                        && p.parent().map(q -> q.pid() != me.pid()).orElse(true))
                .filter(p -> p.info()
                        .command()
                        .map(c -> c.endsWith("/java") || c.equals("java"))
                        .orElse(false))
                .count();
    }

    private static Map<String, Object> runOne(Options o, String system, int round, MachineLoad load, String cp)
            throws Exception {
        Path dir = Files.createTempDirectory("creditflow-vs-kafka-");
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("system", system);
        r.put("round", round);
        r.put("busy", load.busy() || otherJavaProcesses() > 0);
        r.put("machine_before", load.describe());
        r.put("other_java_processes_before", otherJavaProcesses());
        Path log4j = dir.resolve("log4j2.properties");
        Files.writeString(log4j, """
                status = warn
                appender.err.type = Console
                appender.err.name = ERR
                appender.err.target = SYSTEM_ERR
                appender.err.layout.type = PatternLayout
                appender.err.layout.pattern = [%d] %p %m (%c)%n
                rootLogger.level = warn
                rootLogger.appenderRef.err.ref = ERR
                """);
        List<String> brokerJvm = new ArrayList<>(o.brokerJvm);
        List<String> clientJvm = new ArrayList<>(o.clientJvm);
        List<String> brokerArgs;
        String brokerMain;
        Path data = dir.resolve("data");
        Files.createDirectories(data);
        if (system.equals("kafka")) {
            brokerJvm.add("-Dlog4j2.configurationFile=" + log4j);
            clientJvm.add("-Dlog4j2.configurationFile=" + log4j);
            brokerMain = KafkaBrokerMain.class.getName();
            brokerArgs =
                    List.of(data.toString(), Integer.toString(freePort()), Integer.toString(freePort()), o.kafkaFlush);
            r.put(
                    "durability",
                    "acks=all, min.insync.replicas=1, one replica; flush " + o.kafkaFlush
                            + (o.kafkaFlush.equals("default")
                                    ? " (acknowledged when in the page cache, no fsync)"
                                    : " (log.flush.interval.messages=1: fsync after each append, before the ack)"));
        } else {
            brokerMain = CfLogBrokerMain.class.getName();
            brokerArgs = List.of(data.toString(), Long.toString(o.cfLogMaxBytes), o.cfFsync);
            r.put("durability", "acks=durable, fsync " + o.cfFsync);
        }
        RssSampler rss = null;
        OthersWatch others = new OthersWatch();
        try (others;
                BrokerChild broker = BrokerChild.start(
                        system + "-broker", cp, brokerJvm, brokerMain, brokerArgs, dir.resolve("broker.log"))) {
            long launched = System.nanoTime();
            int port = Integer.parseInt(broker.await("@READY", 120_000));
            r.put("broker_start_s", (System.nanoTime() - launched) / 1e9);
            rss = new RssSampler(broker.pid());
            List<String> loadArgs = new ArrayList<>(List.of(
                    system,
                    "127.0.0.1",
                    Integer.toString(port),
                    Long.toString(o.warmupMs),
                    Long.toString(o.windowMs),
                    Double.toString(o.slowRate),
                    Integer.toString(o.size),
                    Long.toString(o.catchUpTimeoutMs),
                    Double.toString(o.producerRate)));
            loadArgs.addAll(o.kafkaProducer);
            try (BrokerChild clients = BrokerChild.start(
                    system + "-clients",
                    cp,
                    clientJvm,
                    LoadMain.class.getName(),
                    loadArgs,
                    dir.resolve("clients.log"))) {
                clients.await("@OPEN", 120_000);
                clients.await("@WINDOW_START", o.warmupMs + 60_000);
                double cpu0 = ProcStatus.cpuSeconds(broker.pid());
                rss.windowStart();
                clients.await("@WINDOW_END", o.windowMs + 60_000);
                double cpu1 = ProcStatus.cpuSeconds(broker.pid());
                r.put("broker_rss_window_peak_mib", rss.windowEnd() / MIB);
                r.put("broker_cpu_cores_in_window", cpu0 < 0 ? null : (cpu1 - cpu0) / (o.windowMs / 1e3));
                Map<String, Object> result = Json.parseObject(clients.await("@RESULT", o.catchUpTimeoutMs + 180_000));
                r.putAll(result);
            }
            long[] mem = ProcStatus.memory(broker.pid());
            rss.close();
            r.put("broker_rss_peak_mib", rss.peak() / MIB);
            r.put("broker_vmhwm_mib", mem[1] < 0 ? null : mem[1] / MIB);
            r.put("broker_rss_at_end_mib", mem[0] < 0 ? null : mem[0] / MIB);
            r.put("disk_bytes_at_end", diskBytes(data));
            r.put("other_java_processes_max_during", others.max());
            if (others.max() > 0) {
                r.put("busy", true); // someone else's JVM ran during this run: its figures are not publishable
            }
        } catch (RuntimeException e) {
            r.put("error", e.getMessage());
            r.put("log_dir_kept", dir.toString());
            return r;
        } finally {
            if (rss != null) {
                rss.close();
            }
        }
        deleteTree(dir);
        return r;
    }

    private static final double MIB = 1024.0 * 1024;

    /** Counts, once a second during a run, the Java processes that are not this run's ({@link #otherJavaProcesses}). */
    private static final class OthersWatch implements AutoCloseable {
        private volatile long max;
        private volatile boolean running = true;
        private final Thread thread = new Thread(
                () -> {
                    while (running) {
                        max = Math.max(max, otherJavaProcesses());
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "others-watch");

        OthersWatch() {
            thread.setDaemon(true);
            thread.start();
        }

        long max() {
            return max;
        }

        @Override
        public void close() {
            running = false;
            thread.interrupt();
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static long diskBytes(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(f -> {
                        try {
                            return Files.size(f);
                        } catch (IOException e) {
                            return 0;
                        }
                    })
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            System.err.println("log-vs-kafka: could not delete " + dir + ": " + e);
        }
    }

    static String line(Map<String, Object> r) {
        if (r.containsKey("error")) {
            return String.format(
                    Locale.ROOT,
                    "round %s %-10s ERROR %s (logs kept in %s)",
                    r.get("round"),
                    r.get("system"),
                    r.get("error"),
                    r.get("log_dir_kept"));
        }
        return String.format(
                Locale.ROOT,
                "round %s %-10s%s producer %,.0f msg/s acked, fast %,.0f msg/s, slow %,.0f "
                        + "msg/s, slow lost %d of %,d, broker RSS peak %.0f MiB (VmHWM %.0f), broker CPU %.2f cores, "
                        + "catch-up %.2f s (%,d msgs at %,.0f msg/s)",
                r.get("round"),
                r.get("system"),
                Boolean.TRUE.equals(r.get("busy")) ? " [BUSY]" : "",
                num(r, "producer_acked_msgs_per_s"),
                num(r, "fast_msgs_per_s"),
                num(r, "slow_msgs_per_s"),
                (long) num(r, "slow_lost"),
                (long) num(r, "acknowledged"),
                num(r, "broker_rss_peak_mib"),
                num(r, "broker_vmhwm_mib"),
                num(r, "broker_cpu_cores_in_window"),
                num(r, "catch_up_s"),
                (long) num(r, "slow_backlog_at_speed_up"),
                num(r, "catch_up_msgs_per_s"));
    }

    private static double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** The medians (min..max) per system, a row per figure, and creditflow / Kafka of the medians. */
    static String summary(List<Map<String, Object>> runs, List<String> systems) {
        record Figure(String label, String key, int decimals) {}
        List<Figure> figures = List.of(
                new Figure("producer msgs/s (acknowledged)", "producer_acked_msgs_per_s", 0),
                new Figure("fast consumer msgs/s", "fast_msgs_per_s", 0),
                new Figure("slow consumer msgs/s (window)", "slow_msgs_per_s", 1),
                new Figure("slow consumer lost (acknowledged, never delivered)", "slow_lost", 0),
                new Figure("fast consumer lost", "fast_lost", 0),
                new Figure("duplicates (slow + fast)", "duplicates", 0),
                new Figure("broker RSS peak, MiB (sampled VmRSS, 50 ms)", "broker_rss_peak_mib", 0),
                new Figure("broker VmHWM, MiB", "broker_vmhwm_mib", 0),
                new Figure("broker CPU in the window, cores", "broker_cpu_cores_in_window", 2),
                new Figure("producer: last acks after it stopped, s", "producer_drain_s", 2),
                new Figure("slow backlog at speed-up, msgs", "slow_backlog_at_speed_up", 0),
                new Figure("catch-up, s", "catch_up_s", 2),
                new Figure("catch-up rate, msgs/s", "catch_up_msgs_per_s", 0),
                new Figure("broker start, s", "broker_start_s", 1));
        StringBuilder sb = new StringBuilder();
        boolean both = systems.contains("creditflow") && systems.contains("kafka");
        sb.append("| figure |");
        for (String s : systems) {
            sb.append(' ').append(s).append(" median (min..max) |");
        }
        if (both) {
            sb.append(" creditflow / kafka |");
        }
        sb.append('\n')
                .append("|---|")
                .append("---:|".repeat(systems.size() + (both ? 1 : 0)))
                .append('\n');
        for (Figure f : figures) {
            sb.append("| ").append(f.label()).append(" |");
            Map<String, Spread> bySystem = new LinkedHashMap<>();
            for (String s : systems) {
                ToDoubleFunction<Map<String, Object>> get = f.key().equals("duplicates")
                        ? r -> num(r, "slow_duplicates") + num(r, "fast_duplicates")
                        : r -> num(r, f.key());
                List<Double> v = runs.stream()
                        .filter(r -> s.equals(r.get("system")) && !r.containsKey("error"))
                        .map(get::applyAsDouble)
                        .filter(d -> !Double.isNaN(d))
                        .toList();
                Spread sp = Spread.of(v);
                bySystem.put(s, sp);
                sb.append(' ').append(sp.format(f.decimals())).append(" |");
            }
            if (both) {
                Spread c = bySystem.get("creditflow");
                Spread k = bySystem.get("kafka");
                sb.append(
                        c.n() > 0 && k.n() > 0 && k.median() != 0
                                ? String.format(Locale.ROOT, " %.2f |", c.median() / k.median())
                                : " - |");
            }
            sb.append('\n');
        }
        long busy =
                runs.stream().filter(r -> Boolean.TRUE.equals(r.get("busy"))).count();
        long errors = runs.stream().filter(r -> r.containsKey("error")).count();
        sb.append(String.format(
                Locale.ROOT,
                "%d run(s), %d on a busy machine%s, %d failed%n",
                runs.size(),
                busy,
                busy > 0
                        ? " (NOT publishable figures: "
                                + String.join(
                                        ", ",
                                        runs.stream()
                                                .filter(r -> Boolean.TRUE.equals(r.get("busy")))
                                                .map(r -> r.get("system") + " round " + r.get("round"))
                                                .toList())
                                + ")"
                        : "",
                errors));
        return sb.toString();
    }
}
