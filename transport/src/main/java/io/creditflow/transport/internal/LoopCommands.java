package io.creditflow.transport.internal;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;

/**
 * What the event loop does for each {@link CommandQueue.Command}: each method hands over to the part that
 * owns the state (the stream's loop half, the registry, the write side, the closer, the connection).
 *
 * <p>Event-loop confined (asserted).
 */
final class LoopCommands implements CommandQueue.Handler {
    private final StreamHost host;
    private final ConnectionCloser closer;
    private final DefaultConnection connection;

    LoopCommands(StreamHost host, ConnectionCloser closer, DefaultConnection connection) {
        this.host = host;
        this.closer = closer;
        this.connection = connection;
    }

    @Override
    public void open(DefaultStream s) {
        assert host.inEventLoop();
        connection.openLocal(s);
    }

    @Override
    public void writable(DefaultStream s) {
        host.writes.onWritable(s);
    }

    @Override
    public void request(DefaultStream s, long n) {
        assert host.inEventLoop();
        s.transport.applyDemand(n);
    }

    @Override
    public void consumed(DefaultStream s) {
        assert host.inEventLoop();
        s.transport.applyPulledConsumption();
    }

    @Override
    public void reset(DefaultStream s, ErrorCode code, String reason) {
        host.resetStream(s, code, reason);
    }

    @Override
    public void readyCheck(DefaultStream s) {
        assert host.inEventLoop();
        if (s.wantsReady) {
            s.transport.notifyReadyIfReady();
        }
    }

    @Override
    public void shutdown(long graceNanos) {
        assert host.inEventLoop();
        connection.shutdownNow(graceNanos);
    }

    @Override
    public void close() {
        assert host.inEventLoop();
        closer.closeWith(new CloseStatus(ErrorCode.CANCEL, "closed by the application", false, 0), true);
    }

    @Override
    public void budgetAvailable() {
        assert host.inEventLoop();
        host.flow.onBudgetAvailable(host.time.now());
    }

    @Override
    public void afterBatch() {
        host.writes.afterCommands();
    }
}
