package io.creditflow.pipeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs {@link NaiveSink} in a child JVM ({@code -Xmx<heap>m -XX:+ExitOnOutOfMemoryError}) and starts it again
 * {@link #RESTART_DELAY_MS} after it dies, as systemd's {@code Restart=always} or a container orchestrator would.
 * Counts deaths by OutOfMemoryError (exit code 3, or the JVM's "Terminating due to java.lang.OutOfMemoryError"
 * line) and restarts; reads the child's status lines (queue length, heap).
 */
final class Supervisor {
    static final long RESTART_DELAY_MS = 500;
    /** The exit code of a JVM stopped by {@code -XX:+ExitOnOutOfMemoryError}. */
    static final int OOM_EXIT_CODE = 3;

    private final List<String> command;
    private final String token;
    private final Thread thread;
    private final AtomicLong oomDeaths = new AtomicLong();
    private final AtomicLong otherDeaths = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private volatile long queued;
    private volatile long childHeapMib;
    private volatile long childHeapPeakMib;
    private volatile boolean running = true;
    private volatile Process child;

    /** {@code token}: the sink's bearer token, handed to the child in {@link NaiveSink#TOKEN_ENV}; null for none. */
    Supervisor(
            int heapMib,
            String host,
            int port,
            String token,
            String topic,
            String subscription,
            String jdbcUrl,
            int writers,
            int batch) {
        command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMib + "m",
                "-XX:+ExitOnOutOfMemoryError",
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dio.netty.leakDetection.level=disabled",
                "-cp",
                System.getProperty("java.class.path"),
                NaiveSink.class.getName(),
                host,
                String.valueOf(port),
                topic,
                subscription,
                jdbcUrl,
                String.valueOf(writers),
                String.valueOf(batch)));
        this.token = token;
        thread = new Thread(this::supervise, "naive-supervisor");
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    long oomDeaths() {
        return oomDeaths.get();
    }

    long otherDeaths() {
        return otherDeaths.get();
    }

    long restarts() {
        return restarts.get();
    }

    /** Events in the child's queue (its last status line); 0 while no child runs. */
    long queued() {
        return child != null && child.isAlive() ? queued : 0;
    }

    long childHeapMib() {
        return childHeapMib;
    }

    long childHeapPeakMib() {
        return childHeapPeakMib;
    }

    boolean childAlive() {
        Process p = child;
        return p != null && p.isAlive();
    }

    private void supervise() {
        boolean first = true;
        while (running) {
            try {
                if (!first) {
                    restarts.incrementAndGet();
                }
                first = false;
                queued = 0;
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
                if (token != null) {
                    pb.environment().put(NaiveSink.TOKEN_ENV, token); // not on the command line, where ps shows it
                }
                Process p = pb.start();
                child = p;
                boolean[] sawOom = {false};
                Thread reader = new Thread(() -> read(p, sawOom), "naive-child-output");
                reader.setDaemon(true);
                reader.start();
                int code = p.waitFor();
                reader.join(2000);
                if (!running) {
                    return;
                }
                if (code == OOM_EXIT_CODE || sawOom[0]) {
                    oomDeaths.incrementAndGet();
                } else {
                    otherDeaths.incrementAndGet();
                }
                queued = 0;
                TimeUnit.MILLISECONDS.sleep(RESTART_DELAY_MS); // the supervisor's restart delay
            } catch (IOException e) {
                otherDeaths.incrementAndGet();
                try {
                    TimeUnit.MILLISECONDS.sleep(RESTART_DELAY_MS);
                } catch (InterruptedException ie) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void read(Process p, boolean[] sawOom) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("status ")) {
                    for (String kv : line.substring(7).split(" ")) {
                        int eq = kv.indexOf('=');
                        long v = Long.parseLong(kv.substring(eq + 1));
                        switch (kv.substring(0, eq)) {
                            case "queued" -> queued = v;
                            case "heap_mib" -> {
                                childHeapMib = v;
                                childHeapPeakMib = Math.max(childHeapPeakMib, v);
                            }
                            default -> {}
                        }
                    }
                } else if (line.contains("java.lang.OutOfMemoryError")) {
                    sawOom[0] = true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the child is gone
        }
    }

    /** Stops the child (SIGTERM, then SIGKILL) and the supervisor; what the child still queued is lost. */
    void close() throws InterruptedException {
        running = false;
        Process p = child;
        if (p != null) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        thread.interrupt();
        thread.join(5000);
        Process late = child; // started while we were stopping
        if (late != null && late.isAlive()) {
            late.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
