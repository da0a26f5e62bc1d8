package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.StallReason;
import io.creditflow.testing.Await;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.flow.StreamPublisher;
import io.creditflow.transport.flow.StreamSubscriber;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.SubmissionPublisher;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Push mode with explicit demand, the Flow adapters, and the event-loop guard. */
class PushAndFlowTest {

    @Test
    void pushModeDeliversExactlyWhatWasRequested() throws Exception {
        List<Integer> got = new CopyOnWriteArrayList<>();
        AtomicReference<Stream> serverSide = new AtomicReference<>();
        CountDownLatch halfClosed = new CountDownLatch(1);
        try (Loopback lb = new Loopback(s -> {}, c -> {}, stream -> new StreamListener() {
            @Override
            public void onOpen(Stream s) {
                serverSide.set(s);
            }

            @Override
            public void onMessage(Stream s, Message m) {
                got.add(m.payload().getInt());
            }

            @Override
            public void onHalfClose(Stream s) {
                halfClosed.countDown();
            }
        })) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            for (int i = 0; i < 100; i++) {
                out.offer(ByteBuffer.allocate(4).putInt(0, i));
            }
            Stream in = lb.nextAccepted();
            Await.until(
                    "the sender to stall without demand",
                    Duration.ofSeconds(5),
                    () -> out.stats().stalledNanos(StallReason.NO_PEER_CREDIT) > 0);
            assertThat(got).as("nothing requested, nothing delivered").isEmpty();
            in.request(10);
            Await.until("10 messages", Duration.ofSeconds(5), () -> got.size() == 10);
            assertThat(out.stats().sendCreditMessages()).isZero();
            assertThat(got).hasSize(10);
            in.request(Long.MAX_VALUE);
            out.halfClose();
            assertThat(halfClosed.await(5, TimeUnit.SECONDS)).isTrue();
            assertThat(got).hasSize(100);
            for (int i = 0; i < 100; i++) {
                assertThat(got.get(i)).isEqualTo(i);
            }
            assertThat(serverSide.get()).isSameAs(in);
        }
    }

    @Test
    void flowSubscriberDemandIsWhatGrantsCredit() throws Exception {
        StreamPublisher publisher = new StreamPublisher();
        try (Loopback lb = new Loopback(s -> {}, c -> {}, stream -> publisher)) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            lb.nextAccepted();
            // Upstream: a JDK publisher feeding the stream through StreamSubscriber.
            int total = 5000;
            SubmissionPublisher<byte[]> source = new SubmissionPublisher<>();
            source.subscribe(new StreamSubscriber(out, 32));
            // Downstream: a slow-starting subscriber that requests in batches.
            List<Integer> got = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> complete = new CompletableFuture<>();
            AtomicReference<Flow.Subscription> sub = new AtomicReference<>();
            publisher.subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    sub.set(s);
                }

                @Override
                public void onNext(byte[] item) {
                    got.add(ByteBuffer.wrap(item).getInt());
                    if (got.size() % 100 == 0) {
                        sub.get().request(100);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    complete.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    complete.complete(null);
                }
            });
            CompletableFuture<Void> feeding = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < total; i++) {
                    source.submit(ByteBuffer.allocate(4).putInt(i).array()); // blocks when the chain is full
                }
                source.close();
            });
            Await.until(
                    "the chain to back up",
                    Duration.ofSeconds(5),
                    () -> out.stats().stalledNanos(StallReason.NO_PEER_CREDIT) > 0);
            assertThat(got).as("no demand yet").isEmpty();
            assertThat(feeding).as("the upstream publisher is held back").isNotDone();
            sub.get().request(100);
            complete.get(20, TimeUnit.SECONDS);
            feeding.get(5, TimeUnit.SECONDS);
            assertThat(got).hasSize(total);
            for (int i = 0; i < total; i++) {
                assertThat(got.get(i)).isEqualTo(i);
            }
        }
    }

    @Test
    void blockingCallsOnAnEventLoopFailFast() throws Exception {
        AtomicReference<Throwable> sendFailure = new AtomicReference<>();
        AtomicReference<Throwable> pollFailure = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(1);
        try (Loopback lb = new Loopback(s -> {}, c -> {}, stream -> {
            long t0 = System.nanoTime();
            try {
                stream.send(new byte[1], 10, TimeUnit.SECONDS);
            } catch (IllegalStateException e) {
                sendFailure.set(e);
            } catch (InterruptedException | TimeoutException e) {
                sendFailure.set(new AssertionError("waited instead of failing fast", e));
            }
            try {
                stream.poll(10, TimeUnit.SECONDS);
            } catch (IllegalStateException e) {
                pollFailure.set(e);
            } catch (InterruptedException e) {
                pollFailure.set(e);
            }
            if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(2)) {
                sendFailure.set(new AssertionError("blocked the event loop"));
            }
            done.countDown();
            return StreamListener.PULL;
        })) {
            lb.connection.openStream(StreamOptions.defaults());
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(sendFailure.get())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("event loop");
            assertThat(pollFailure.get())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("event loop");
        }
    }

    @Test
    void cancelResetsBothSidesAndCountsUnsentMessages() throws Exception {
        try (Loopback lb = Loopback.pull(s -> s.streamWindowMessages(2), c -> {})) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            Stream in = lb.nextAccepted();
            for (int i = 0; i < 10; i++) {
                out.offer(new byte[8]);
            }
            Await.until(
                    "the window to fill",
                    Duration.ofSeconds(5),
                    () -> in.stats().receiveBufferedMessages() == 2);
            out.cancel("changed my mind");
            CloseStatus local = out.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            CloseStatus remote = in.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertThat(local.code()).isEqualTo(io.creditflow.transport.ErrorCode.CANCEL);
            assertThat(local.unsentMessages())
                    .as("queued, never written: the sender is told")
                    .isEqualTo(8);
            assertThat(remote.code()).isEqualTo(io.creditflow.transport.ErrorCode.CANCEL);
            assertThat(remote.remote()).isTrue();
            assertThat(remote.reason()).isEqualTo("changed my mind");
            Await.until(
                    "the server to release the stream's memory",
                    Duration.ofSeconds(5),
                    () -> lb.server.memoryBudget().reservedBytes() == 0);
        }
    }

    @Test
    void goAwayDrainsOpenStreamsAndRefusesNewOnes() throws Exception {
        try (Loopback lb = Loopback.pull(s -> {}, c -> {})) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            Stream in = lb.nextAccepted();
            out.send(new byte[] {1}, 5, TimeUnit.SECONDS);
            CompletableFuture<CloseStatus> serverClosed = lb.server
                    .connections()
                    .iterator()
                    .next()
                    .shutdown(Duration.ofSeconds(10))
                    .toCompletableFuture();
            Await.until("the client to see GOAWAY", Duration.ofSeconds(5), () -> !lb.connection.isActive());
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> lb.connection.openStream(StreamOptions.defaults()))
                    .isInstanceOfSatisfying(
                            io.creditflow.transport.StreamClosedException.class,
                            e -> assertThat(e.isRetryable()).isTrue());
            // The open stream still completes both ways.
            out.send(new byte[] {2}, 5, TimeUnit.SECONDS);
            out.halfClose();
            AtomicInteger n = new AtomicInteger();
            for (int i = 0; i < 3; i++) {
                try (Message m = in.poll(5, TimeUnit.SECONDS)) {
                    if (m == null) {
                        break;
                    }
                    n.incrementAndGet();
                }
            }
            assertThat(n).hasValue(2);
            in.halfClose();
            assertThat(out.closeFuture()
                            .toCompletableFuture()
                            .get(5, TimeUnit.SECONDS)
                            .isOk())
                    .isTrue();
            CloseStatus status = serverClosed.get(5, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
            lb.connection.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }
}
