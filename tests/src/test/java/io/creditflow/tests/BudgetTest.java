package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 100 streams that each ask for a 1 MiB window against a 16 MiB server budget: the credit granted and
 * not consumed never exceeds 16 MiB, and every stream still makes progress.
 */
class BudgetTest {
    static final long MIB = 1024 * 1024;
    static final int STREAMS = 100;
    static final int MESSAGES_PER_STREAM = 400;
    static final int MESSAGE = 8 * 1024;

    @Test
    void grantedCreditNeverExceedsTheBudgetAndEveryStreamProgresses() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try (Loopback lb = Loopback.pull(
                s -> s.memoryBudgetBytes(16 * MIB)
                        .streamWindowBytes(MIB)
                        .connectionWindowBytes(128 * MIB)
                        .revokeIdle(java.time.Duration.ofMillis(50)),
                c -> {})) {
            Connection second = lb.client.connect("127.0.0.1", lb.server.port());
            List<Stream> senders = new ArrayList<>();
            List<Stream> receivers = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Connection c = i % 2 == 0 ? lb.connection : second;
                senders.add(c.openStream(
                        StreamOptions.builder().metadata("n", "" + i).build()));
                receivers.add(lb.nextAccepted());
            }
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong maxReserved = new AtomicLong();
            Thread sampler = new Thread(() -> {
                while (sampling.get()) {
                    maxReserved.accumulateAndGet(lb.server.memoryBudget().reservedBytes(), Math::max);
                    Thread.onSpinWait();
                }
            });
            sampler.start();
            long t0 = System.nanoTime();
            List<CompletableFuture<Integer>> received = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Stream out = senders.get(i);
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                for (int m = 0; m < MESSAGES_PER_STREAM; m++) {
                                    out.send(new byte[MESSAGE], 60, TimeUnit.SECONDS);
                                }
                                out.halfClose();
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        },
                        pool);
            }
            // Readers with random short pauses, four streams per reader thread.
            ExecutorService readers = Executors.newFixedThreadPool(25);
            for (int i = 0; i < STREAMS; i++) {
                Stream in = receivers.get(i);
                Random random = new Random(i);
                received.add(CompletableFuture.supplyAsync(
                        () -> {
                            int n = 0;
                            try {
                                for (int k = 0; k < MESSAGES_PER_STREAM + 1; k++) {
                                    try (Message m = in.poll(60, TimeUnit.SECONDS)) {
                                        if (m == null) {
                                            break;
                                        }
                                        n++;
                                    }
                                    if (random.nextInt(100) == 0) {
                                        Thread.sleep(random.nextInt(5)); // a consumer that pauses now and then
                                    }
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return n;
                        },
                        readers));
            }
            for (int i = 0; i < STREAMS; i++) {
                assertThat(received.get(i).get(120, TimeUnit.SECONDS))
                        .as("stream %d", i)
                        .isEqualTo(MESSAGES_PER_STREAM);
            }
            sampling.set(false);
            sampler.join();
            double seconds = (System.nanoTime() - t0) / 1e9;
            long peak = lb.server.memoryBudget().peakReservedBytes();
            System.out.printf(
                    "budget: %d streams x 1 MiB windows, 16 MiB budget: peak reserved %d B (%.1f MiB), "
                            + "sampled max %d B; %d MiB moved in %.2f s%n",
                    STREAMS,
                    peak,
                    peak / (double) MIB,
                    maxReserved.get(),
                    (long) STREAMS * MESSAGES_PER_STREAM * MESSAGE / MIB,
                    seconds);
            assertThat(peak).isLessThanOrEqualTo(16 * MIB);
            readers.shutdownNow();
        } finally {
            pool.shutdownNow();
        }
    }
}
