package io.creditflow.proto.core;

/** A clock tests move by hand. */
final class FakeClock implements NanoClock {
    long now = 1_000_000_000L;

    @Override
    public long nanoTime() {
        return now;
    }

    void advanceMillis(long millis) {
        now += millis * 1_000_000L;
    }
}
