package io.creditflow.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Clean exit on Ctrl-C / SIGTERM for a command that loops: {@link #running()} turns false, and the JVM
 * waits (up to 3 s) for the command to finish its clean-up, but not at all once it has finished.
 * Use in try-with-resources around the command's work.
 */
final class CtrlC implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch finished = new CountDownLatch(1);

    CtrlC() {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            running.set(false);
                            try {
                                finished.await(3, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "ctrl-c"));
    }

    boolean running() {
        return running.get();
    }

    /** The command's work is done. */
    @Override
    public void close() {
        running.set(false);
        finished.countDown();
    }
}
