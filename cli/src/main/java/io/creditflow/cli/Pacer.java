package io.creditflow.cli;

import java.util.concurrent.TimeUnit;

/** Paces a loop to a rate (events per second); a rate of 0 or less means as fast as possible. */
final class Pacer {
    private final long intervalNanos;
    private long next = System.nanoTime();

    Pacer(double perSecond) {
        this.intervalNanos = perSecond > 0 ? (long) (1e9 / perSecond) : 0;
    }

    /** Waits for the next slot. */
    void await() throws InterruptedException {
        if (intervalNanos == 0) {
            return;
        }
        next += intervalNanos;
        long wait = next - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        } else if (wait < -TimeUnit.SECONDS.toNanos(1)) {
            next = System.nanoTime(); // fell far behind (we were blocked): do not burst to catch up
        }
    }
}
