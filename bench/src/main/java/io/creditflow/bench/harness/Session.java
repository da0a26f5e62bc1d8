package io.creditflow.bench.harness;

import io.creditflow.bench.harness.ChildProcess.ChildFailure;
import java.util.Map;

/**
 * A receiver JVM and a sender JVM for one system, kept across that system's scenarios (each scenario
 * opens fresh connections; a failure kills both and the next scenario starts a new pair). Starting a
 * pair checks that the children share this process's {@link System#nanoTime()} clock, which the
 * latency and unconsumed-bytes figures rely on.
 */
final class Session implements AutoCloseable {
    final SystemKind system;
    final ChildProcess receiver;
    final ChildProcess sender;
    final boolean clockShared;
    final double startSeconds;
    private volatile boolean killed;

    private Session(
            SystemKind system, ChildProcess receiver, ChildProcess sender, boolean clockShared, double startSeconds) {
        this.system = system;
        this.receiver = receiver;
        this.sender = sender;
        this.clockShared = clockShared;
        this.startSeconds = startSeconds;
    }

    static Session start(SystemKind system, boolean verbose) throws ChildFailure {
        long before = System.nanoTime();
        ChildProcess r = ChildProcess.spawn("receiver", system, verbose);
        ChildProcess s;
        try {
            s = ChildProcess.spawn("sender", system, verbose);
        } catch (ChildFailure e) {
            r.kill();
            throw e;
        }
        long after = System.nanoTime();
        boolean shared = within(r.hello(), before, after) && within(s.hello(), before, after);
        return new Session(system, r, s, shared, (after - before) / 1e9);
    }

    private static boolean within(Map<String, Object> hello, long before, long after) {
        long t = Json.getLong(hello, "nanos", Long.MIN_VALUE);
        return t >= before && t <= after;
    }

    boolean isAlive() {
        return !killed && receiver.isAlive() && sender.isAlive();
    }

    void kill() {
        killed = true;
        receiver.kill();
        sender.kill();
    }

    @Override
    public void close() {
        sender.close();
        receiver.close();
    }
}
