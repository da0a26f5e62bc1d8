package io.creditflow.broker.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the stacks of the broker's event-loop threads (creditflow server loops and the HTTP edge) every few
 * milliseconds and records every sample that shows one waiting inside Kafka's client code (a {@code send} that
 * waits for metadata or for buffer memory, a blocking future): what {@code max.block.ms=0} must rule out. Bounded:
 * at most {@link #MAX_VIOLATIONS} samples are kept.
 */
final class LoopWatch implements AutoCloseable {
    static final int MAX_VIOLATIONS = 20;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final List<String> violations = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long samples;

    LoopWatch() {
        thread = new Thread(this::run, "test-loop-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (!stopped) {
            for (ThreadInfo ti : mx.dumpAllThreads(false, false, 64)) {
                String name = ti.getThreadName();
                if (!name.startsWith("creditflow-server") && !name.startsWith("creditflow-http")) {
                    continue;
                }
                Thread.State st = ti.getThreadState();
                if (st == Thread.State.RUNNABLE || st == Thread.State.NEW || st == Thread.State.TERMINATED) {
                    continue;
                }
                for (StackTraceElement e : ti.getStackTrace()) {
                    if (e.getClassName().startsWith("org.apache.kafka")) {
                        synchronized (violations) {
                            if (violations.size() < MAX_VIOLATIONS) {
                                violations.add(name + " " + st + " at " + e);
                            }
                        }
                        break;
                    }
                }
            }
            samples++;
            try {
                Thread.sleep(2); // the sampling period, not a synchronisation
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    long samples() {
        return samples;
    }

    List<String> violations() {
        synchronized (violations) {
            return new ArrayList<>(violations);
        }
    }

    @Override
    public void close() {
        stopped = true;
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
