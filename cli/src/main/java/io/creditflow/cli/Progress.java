package io.creditflow.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/** Prints a rate line once a second on a daemon thread. */
final class Progress {
    private final PrintWriter out;
    private final Supplier<String> detail;
    private final AtomicLong counter;
    private final Thread thread;
    private volatile boolean running = true;

    Progress(PrintWriter out, Supplier<String> detail, AtomicLong counter) {
        this.out = out;
        this.detail = detail;
        this.counter = counter;
        this.thread = new Thread(this::loop, "progress");
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Stops the thread and waits (up to 1 s) for it, so that no progress line follows the caller's last line. */
    void stop() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void loop() {
        long start = System.nanoTime();
        long last = counter.get();
        for (int t = 1; running; t++) {
            long wait = start + t * 1_000_000_000L - System.nanoTime();
            try {
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
            } catch (InterruptedException e) {
                return;
            }
            long now = counter.get();
            out.printf("%4ds %10s msg/s  %s%n", t, Fmt.rate(now - last), detail.get());
            out.flush();
            last = now;
        }
    }
}
