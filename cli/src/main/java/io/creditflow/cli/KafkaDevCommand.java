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
@Command(
        name = "kafka-dev",
        mixinStandardHelpOptions = true,
        description = "Start a single-node Kafka broker on 127.0.0.1 for trying out broker --kafka-bootstrap.")
final class KafkaDevCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            description = "Kafka's data (kept across runs; default: a " + "temporary folder deleted at exit).")
    Path dataDir;

    @Option(
            names = "--port",
            paramLabel = "N",
            defaultValue = "19092",
            description = "The broker's port; the " + "controller takes the next one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--kafka-lib",
            paramLabel = "DIR",
            description = "Kafka's jars (default: bench/target/kafka-lib " + "of this checkout).")
    Path kafkaLib;

    @Override
    public Integer call() throws Exception {
        Usage.range(spec, "--port", port, 1, 65534, "1 to 65534 (the controller takes port + 1)");
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path lib = kafkaLib(kafkaLib);
        boolean temporary = dataDir == null;
        Path dir = temporary ? Files.createTempDirectory("creditflow-kafka-dev") : dataDir.toAbsolutePath();
        Files.createDirectories(dir);
        Path log = dir.resolve("kafka.log");
        KafkaProcess kafka;
        try {
            kafka = KafkaProcess.start(lib, dir, port, port + 1, log);
        } catch (IllegalStateException e) {
            err.println("kafka-dev: " + e.getMessage());
            if (temporary) {
                deleteTree(dir);
            }
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            out.println("kafka-dev: stopping Kafka");
                            out.flush();
                            kafka.close();
                            if (temporary) {
                                deleteTree(dir);
                            }
                            stopped.countDown();
                        },
                        "kafka-dev-stop"));
        out.printf(
                "kafka-dev: Kafka %s ready; bootstrap 127.0.0.1:%d (data %s, log %s); Ctrl-C stops it%n",
                "4.4.0", kafka.port, temporary ? "temporary" : dir, log);
        out.printf("  try: ./creditflow broker --kafka-bootstrap 127.0.0.1:%d%n", port);
        out.flush();
        kafka.process.waitFor();
        stopped.await(20, TimeUnit.SECONDS);
        return kafka.process.exitValue() == 0 ? 0 : 1;
    }

    /** Kafka's jars beside this checkout's jar ({@code bench/target/kafka-lib}), or {@code override}. */
    static Path kafkaLib(Path override) throws java.net.URISyntaxException {
        if (override != null) {
            return override;
        }
        Path self = Path.of(KafkaDevCommand.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        return self.toAbsolutePath()
                .getParent()
                .resolve("../../bench/target/kafka-lib")
                .normalize();
    }

    /**
     * A single-node Kafka broker in a child JVM ({@code io.creditflow.bench.kafka.KafkaBrokerMain} on this jar and
     * Kafka's jars), both listeners on 127.0.0.1; stopped by closing its stdin.
     */
    static final class KafkaProcess implements AutoCloseable {
        final Process process;
        final int port;

        private KafkaProcess(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        String bootstrap() {
            return "127.0.0.1:" + port;
        }

        /**
         * Starts it and waits (up to 60 s) until it serves clients.
         *
         * @throws IllegalStateException if the jars are missing or it does not start
         */
        static KafkaProcess start(Path lib, Path dir, int brokerPort, int controllerPort, Path log)
                throws IOException, InterruptedException, java.net.URISyntaxException {
            if (!Files.isDirectory(lib)) {
                throw new IllegalStateException("no Kafka jars in " + lib + " (build with ./mvnw -B -ntp -pl cli -am "
                        + "package -DskipTests, or pass --kafka-lib)");
            }
            Path self = Path.of(KafkaDevCommand.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.add("-Xms128m");
            cmd.add("-Xmx384m");
            cmd.add("-cp");
            cmd.add(self + java.io.File.pathSeparator + lib.resolve("*"));
            cmd.add("io.creditflow.bench.kafka.KafkaBrokerMain");
            cmd.add(dir.toString());
            cmd.add(Integer.toString(brokerPort));
            cmd.add(Integer.toString(controllerPort));
            cmd.add("default");
            Process p = new ProcessBuilder(cmd)
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
            CountDownLatch ready = new CountDownLatch(1);
            Thread pump = new Thread(
                    () -> {
                        try (BufferedReader r =
                                new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                            for (String line; (line = r.readLine()) != null; ) {
                                if (line.startsWith("@READY")) {
                                    ready.countDown();
                                }
                            }
                        } catch (IOException e) {
                            // the child is gone
                        }
                    },
                    "kafka-child-stdout");
            pump.setDaemon(true);
            pump.start();
            for (int i = 0; i < 600 && ready.getCount() > 0 && p.isAlive(); i++) {
                ready.await(100, TimeUnit.MILLISECONDS);
            }
            if (ready.getCount() > 0) {
                p.destroyForcibly();
                throw new IllegalStateException("Kafka did not start within 60 s; see " + log);
            }
            return new KafkaProcess(p, brokerPort);
        }

        /** Closes its stdin (its signal to shut down), waits up to 15 s, then kills it. */
        @Override
        public void close() {
            try {
                process.getOutputStream().close();
                if (!process.waitFor(15, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException e) {
                process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder())
                    .forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary folder
        }
    }
}
