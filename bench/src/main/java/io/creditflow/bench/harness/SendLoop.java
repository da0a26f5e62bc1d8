package io.creditflow.bench.harness;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The one sending loop every system shares, on its own thread. Saturating mode: round robin over the
 * streams (each pass starting one stream further on), up to {@value #BURST} messages per stream per pass,
 * until the sender says no; a pass that sends nothing waits for readiness. Paced mode (a fixed offered rate): message {@code k} is due at
 * {@code t0 + k / rate} and is stamped with that intended time, not the time it finally goes out, so a
 * sender held back by the transport is charged for the wait (no coordinated omission). The pacer parks
 * between due times; its wake-up delay counts in the latency, for every system alike.
 *
 * <p>Each stream's messages carry sequence numbers 0, 1, 2, ... in the order they are handed over (a
 * message the sender refused keeps its number and is offered again), so the receiver's
 * {@link DeliveryCheck} can tell gaps, duplicates and reordering.
 *
 * <p>A {@code capBytes} bound stops sending to a slow stream (counted from the start) or, in a stall,
 * to any stream (counted from the mark): raw Netty would otherwise buffer until it runs out of memory.
 */
public final class SendLoop implements Runnable {
    private static final int BURST = 64;
    private static final long READY_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Sender sender;
    private final RunContext ctx;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean marked;
    private long[] capBase;
    private volatile Throwable failure;

    public SendLoop(Sender sender, RunContext ctx) {
        this.sender = sender;
        this.ctx = ctx;
        this.thread = new Thread(this, "bench-send-loop");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** The measured window starts: a stall's cap counts from here. */
    public void mark() {
        int n = sender.streams();
        long[] base = new long[n];
        for (int i = 0; i < n; i++) {
            base[i] = ctx.meter().sentBytes(i);
        }
        capBase = base;
        marked = true;
    }

    public void stop() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(TimeUnit.SECONDS.toMillis(10));
    }

    /** Why the loop ended early, or null. */
    public Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try {
            if (ctx.spec().offeredRate() > 0) {
                paced(ctx.spec().offeredRate());
            } else {
                saturate();
            }
        } catch (InterruptedException e) {
            // stopped
        } catch (RuntimeException e) {
            if (running) {
                failure = e;
            }
        }
    }

    private boolean capped(int i) {
        RunSpec spec = ctx.spec();
        long cap = spec.capBytes();
        if (cap <= 0) {
            return false;
        }
        if (spec.isSlow(i)) {
            return ctx.meter().sentBytes(i) >= cap;
        }
        return spec.stallAtMark() && marked && ctx.meter().sentBytes(i) - capBase[i] >= cap;
    }

    private void saturate() throws InterruptedException {
        int n = sender.streams();
        int size = ctx.spec().payloadBytes();
        Meter meter = ctx.meter();
        byte[][] pending = new byte[n][];
        long[] seq = new long[n];
        int first = 0;
        while (running) {
            boolean progress = false;
            boolean open = false;
            // Start each pass one stream further on, so a connection-level limit cannot starve the last streams.
            first = first + 1 == n ? 0 : first + 1;
            for (int j = 0; j < n; j++) {
                int i = first + j < n ? first + j : first + j - n;
                if (capped(i)) {
                    continue;
                }
                open = true;
                for (int burst = 0; burst < BURST; burst++) {
                    byte[] p = pending[i] != null ? pending[i] : Payloads.make(size, i, seq[i], System.nanoTime());
                    if (!sender.trySend(i, p)) {
                        pending[i] = p;
                        break;
                    }
                    pending[i] = null;
                    seq[i]++;
                    meter.sent(i, size);
                    progress = true;
                }
            }
            sender.flush();
            if (!open) {
                Thread.sleep(5); // every stream reached its cap
            } else if (!progress) {
                sender.awaitReady(READY_WAIT_NANOS);
            }
        }
    }

    private void paced(double rate) throws InterruptedException {
        int n = sender.streams();
        int size = ctx.spec().payloadBytes();
        Meter meter = ctx.meter();
        double interval = 1e9 / rate;
        byte[][] pending = new byte[n][];
        long[] seq = new long[n];
        long t0 = System.nanoTime();
        long k = 0;
        while (running) {
            long now = System.nanoTime();
            long due = (long) ((now - t0) / interval) + 1;
            boolean blocked = false;
            while (k < due) {
                int i = (int) (k % n);
                byte[] p = pending[i] != null ? pending[i] : Payloads.make(size, i, seq[i], t0 + (long) (k * interval));
                if (!sender.trySend(i, p)) {
                    pending[i] = p;
                    blocked = true;
                    break;
                }
                pending[i] = null;
                seq[i]++;
                meter.sent(i, size);
                k++;
            }
            sender.flush();
            if (blocked) {
                sender.awaitReady(READY_WAIT_NANOS);
            } else {
                long wait = t0 + (long) (k * interval) - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    }
}
