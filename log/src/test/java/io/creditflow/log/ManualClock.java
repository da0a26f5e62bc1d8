package io.creditflow.log;

import java.util.concurrent.atomic.AtomicLong;

/** A {@link LogClock} the test moves. Thread-safe. */
final class ManualClock implements LogClock {
    private final AtomicLong now;

    ManualClock(long startMillis) {
        this.now = new AtomicLong(startMillis);
    }

    @Override
    public long epochMillis() {
        return now.get();
    }

    void advance(long millis) {
        now.addAndGet(millis);
    }
}
