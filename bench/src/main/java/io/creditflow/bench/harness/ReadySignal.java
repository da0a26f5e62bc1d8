package io.creditflow.bench.harness;

import java.util.concurrent.locks.LockSupport;

/** Wakes the send loop when a transport says it may take more (onReady, writability). Cheap to signal. */
public final class ReadySignal {
    private volatile Thread waiter;
    private volatile boolean signalled;

    /** Any thread: something may be ready. */
    public void signal() {
        signalled = true;
        Thread w = waiter;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    /** The send loop's thread: waits for a signal or the timeout. */
    public void await(long timeoutNanos) throws InterruptedException {
        waiter = Thread.currentThread();
        if (!signalled) {
            LockSupport.parkNanos(this, timeoutNanos);
        }
        waiter = null;
        signalled = false;
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
