package io.creditflow.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One child JVM ({@link ChildMain}) on this process's classpath and Java, seen from the orchestrator:
 * commands go to its stdin; {@link #call} waits for the one {@code @} line that answers, or kills the
 * child on timeout. The last lines of its other output are kept for error reports.
 */
final class ChildProcess implements AutoCloseable {
    /** The JVM options of every child; stated in the output. */
    static final List<String> JVM_OPTIONS = List.of("-Xmx512m", "-XX:+UseParallelGC");

    private static final int TAIL_LINES = 40;
    private static final String EOF = "@EOF";

    private final String name;
    private final Process process;
    private final Writer stdin;
    private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final boolean verbose;
    private final Map<String, Object> hello;

    private ChildProcess(String name, Process process, boolean verbose, long timeoutMs) throws ChildFailure {
        this.name = name;
        this.process = process;
        this.verbose = verbose;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump(process.getInputStream(), true);
        pump(process.getErrorStream(), false);
        this.hello = await("HELLO", timeoutMs);
    }

    static ChildProcess spawn(String role, SystemKind system, boolean verbose) throws ChildFailure {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JVM_OPTIONS);
        String name = system.label() + "-" + role;
        // For profiling: extra options for every child, "{name}" replaced by e.g. creditflow-sender
        // (CREDITFLOW_BENCH_CHILD_OPTS="-XX:StartFlightRecording=filename=target/{name}.jfr,settings=profile").
        String extra = System.getenv("CREDITFLOW_BENCH_CHILD_OPTS");
        if (extra != null && !extra.isBlank()) {
            for (String option : extra.trim().split("\\s+")) {
                cmd.add(option.replace("{name}", name));
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ChildMain.class.getName());
        cmd.add(role);
        cmd.add(system.label());
        try {
            Process p = new ProcessBuilder(cmd).start();
            return new ChildProcess(name, p, verbose, 60_000);
        } catch (IOException e) {
            throw new ChildFailure(name + ": cannot start: " + e);
        }
    }

    private void pump(InputStream in, boolean protocol) {
        Thread t = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            if (protocol && line.startsWith("@")) {
                                replies.add(line);
                            } else {
                                remember(line);
                            }
                        }
                    } catch (IOException e) {
                        remember("(" + e + ")");
                    } finally {
                        if (protocol) {
                            replies.add(EOF);
                        }
                    }
                },
                name + (protocol ? "-out" : "-err"));
        t.setDaemon(true);
        t.start();
    }

    private void remember(String line) {
        if (verbose) {
            System.err.println("  [" + name + "] " + line);
        }
        synchronized (tail) {
            tail.addLast(line);
            if (tail.size() > TAIL_LINES) {
                tail.removeFirst();
            }
        }
    }

    String name() {
        return name;
    }

    Map<String, Object> hello() {
        return hello;
    }

    /** Sends a command and returns the answer's JSON body; kills the child on timeout or error. */
    Map<String, Object> call(String command, long timeoutMs) throws ChildFailure {
        send(command);
        String tag = command.startsWith("STOP") ? "RESULT" : "OK";
        return await(tag, timeoutMs);
    }

    void send(String command) throws ChildFailure {
        try {
            stdin.write(command);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            kill();
            throw new ChildFailure(name + ": cannot send " + verb(command) + ": " + e + tailText());
        }
    }

    /** Waits for the answer to a command sent with {@link #send}. */
    Map<String, Object> await(String tag, long timeoutMs) throws ChildFailure {
        String line;
        try {
            line = replies.poll(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
            throw new ChildFailure(name + ": interrupted");
        }
        if (line == null) {
            kill();
            throw new ChildFailure(name + ": no answer (" + tag + ") within " + timeoutMs + " ms; killed" + tailText());
        }
        if (line.equals(EOF)) {
            kill();
            throw new ChildFailure(name + ": exited" + tailText());
        }
        int sp = line.indexOf(' ');
        String got = line.substring(1, sp < 0 ? line.length() : sp);
        String body = sp < 0 ? "{}" : line.substring(sp + 1);
        if (got.equals("ERROR")) {
            throw new ChildFailure(name + ": " + Json.getString(Json.parseObject(body), "error", body) + tailText());
        }
        if (!got.equals(tag)) {
            kill();
            throw new ChildFailure(name + ": expected @" + tag + ", got " + Json.abbreviate(line));
        }
        return Json.parseObject(body);
    }

    private static String verb(String command) {
        int sp = command.indexOf(' ');
        return sp < 0 ? command : command.substring(0, sp);
    }

    private String tailText() {
        synchronized (tail) {
            if (tail.isEmpty()) {
                return "";
            }
            List<String> last = new ArrayList<>(tail);
            return "\n    last output of " + name + ":\n      "
                    + String.join("\n      ", last.subList(Math.max(0, last.size() - 12), last.size()));
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    void kill() {
        process.destroyForcibly();
    }

    /** Asks the child to exit, then makes sure it has. */
    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                send("EXIT");
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (ChildFailure e) {
                kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                kill();
            }
        }
    }

    /** A child failed, timed out or answered with an error. */
    static final class ChildFailure extends Exception {
        private static final long serialVersionUID = 1L;

        ChildFailure(String message) {
            super(message);
        }
    }
}
