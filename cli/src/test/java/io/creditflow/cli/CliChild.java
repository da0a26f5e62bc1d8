package io.creditflow.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./creditflow args...} in a child JVM on the test's class path, stdout and stderr merged; a reader thread
 * hands its output lines over through a queue. Tests destroy their children in cleanup.
 */
final class CliChild {
    /** Lines of a child's output looked at while waiting for one. */
    private static final int MAX_LINES = 100_000;

    final Process process;
    final String name;
    /** Every line so far, for assertions and failure messages. */
    final List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();

    private CliChild(Process process, String name) {
        this.process = process;
        this.name = name;
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            lines.add(line);
                            unread.add(line);
                        }
                    } catch (IOException e) {
                        // the process was destroyed: its output ends here
                    }
                },
                "child-output-" + name);
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code ./creditflow args...} (small heap, quick start). */
    static CliChild start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        return new CliChild(new ProcessBuilder(cmd).redirectErrorStream(true).start(), args[0]);
    }

    /**
     * Waits for a line matching {@code wanted}, at most {@code timeout}; returns the pattern's matcher
     * on it (with {@code pattern}) or null.
     */
    Matcher awaitLine(Predicate<String> wanted, Duration timeout, Pattern pattern) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < MAX_LINES; i++) {
            long left = deadline - System.nanoTime();
            String line = left <= 0 ? null : unread.poll(left, TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError(name + ": no expected line within " + timeout + " (alive: " + process.isAlive()
                        + "); output: " + tail());
            }
            if (wanted.test(line)) {
                if (pattern == null) {
                    return null;
                }
                Matcher m = pattern.matcher(line);
                assertThat(m.find()).isTrue();
                return m;
            }
        }
        throw new AssertionError(name + ": no expected line among the first " + MAX_LINES + "; output: " + tail());
    }

    /** The exit code, waiting at most {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError(name + ": still running after " + timeout + "; output: " + tail());
        }
        return process.exitValue();
    }

    /** Cleanup: kills every child and waits (up to 10 s each) until it is gone. */
    static void destroyAll(List<CliChild> children) throws InterruptedException {
        for (CliChild c : children) {
            c.process.destroyForcibly();
        }
        for (CliChild c : children) {
            c.process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL: the process gets no chance to flush or say goodbye. Waits until it is gone. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        assertThat(process.waitFor(30, TimeUnit.SECONDS))
                .as(name + " gone after SIGKILL")
                .isTrue();
    }

    /** The last line that starts with '{' (a command's --json summary), or an AssertionError. */
    String jsonLine() {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith("{")) {
                return lines.get(i);
            }
        }
        throw new AssertionError(name + ": no JSON line; output: " + tail());
    }

    /** The last 50 lines, for failure messages. */
    List<String> tail() {
        List<String> all = new ArrayList<>(lines);
        return all.subList(Math.max(0, all.size() - 50), all.size());
    }
}
