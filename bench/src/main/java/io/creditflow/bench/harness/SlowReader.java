package io.creditflow.bench.harness;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The paced reader of slow streams: every {@value #TICK_MILLIS} ms it gives each slow stream its share
 * of {@code rate} messages per second (fractions carry over), through {@code consumeOne}.
 */
public final class SlowReader implements AutoCloseable {
    static final int TICK_MILLIS = 10;

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-slow-reader");
        t.setDaemon(true);
        return t;
    });
    private final int[] streams;
    private final IntConsumer consumeOne;
    private final double perTick;
    private double credit;

    public SlowReader(int[] streams, double rate, IntConsumer consumeOne) {
        this.streams = streams.clone();
        this.consumeOne = consumeOne;
        this.perTick = rate * TICK_MILLIS / 1000.0;
    }

    public SlowReader start() {
        if (streams.length > 0 && perTick > 0) {
            timer.scheduleAtFixedRate(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    private void tick() {
        credit += perTick;
        while (credit >= 1) {
            credit -= 1;
            for (int s : streams) {
                try {
                    consumeOne.accept(s);
                } catch (RuntimeException e) {
                    // a closed stream: nothing more to read there
                }
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
