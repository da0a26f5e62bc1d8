package io.creditflow.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A single-node Apache Kafka broker (KRaft, combined broker and controller) for trying the gateway out: a child
 * JVM running the bench's Kafka broker main on Kafka's own jars ({@code bench/target/kafka-lib}, filled when
 * {@code ./creditflow} builds), so the Kafka broker jars never join this jar's classpath. Prints the bootstrap
 * address once Kafka serves clients; Ctrl-C stops it cleanly (its stdin closes, it shuts down, about 1 s).
 */
@Command(name = "kafka-dev", mixinStandardHelpOptions = true,
        description = "Start a single-node Kafka broker on 127.0.0.1 for trying out broker --kafka-bootstrap.")
final class KafkaDevCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Kafka's data (kept across runs; default: a "
            + "temporary folder deleted at exit).")
    Path dataDir;

    @Option(names = "--port", paramLabel = "N", defaultValue = "19092", description = "The broker's port; the "
            + "controller takes the next one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--kafka-lib", paramLabel = "DIR", description = "Kafka's jars (default: bench/target/kafka-lib "
            + "of this checkout).")
    Path kafkaLib;

    @Override
    public Integer call() throws Exception {
        Usage.range(spec, "--port", port, 1, 65534, "1 to 65534 (the controller takes port + 1)");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path self = Path.of(KafkaDevCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path lib = kafkaLib != null ? kafkaLib : self.toAbsolutePath().getParent().resolve("../../bench/target/kafka-lib")
                .normalize();
        if (!Files.isDirectory(lib)) {
            err.println("kafka-dev: no Kafka jars in " + lib + " (build with ./mvnw -B -ntp -pl cli -am package "
                    + "-DskipTests, or pass --kafka-lib)");
            return 1;
        }
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("creditflow-kafka-dev") : dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("kafka.log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xms128m");
        cmd.add("-Xmx384m");
        cmd.add("-cp");
        cmd.add(self + java.io.File.pathSeparator + lib.resolve("*"));
        cmd.add("io.creditflow.bench.kafka.KafkaBrokerMain");
        cmd.add(dir.toString());
        cmd.add(Integer.toString(port));
        cmd.add(Integer.toString(port + 1));
        cmd.add("default");
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("@READY")) {
                        ready.countDown();
                    }
                }
            } catch (IOException e) {
                // the child is gone
            }
        }, "kafka-dev-stdout");
        pump.setDaemon(true);
        pump.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("kafka-dev: stopping Kafka");
            out.flush();
            stopChild(p);
            if (temporary) {
                deleteTree(dir);
            }
            stopped.countDown();
        }, "kafka-dev-stop"));
        for (int i = 0; i < 600 && ready.getCount() > 0 && p.isAlive(); i++) {
            ready.await(100, TimeUnit.MILLISECONDS);
        }
        if (ready.getCount() > 0) {
            err.println("kafka-dev: Kafka did not start within 60 s; see " + log);
            p.destroyForcibly();
            return 1;
        }
        out.printf("kafka-dev: Kafka %s ready; bootstrap 127.0.0.1:%d (data %s, log %s); Ctrl-C stops it%n",
                "4.4.0", port, temporary ? "temporary" : dir, log);
        out.printf("  try: ./creditflow broker --kafka-bootstrap 127.0.0.1:%d%n", port);
        out.flush();
        p.waitFor();
        stopped.await(20, TimeUnit.SECONDS);
        return p.exitValue() == 0 ? 0 : 1;
    }

    /** Closes its stdin (its signal to shut down), waits up to 15 s, then kills it. */
    private static void stopChild(Process p) {
        try {
            p.getOutputStream().close();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            p.destroyForcibly();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary folder
        }
    }
}
