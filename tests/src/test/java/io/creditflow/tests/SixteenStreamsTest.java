package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** One stalled stream among 16 on one connection: the other 15 keep delivering. */
@org.junit.jupiter.api.Tag("volume")
class SixteenStreamsTest {
    static final int STREAMS = 16;
    static final int PER_STREAM = 20_000;
    static final int MESSAGE = 1024;
    static final long WINDOW = 256 * 1024;

    @Test
    void aStalledStreamDoesNotHoldBackTheOthers() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2 * STREAMS);
        try (Loopback lb = Loopback.pull(
                s -> s.streamWindowBytes(WINDOW).maxMessageBytes((int) WINDOW).connectionWindowBytes(8 * WINDOW),
                c -> {})) {
            List<Stream> senders = new ArrayList<>();
            List<Stream> receivers = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                senders.add(lb.connection.openStream(
                        StreamOptions.builder().metadata("n", "" + i).build()));
                receivers.add(lb.nextAccepted());
            }
            AtomicLong delivered = new AtomicLong();
            List<CompletableFuture<Long>> done = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                Stream out = senders.get(i);
                boolean stalled = i == 7;
                done.add(CompletableFuture.supplyAsync(() -> produce(out, stalled ? 10_000 : PER_STREAM), pool));
                if (!stalled) {
                    Stream in = receivers.get(i);
                    done.add(CompletableFuture.supplyAsync(() -> consume(in, delivered), pool));
                }
            }
            long t0 = System.nanoTime();
            // The 15 readers finish although stream 7's reader never reads.
            for (int i = 0; i < done.size(); i++) {
                if (i != 7 * 2) { // stream 7's producer is at index 14 and blocks for good
                    assertThat(done.get(i).get(60, TimeUnit.SECONDS)).isNotNull();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Stream stalledIn = receivers.get(7);
            Stream stalledOut = senders.get(7);
            System.out.printf(
                    "16 streams, one stalled: the other 15 delivered %d messages in %.2f s (%.0f msg/s); "
                            + "stalled stream buffered %d B (window %d), its sender stalled on credit %d ms%n",
                    delivered.get(),
                    seconds,
                    delivered.get() / seconds,
                    stalledIn.stats().receiveBufferedBytes(),
                    WINDOW,
                    TimeUnit.NANOSECONDS.toMillis(stalledOut.stats().stalledNanos(StallReason.NO_PEER_CREDIT)));
            assertThat(delivered.get()).isEqualTo((long) (STREAMS - 1) * PER_STREAM);
            assertThat(stalledIn.stats().receiveBufferedBytes()).isLessThanOrEqualTo(WINDOW);
            assertThat(done.get(14)).isNotDone();
            assertThat(stalledOut.stats().stalledNanos(StallReason.NO_PEER_CREDIT))
                    .isPositive();
        } finally {
            pool.shutdownNow();
        }
    }

    static Long produce(Stream out, int count) {
        try {
            for (int i = 0; i < count; i++) {
                byte[] b = new byte[MESSAGE];
                ByteBuffer.wrap(b).putInt(i);
                out.send(b, 60, TimeUnit.SECONDS);
            }
            out.halfClose();
            return (long) count;
        } catch (Exception e) {
            return null;
        }
    }

    static Long consume(Stream in, AtomicLong delivered) {
        long n = 0;
        try {
            for (int i = 0; i < PER_STREAM + 1; i++) {
                try (Message m = in.poll(30, TimeUnit.SECONDS)) {
                    if (m == null) {
                        break;
                    }
                    if (m.payload().getInt() != n) {
                        throw new AssertionError("out of order on stream " + in.id());
                    }
                    n++;
                    delivered.incrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return n == PER_STREAM ? n : null;
    }
}
