package io.creditflow.bench.kafka;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM of the comparison (a broker or the clients), seen from the orchestrator: lines starting with
 * {@code @} on its stdout are its reports, everything else (and stderr) goes to its log file. It runs until
 * its stdin is closed ({@link #close}), so it also ends when the orchestrator dies.
 */
final class BrokerChild implements AutoCloseable {
    private static final String EOF = "@EOF";

    private final String name;
    private final Process process;
    private final BlockingQueue<String> reports = new LinkedBlockingQueue<>();

    private BrokerChild(String name, Process process) {
        this.name = name;
        this.process = process;
        Thread t = new Thread(() -> pump(process.getInputStream()), name + "-stdout");
        t.setDaemon(true);
        t.start();
    }

    /** Starts {@code mainClass} in a new JVM; its stderr and non-report stdout go to {@code log}. */
    static BrokerChild start(
            String name, String classpath, List<String> jvmOptions, String mainClass, List<String> args, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new BrokerChild(name, pb.start());
    }

    private void pump(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("@")) {
                    reports.add(line);
                } else {
                    System.err.println("[" + name + "] " + line);
                }
            }
        } catch (IOException e) {
            // the child is gone
        }
        reports.add(EOF);
    }

    long pid() {
        return process.pid();
    }

    /**
     * Waits for the next report; it must start with {@code prefix} (the rest is returned, trimmed).
     *
     * @throws IllegalStateException on a timeout, another report, or the child's exit
     */
    String await(String prefix, long timeoutMillis) throws InterruptedException {
        String line = reports.poll(timeoutMillis, TimeUnit.MILLISECONDS);
        if (line == null) {
            throw new IllegalStateException(name + ": no " + prefix + " within " + timeoutMillis + " ms");
        }
        if (line.equals(EOF)) {
            throw new IllegalStateException(
                    name + " exited (rc " + exitCode() + ") before " + prefix + "; see its log");
        }
        if (!line.startsWith(prefix)) {
            throw new IllegalStateException(name + ": expected " + prefix + ", got: " + line);
        }
        return line.substring(prefix.length()).trim();
    }

    private String exitCode() {
        try {
            return process.waitFor(2, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "still running";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Closes its stdin (the child's signal to stop), waits up to 30 s, then kills it. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println(name + ": did not stop within 30 s of its stdin closing; killing it");
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** In a child: blocks until stdin is closed (the orchestrator's stop signal, or its death). */
    static void awaitStdinClosed() throws IOException {
        while (System.in.read() >= 0) {
            // ignore input
        }
    }
}
