package io.creditflow.transport.internal;

import io.creditflow.transport.ErrorCode;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * The one route from application threads to a connection's event loop: every hand-off (a stream opened, a
 * stream with something to write, demand, consumption, a reset, a ready check, shutdown, close, memory
 * released by the budget) is a {@link Command} on this one FIFO, so they reach the loop in the order they were
 * made. A raw task on the executor would overtake or trail the queued ones (gRPC's {@code WriteQueue} states
 * the same rule). The loop drains the queue in one task per batch and ends the batch with one write pass and
 * one flush ({@link Handler#afterBatch}); a long batch also flushes every {@value #FLUSH_EVERY} commands.
 *
 * <p>The four questions: bound = the callers' own bounds (each stream has at most one {@link StreamWritable}
 * queued, and one {@link Consumed} per consumption batch; demand, resets and the rest are one per application
 * call, and each such call is bounded by what the application does with its threads); when full: never full;
 * pressure: none is needed, since the payload itself waits in the bounded send and receive queues and the
 * commands only point at them; observed: {@link #size()} (tests).
 *
 * <p>Thread-safe: {@link #enqueue} and {@link #scheduleDrain} from any thread; the drain runs on the loop
 * (asserted).
 */
final class CommandQueue {
    private static final System.Logger LOG = System.getLogger(CommandQueue.class.getName());
    /** Commands between two flushes in one long batch (gRPC's {@code DEQUE_CHUNK_SIZE}). */
    static final int FLUSH_EVERY = 128;

    /** What the loop does for each command. Event-loop confined. */
    interface Handler {
        void open(DefaultStream s);

        void writable(DefaultStream s);

        void request(DefaultStream s, long n);

        void consumed(DefaultStream s);

        void reset(DefaultStream s, ErrorCode code, String reason);

        void readyCheck(DefaultStream s);

        void shutdown(long graceNanos);

        void close();

        void budgetAvailable();

        /** The end of a batch (and every {@value #FLUSH_EVERY} commands): a write pass, one flush. */
        void afterBatch();
    }

    /** One application-to-loop hand-off. Immutable. */
    sealed interface Command {
        void applyTo(Handler h);
    }

    /** A locally opened stream: write its Open and start it. */
    record OpenStream(DefaultStream stream) implements Command {
        public void applyTo(Handler h) {
            h.open(stream);
        }
    }

    /** The stream has something to write or a half-close to send (coalesced: at most one per stream). */
    record StreamWritable(DefaultStream stream) implements Command {
        public void applyTo(Handler h) {
            h.writable(stream);
        }
    }

    /** Push-mode demand: {@code n} more messages. */
    record Request(DefaultStream stream, long n) implements Command {
        public void applyTo(Handler h) {
            h.request(stream, n);
        }
    }

    /** Pull-mode consumption crossed its batch threshold: hand it to the flow controller. */
    record Consumed(DefaultStream stream) implements Command {
        public void applyTo(Handler h) {
            h.consumed(stream);
        }
    }

    /** The application resets the stream. */
    record Reset(DefaultStream stream, ErrorCode code, String reason) implements Command {
        public void applyTo(Handler h) {
            h.reset(stream, code, reason);
        }
    }

    /** The application saw "not ready": the loop looks again with its own view (see DefaultStream.wantReady). */
    record ReadyCheck(DefaultStream stream) implements Command {
        public void applyTo(Handler h) {
            h.readyCheck(stream);
        }
    }

    /** Graceful shutdown: GoAway, then streams get {@code graceNanos} to finish. */
    record Shutdown(long graceNanos) implements Command {
        public void applyTo(Handler h) {
            h.shutdown(graceNanos);
        }
    }

    /** Close now (CANCEL). */
    record Close() implements Command {
        public void applyTo(Handler h) {
            h.close();
        }
    }

    /** Memory was released somewhere in the budget: starved streams may be served. */
    record BudgetAvailable() implements Command {
        static final BudgetAvailable INSTANCE = new BudgetAvailable();

        public void applyTo(Handler h) {
            h.budgetAvailable();
        }
    }

    private final ConcurrentLinkedQueue<Command> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor loop;
    private final BooleanSupplier inEventLoop;
    private final LoopClock time;
    private final Runnable drainTask = this::drain;
    private Handler handler;
    private boolean draining;

    /** @param time read once per batch: every command of a batch is handled at that one instant */
    CommandQueue(Executor loop, BooleanSupplier inEventLoop, LoopClock time) {
        this.loop = loop;
        this.inEventLoop = inEventLoop;
        this.time = time;
    }

    /** Wires the loop side, once the connection's parts exist (before any command can arrive). */
    void bind(Handler handler) {
        this.handler = handler;
    }

    /** Any thread: queues {@code c} behind every command queued before it. */
    void enqueue(Command c) {
        queue.add(c);
        scheduleDrain();
    }

    /** Any thread: a drain (and so a write pass and a flush) soon, with or without commands. */
    void scheduleDrain() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                loop.execute(drainTask);
            } catch (RejectedExecutionException e) {
                // Only after the event loop group was shut down; the connection is gone with it.
                LOG.log(System.Logger.Level.WARNING, "event loop shut down; " + queue.size() + " commands dropped", e);
            }
        }
    }

    /**
     * Event loop: runs every queued command in order, then {@link Handler#afterBatch}. Re-entrant calls (a
     * command whose effect closes the connection, and teardown drains) return at once: the outer drain goes on.
     */
    void drain() {
        assert inEventLoop.getAsBoolean();
        if (draining) {
            return;
        }
        draining = true;
        time.begin();
        try {
            scheduled.set(false);
            int n = 0;
            Command c;
            while ((c = queue.poll()) != null) {
                c.applyTo(handler);
                if (++n % FLUSH_EVERY == 0) {
                    handler.afterBatch();
                }
            }
            handler.afterBatch();
        } finally {
            time.end();
            draining = false;
        }
    }

    /** Commands waiting (tests; racy off the loop). */
    int size() {
        return queue.size();
    }
}
