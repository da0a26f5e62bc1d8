package io.creditflow.broker.kafka;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples the stacks of the broker's event-loop threads (creditflow server loops and the HTTP edge) every few
 * milliseconds and records every sample that shows one waiting inside Kafka's client code (a {@code send} that
 * waits for metadata or for buffer memory, a blocking future: a timed or untimed wait on a condition or monitor):
 * what {@code max.block.ms=0} must rule out. A loop that only contends for one of the producer's short internal
 * locks (the accumulator's per-partition monitor, the buffer pool's lock, which Kafka's I/O thread holds for
 * short critical sections) is counted apart, as {@link #contended()}. Bounded: at most {@link #MAX_VIOLATIONS}
 * samples are kept.
 */
final class LoopWatch implements AutoCloseable {
    static final int MAX_VIOLATIONS = 20;
    private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    private final List<String> violations = new ArrayList<>();
    private final Thread thread;
    private volatile boolean stopped;
    private volatile long samples;
    private volatile long contended;

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
                boolean lockAcquire = st == Thread.State.BLOCKED; // entering a monitor
                for (StackTraceElement e : ti.getStackTrace()) {
                    String c = e.getClassName();
                    if (c.startsWith("org.apache.kafka")) {
                        if (lockAcquire) {
                            contended++;
                        } else {
                            synchronized (violations) {
                                if (violations.size() < MAX_VIOLATIONS) {
                                    violations.add(name + " " + st + " at " + e);
                                }
                            }
                        }
                        break;
                    }
                    // Above the first Kafka frame: a lock acquisition (ReentrantLock.lock) rather than a wait.
                    if ((c.equals("java.util.concurrent.locks.ReentrantLock")
                                    && e.getMethodName().equals("lock"))
                            || (c.startsWith("java.util.concurrent.locks.ReentrantLock$")
                                    && e.getMethodName().equals("lock"))) {
                        lockAcquire = true;
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

    /** Samples that showed a loop acquiring one of Kafka's internal locks (not a wait). */
    long contended() {
        return contended;
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
