package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.creditflow.transport.ErrorCode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one application-to-loop route: order, one drain per batch, a flush per chunk, re-entrance, a dead loop. */
class CommandQueueTest {
    /** A loop that runs its tasks when told to (the test thread plays the event loop). */
    static final class ManualLoop implements java.util.concurrent.Executor {
        final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

        @Override
        public synchronized void execute(Runnable task) {
            tasks.add(task);
        }

        synchronized Runnable next() {
            return tasks.poll();
        }

        void runAll() {
            Runnable r;
            while ((r = next()) != null) {
                r.run();
            }
        }
    }

    /** Records each call as a string. */
    static class Recorder implements CommandQueue.Handler {
        final List<String> calls = new ArrayList<>();

        @Override
        public void open(DefaultStream s) {
            calls.add("open");
        }

        @Override
        public void writable(DefaultStream s) {
            calls.add("writable");
        }

        @Override
        public void request(DefaultStream s, long n) {
            calls.add("request " + n);
        }

        @Override
        public void consumed(DefaultStream s) {
            calls.add("consumed");
        }

        @Override
        public void reset(DefaultStream s, ErrorCode code, String reason) {
            calls.add("reset " + code);
        }

        @Override
        public void readyCheck(DefaultStream s) {
            calls.add("ready");
        }

        @Override
        public void shutdown(long graceNanos) {
            calls.add("shutdown " + graceNanos);
        }

        @Override
        public void close() {
            calls.add("close");
        }

        @Override
        public void budgetAvailable() {
            calls.add("budget");
        }

        @Override
        public void afterBatch() {
            calls.add("flush");
        }
    }

    @Test
    void everyKindOfCommandRunsInTheOrderItWasQueuedAndTheBatchEndsWithOneFlush() {
        ManualLoop loop = new ManualLoop();
        CommandQueue q = new CommandQueue(loop, () -> true, new LoopClock(System::nanoTime));
        Recorder r = new Recorder();
        q.bind(r);
        q.enqueue(new CommandQueue.OpenStream(null));
        q.enqueue(new CommandQueue.StreamWritable(null));
        q.enqueue(new CommandQueue.Request(null, 5));
        q.enqueue(new CommandQueue.Consumed(null));
        q.enqueue(new CommandQueue.ReadyCheck(null));
        q.enqueue(new CommandQueue.Reset(null, ErrorCode.CANCEL, "x"));
        q.enqueue(CommandQueue.BudgetAvailable.INSTANCE);
        q.enqueue(new CommandQueue.Shutdown(7));
        q.enqueue(new CommandQueue.Close());
        assertThat(loop.tasks).as("one drain task for the whole batch").hasSize(1);
        loop.runAll();
        assertThat(r.calls)
                .containsExactly(
                        "open",
                        "writable",
                        "request 5",
                        "consumed",
                        "ready",
                        "reset CANCEL",
                        "budget",
                        "shutdown 7",
                        "close",
                        "flush");
        assertThat(q.size()).isZero();
    }

    @Test
    void aLongBatchFlushesEveryChunk() {
        ManualLoop loop = new ManualLoop();
        CommandQueue q = new CommandQueue(loop, () -> true, new LoopClock(System::nanoTime));
        Recorder r = new Recorder();
        q.bind(r);
        for (int i = 0; i < 2 * CommandQueue.FLUSH_EVERY + 1; i++) {
            q.enqueue(new CommandQueue.Request(null, i));
        }
        loop.runAll();
        assertThat(r.calls).hasSize(2 * CommandQueue.FLUSH_EVERY + 1 + 3);
        assertThat(r.calls.get(CommandQueue.FLUSH_EVERY)).isEqualTo("flush");
        assertThat(r.calls.get(2 * CommandQueue.FLUSH_EVERY + 1)).isEqualTo("flush");
        assertThat(r.calls.get(r.calls.size() - 1)).isEqualTo("flush");
    }

    @Test
    void commandsFromManyThreadsKeepEachThreadsOrder() throws InterruptedException {
        ManualLoop loop = new ManualLoop();
        CommandQueue q = new CommandQueue(loop, () -> true, new LoopClock(System::nanoTime));
        Recorder r = new Recorder();
        q.bind(r);
        int threads = 4;
        int each = 500;
        CountDownLatch done = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            int base = t * 1_000_000;
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    q.enqueue(new CommandQueue.Request(null, base + i));
                }
                done.countDown();
            });
            th.start();
        }
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        loop.runAll();
        long[] last = new long[threads];
        java.util.Arrays.fill(last, -1);
        int seen = 0;
        for (String call : r.calls) {
            if (call.startsWith("request ")) {
                long n = Long.parseLong(call.substring(8));
                int t = (int) (n / 1_000_000);
                assertThat(n % 1_000_000).as("thread %d in order", t).isEqualTo(last[t] + 1);
                last[t] = n % 1_000_000;
                seen++;
            }
        }
        assertThat(seen).isEqualTo(threads * each);
    }

    @Test
    void aDrainFromInsideADrainLeavesTheRestToTheOuterOne() {
        ManualLoop loop = new ManualLoop();
        CommandQueue q = new CommandQueue(loop, () -> true, new LoopClock(System::nanoTime));
        Recorder r = new Recorder() {
            @Override
            public void close() {
                super.close();
                q.drain(); // teardown drains what is queued; here it runs inside the drain
            }
        };
        q.bind(r);
        q.enqueue(new CommandQueue.Close());
        q.enqueue(new CommandQueue.OpenStream(null));
        loop.runAll();
        assertThat(r.calls).containsExactly("close", "open", "flush");
    }

    @Test
    void aLoopThatWasShutDownDropsTheCommandWithoutThrowing() {
        CommandQueue q = new CommandQueue(
                task -> {
                    throw new RejectedExecutionException("terminated");
                },
                () -> true,
                new LoopClock(System::nanoTime));
        q.bind(new Recorder());
        assertThatCode(() -> q.enqueue(new CommandQueue.Close())).doesNotThrowAnyException();
    }
}
