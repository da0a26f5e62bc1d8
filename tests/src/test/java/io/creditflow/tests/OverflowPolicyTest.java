package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.testing.Await;
import io.creditflow.transport.Message;
import io.creditflow.transport.MessageDroppedException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.OverflowPolicy;
import io.creditflow.transport.SendRejectedException;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Each overflow policy against a stalled reader: the receiver grants a window of 4 messages and never
 * polls until the test says so; the send queue holds 4 more.
 */
class OverflowPolicyTest {
    static final int MESSAGE = 100;

    Loopback loopback() throws Exception {
        return Loopback.pull(s -> s.streamWindowMessages(4).streamWindowBytes(64 * 1024), c -> {});
    }

    Stream open(Loopback lb, OverflowPolicy policy) {
        return lb.connection.openStream(StreamOptions.builder()
                .overflowPolicy(policy)
                .sendQueueMessages(4)
                .maxPendingSends(3)
                .build());
    }

    /** Sends sequence numbers until the window (4) and the queue (4) are full. */
    static int fill(Stream out, Stream in) throws InterruptedException {
        int sent = 0;
        for (int i = 0; i < 4; i++) {
            assertThat(out.offer(msg(sent++))).isEqualTo(OfferResult.ACCEPTED);
        }
        Await.until(
                "the window to fill", Duration.ofSeconds(5), () -> in.stats().receiveBufferedMessages() == 4);
        for (int i = 0; i < 4; i++) {
            assertThat(out.offer(msg(sent++))).isEqualTo(OfferResult.ACCEPTED);
            int expectedQueued = i + 1;
            Await.until("queued", Duration.ofSeconds(5), () -> out.stats().sendQueuedMessages() == expectedQueued);
        }
        return sent;
    }

    static byte[] msg(int sequence) {
        byte[] b = new byte[MESSAGE];
        ByteBuffer.wrap(b).putInt(sequence);
        return b;
    }

    static List<Integer> drain(Stream in, int count) throws InterruptedException {
        List<Integer> seen = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try (Message m = in.poll(5, TimeUnit.SECONDS)) {
                if (m == null) {
                    break;
                }
                seen.add(m.payload().getInt());
            }
        }
        return seen;
    }

    @Test
    void blockWaitsAndBoundsPendingAsyncSends() throws Exception {
        try (Loopback lb = loopback()) {
            Stream out = open(lb, OverflowPolicy.BLOCK);
            Stream in = lb.nextAccepted();
            int sent = fill(out, in);
            assertThat(out.offer(msg(sent))).isEqualTo(OfferResult.QUEUE_FULL);
            assertThatThrownBy(() -> out.send(msg(sent), 100, TimeUnit.MILLISECONDS))
                    .isInstanceOf(TimeoutException.class);
            List<CompletableFuture<Void>> pending = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                pending.add(out.send(msg(sent + i)).toCompletableFuture());
            }
            assertThat(pending).noneMatch(CompletableFuture::isDone);
            assertThat(out.stats().pendingSends()).isEqualTo(3);
            CompletableFuture<Void> fourth = out.send(msg(sent + 3)).toCompletableFuture();
            assertThatThrownBy(fourth::get)
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOfSatisfying(
                            SendRejectedException.class,
                            e -> assertThat(e.isRetryable()).isTrue());
            // The reader resumes: the pending sends complete and everything arrives in order, nothing lost.
            List<Integer> seen = drain(in, sent + 3);
            for (CompletableFuture<Void> f : pending) {
                assertThat(f.get(5, TimeUnit.SECONDS)).isNull();
            }
            assertThat(seen).hasSize(sent + 3);
            for (int i = 0; i < seen.size(); i++) {
                assertThat(seen.get(i)).isEqualTo(i);
            }
            assertThat(out.stats().droppedMessages()).isZero();
        }
    }

    @Test
    void dropOldestKeepsTheNewestAndCountsDrops() throws Exception {
        try (Loopback lb = loopback()) {
            Stream out = open(lb, OverflowPolicy.DROP_OLDEST);
            Stream in = lb.nextAccepted();
            int sent = fill(out, in); // 0-3 delivered into the window, 4-7 queued
            for (int i = 0; i < 3; i++) {
                assertThat(out.offer(msg(sent++))).isEqualTo(OfferResult.ACCEPTED);
            }
            out.send(msg(sent++)).toCompletableFuture().get(1, TimeUnit.SECONDS);
            out.send(msg(sent++), 1, TimeUnit.SECONDS);
            assertThat(out.stats().droppedMessages()).isEqualTo(5);
            assertThat(out.stats().sendQueuedMessages()).isEqualTo(4);
            List<Integer> seen = drain(in, sent - 5);
            // 0-3 were in the window, 4-8 evicted oldest first, 9-12 (the newest) kept.
            assertThat(seen).containsExactly(0, 1, 2, 3, 9, 10, 11, 12);
        }
    }

    @Test
    void dropNewestKeepsTheOldestAndCountsDrops() throws Exception {
        try (Loopback lb = loopback()) {
            Stream out = open(lb, OverflowPolicy.DROP_NEWEST);
            Stream in = lb.nextAccepted();
            int sent = fill(out, in);
            assertThat(out.offer(msg(sent))).isEqualTo(OfferResult.DROPPED);
            assertThatThrownBy(() -> out.send(msg(sent)).toCompletableFuture().get())
                    .hasCauseInstanceOf(MessageDroppedException.class);
            assertThatThrownBy(() -> out.send(msg(sent), 1, TimeUnit.SECONDS))
                    .isInstanceOf(MessageDroppedException.class);
            assertThat(out.stats().droppedMessages()).isEqualTo(3);
            assertThat(drain(in, sent)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        }
    }

    @Test
    void rejectFailsFastWithARetryableError() throws Exception {
        try (Loopback lb = loopback()) {
            Stream out = open(lb, OverflowPolicy.REJECT);
            Stream in = lb.nextAccepted();
            int sent = fill(out, in);
            assertThat(out.offer(msg(sent))).isEqualTo(OfferResult.QUEUE_FULL);
            assertThatThrownBy(() -> out.send(msg(sent)).toCompletableFuture().get())
                    .hasCauseInstanceOf(SendRejectedException.class);
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> out.send(msg(sent), 5, TimeUnit.SECONDS))
                    .isInstanceOf(SendRejectedException.class);
            assertThat(System.nanoTime() - t0).as("did not wait").isLessThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(out.stats().droppedMessages()).isZero();
            assertThat(drain(in, sent)).hasSize(sent);
        }
    }
}
