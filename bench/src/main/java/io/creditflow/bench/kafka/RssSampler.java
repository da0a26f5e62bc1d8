package io.creditflow.bench.kafka;

/**
 * Samples a process's resident set ({@code VmRSS}) every {@value #MILLIS} ms on a daemon thread: the peak over
 * its whole life and over a marked window.
 */
final class RssSampler implements AutoCloseable {
    static final int MILLIS = 50;

    private final long pid;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long peak = -1;
    private volatile long windowPeak = -1;
    private volatile boolean inWindow;

    RssSampler(long pid) {
        this.pid = pid;
        sample();
        this.thread = new Thread(this::loop, "rss-sampler-" + pid);
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                Thread.sleep(MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            sample();
        }
    }

    private void sample() {
        long rss = ProcStatus.memory(pid)[0];
        if (rss > peak) {
            peak = rss;
        }
        if (inWindow && rss > windowPeak) {
            windowPeak = rss;
        }
    }

    void windowStart() {
        windowPeak = -1;
        inWindow = true;
        sample();
    }

    /** Ends the window; returns its peak in bytes. */
    long windowEnd() {
        sample();
        inWindow = false;
        return windowPeak;
    }

    /** The peak in bytes since the sampler started, or -1 if unknown. */
    long peak() {
        return peak;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
