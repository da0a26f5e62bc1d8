package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.MessageDroppedException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.OverflowPolicy;
import io.creditflow.transport.SendRejectedException;
import io.creditflow.transport.StreamClosedException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The send queue alone, without a connection: its one admission decision ({@link Admission#decide}), then every
 * overflow policy through every entry point ({@code offer}, async {@code send}, blocking {@code send}) in every
 * state (room, full, half-closed, closed), then the paths between the producer threads and the loop (waiting
 * sends admitted in order and never overtaken, a blocked thread woken, the bounds on waiting sends, close
 * accounting).
 */
class SendQueueTest {
    /** Room for two 10-byte messages. */
    static final int MAX_BYTES = 20;

    static final int MAX_MESSAGES = 2;

    enum Entry {
        OFFER,
        SEND_ASYNC,
        SEND_BLOCKING
    }

    enum State {
        ROOM,
        FULL,
        FINISHING,
        CLOSED
    }

    /** What an entry point did. */
    enum Outcome {
        ACCEPTED,
        WAITING,
        QUEUE_FULL,
        DROPPED_NEWEST,
        REJECTED,
        TIMED_OUT,
        CLOSED
    }

    final AtomicInteger wakeups = new AtomicInteger();

    SendQueue queue(OverflowPolicy policy) {
        return new SendQueue(policy, MAX_BYTES, MAX_MESSAGES, 2, wakeups::incrementAndGet);
    }

    static byte[] message(int tag) {
        byte[] b = new byte[10];
        b[0] = (byte) tag;
        return b;
    }

    /** The loop's take: the message taken, or null (the head is larger than {@code maxBytes}, or none). */
    static Object poll(SendQueue q, long maxBytes) {
        Object[] taken = new Object[1];
        int size = q.pollIfAtMost(maxBytes, m -> taken[0] = m);
        assertThat(taken[0] != null)
                .as("taken iff 0 <= head size (%d) <= %d", size, maxBytes)
                .isEqualTo(size >= 0 && size <= maxBytes);
        if (taken[0] != null) {
            assertThat(QueuedMessages.sizeOf(taken[0])).isEqualTo(size);
        }
        return taken[0];
    }

    /** The decision alone, as {@link OverflowPolicy}'s table states it; every entry point maps this. */
    static List<Arguments> admissions() {
        return List.of(
                Arguments.of(OverflowPolicy.BLOCK, true, true, Admission.ACCEPT),
                Arguments.of(OverflowPolicy.BLOCK, true, false, Admission.WAIT),
                Arguments.of(OverflowPolicy.BLOCK, false, true, Admission.CLOSED),
                Arguments.of(OverflowPolicy.BLOCK, false, false, Admission.CLOSED),
                Arguments.of(OverflowPolicy.DROP_OLDEST, true, true, Admission.ACCEPT),
                Arguments.of(OverflowPolicy.DROP_OLDEST, true, false, Admission.EVICT_OLDEST_THEN_ACCEPT),
                Arguments.of(OverflowPolicy.DROP_OLDEST, false, true, Admission.CLOSED),
                Arguments.of(OverflowPolicy.DROP_OLDEST, false, false, Admission.CLOSED),
                Arguments.of(OverflowPolicy.DROP_NEWEST, true, true, Admission.ACCEPT),
                Arguments.of(OverflowPolicy.DROP_NEWEST, true, false, Admission.DROP),
                Arguments.of(OverflowPolicy.DROP_NEWEST, false, true, Admission.CLOSED),
                Arguments.of(OverflowPolicy.DROP_NEWEST, false, false, Admission.CLOSED),
                Arguments.of(OverflowPolicy.REJECT, true, true, Admission.ACCEPT),
                Arguments.of(OverflowPolicy.REJECT, true, false, Admission.REJECT),
                Arguments.of(OverflowPolicy.REJECT, false, true, Admission.CLOSED),
                Arguments.of(OverflowPolicy.REJECT, false, false, Admission.CLOSED));
    }

    @ParameterizedTest(name = "{0} open={1} room={2} -> {3}")
    @MethodSource("admissions")
    void oneDecisionPerPolicyAndState(OverflowPolicy policy, boolean open, boolean room, Admission expected) {
        assertThat(Admission.decide(policy, open, room)).isEqualTo(expected);
        assertThat(expected.queued()).isEqualTo(open && (room || policy == OverflowPolicy.DROP_OLDEST));
    }

    @Test
    void aSendDoesNotOvertakeAWaitingOneEvenWhenItWouldFit() throws InterruptedException {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        q.offer(message(1), 10);
        q.offer(message(2), 10);
        CompletableFuture<Void> waiting = q.sendAsync(new byte[15], 15).toCompletableFuture();
        assertThat(poll(q, 100)).isNotNull(); // 10 bytes free: the 15-byte waiting send does not fit
        assertThat(waiting).isNotDone();
        assertThat(q.hasRoom()).as("a send waits").isFalse();
        for (Entry entry : Entry.values()) {
            assertThat(call(q, entry, new byte[1]))
                    .as("%s of a message that fits behind a waiting send", entry)
                    .isEqualTo(expected(OverflowPolicy.BLOCK, entry, State.FULL));
        }
        assertThat(poll(q, 100)).isNotNull();
        assertThat(waiting).isCompleted();
        assertThat(q.queuedMessages())
                .as("both waiting sends, in order (the async one of the loop above waited too)")
                .isEqualTo(2);
        assertThat(q.pendingSends()).isZero();
    }

    static Outcome expected(OverflowPolicy policy, Entry entry, State state) {
        if (state == State.FINISHING || state == State.CLOSED) {
            return Outcome.CLOSED;
        }
        if (state == State.ROOM || policy == OverflowPolicy.DROP_OLDEST) {
            return Outcome.ACCEPTED;
        }
        return switch (policy) {
            case DROP_NEWEST -> Outcome.DROPPED_NEWEST;
            case REJECT -> entry == Entry.OFFER ? Outcome.QUEUE_FULL : Outcome.REJECTED;
            default ->
                switch (entry) { // BLOCK
                    case OFFER -> Outcome.QUEUE_FULL;
                    case SEND_ASYNC -> Outcome.WAITING;
                    case SEND_BLOCKING -> Outcome.TIMED_OUT;
                };
        };
    }

    static List<Arguments> matrix() {
        List<Arguments> all = new ArrayList<>();
        for (OverflowPolicy p : OverflowPolicy.values()) {
            for (Entry e : Entry.values()) {
                for (State s : State.values()) {
                    all.add(Arguments.of(p, e, s, expected(p, e, s)));
                }
            }
        }
        return all;
    }

    static Outcome call(SendQueue q, Entry entry, byte[] m) throws InterruptedException {
        switch (entry) {
            case OFFER -> {
                OfferResult r = q.offer(m, m.length);
                return switch (r) {
                    case ACCEPTED -> Outcome.ACCEPTED;
                    case QUEUE_FULL -> Outcome.QUEUE_FULL;
                    case DROPPED -> Outcome.DROPPED_NEWEST;
                    case CLOSED -> Outcome.CLOSED;
                };
            }
            case SEND_ASYNC -> {
                CompletableFuture<Void> f = q.sendAsync(m, m.length).toCompletableFuture();
                if (!f.isDone()) {
                    return Outcome.WAITING;
                }
                try {
                    f.join();
                    return Outcome.ACCEPTED;
                } catch (CompletionException e) {
                    return classify(e.getCause());
                }
            }
            default -> {
                try {
                    q.sendBlocking(m, m.length, 0);
                    return Outcome.ACCEPTED;
                } catch (TimeoutException e) {
                    return Outcome.TIMED_OUT;
                } catch (RuntimeException e) {
                    return classify(e);
                }
            }
        }
    }

    static Outcome classify(Throwable t) {
        if (t instanceof MessageDroppedException) {
            return Outcome.DROPPED_NEWEST;
        } else if (t instanceof SendRejectedException) {
            return Outcome.REJECTED;
        } else if (t instanceof StreamClosedException) {
            return Outcome.CLOSED;
        }
        throw new AssertionError("unexpected failure", t);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {3}")
    @MethodSource("matrix")
    void everyPolicyThroughEveryEntryPointInEveryState(
            OverflowPolicy policy, Entry entry, State state, Outcome expected) throws InterruptedException {
        SendQueue q = queue(policy);
        int before = 0;
        if (state != State.ROOM) {
            q.offer(message(1), 10);
            q.offer(message(2), 10);
            before = 2;
        }
        if (state == State.FINISHING) {
            q.finish();
        } else if (state == State.CLOSED) {
            assertThat(q.close(new CloseStatus(ErrorCode.CANCEL, "test", false, 0)))
                    .isEqualTo(2);
            before = 0;
        }
        int wakeupsBefore = wakeups.get();
        long droppedBefore = q.droppedMessages();

        assertThat(call(q, entry, message(3))).isEqualTo(expected);

        switch (expected) {
            case ACCEPTED -> {
                assertThat(wakeups.get())
                        .as("the loop is asked for a write pass")
                        .isEqualTo(wakeupsBefore + 1);
                if (state == State.FULL) { // DROP_OLDEST made room by dropping message 1
                    assertThat(q.droppedMessages()).isEqualTo(droppedBefore + 1);
                    assertThat(q.queuedMessages()).isEqualTo(MAX_MESSAGES);
                    assertThat(((byte[]) poll(q, 100))[0]).as("the oldest went").isEqualTo((byte) 2);
                } else {
                    assertThat(q.queuedMessages()).isEqualTo(before + 1);
                }
            }
            case WAITING -> {
                assertThat(q.pendingSends()).isEqualTo(1);
                assertThat(q.queuedMessages()).isEqualTo(MAX_MESSAGES);
                assertThat(q.hasRoom()).isFalse();
            }
            case DROPPED_NEWEST -> {
                assertThat(q.droppedMessages()).isEqualTo(droppedBefore + 1);
                assertThat(q.queuedMessages()).isEqualTo(MAX_MESSAGES);
            }
            default -> {
                assertThat(q.droppedMessages()).as("nothing dropped").isEqualTo(droppedBefore);
                assertThat(q.queuedMessages()).as("nothing added").isEqualTo(before);
                assertThat(wakeups.get()).as("no write pass for nothing").isEqualTo(wakeupsBefore);
            }
        }
    }

    @Test
    void aMessageLargerThanTheBoundEntersAnEmptyQueueAlone() throws InterruptedException {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        assertThat(q.offer(new byte[MAX_BYTES * 3], MAX_BYTES * 3)).isEqualTo(OfferResult.ACCEPTED);
        assertThat(q.offer(message(1), 10)).as("nothing joins it").isEqualTo(OfferResult.QUEUE_FULL);
        List<Object> taken = new ArrayList<>();
        assertThat(q.pollIfAtMost(MAX_BYTES, taken::add))
                .as("the loop's limit keeps it, and the head's size says why")
                .isEqualTo(MAX_BYTES * 3);
        assertThat(taken).isEmpty();
        assertThat(q.queuedMessages()).isEqualTo(1);
        assertThat(q.pollIfAtMost(MAX_BYTES * 3, taken::add)).isEqualTo(MAX_BYTES * 3);
        assertThat(taken).hasSize(1);
        assertThat(q.pollIfAtMost(100, taken::add)).as("empty").isEqualTo(-1);
        assertThat(taken).hasSize(1);
    }

    @Test
    void waitingAsyncSendsAreAdmittedInOrderAsTheLoopTakesAndLaterSendsQueueBehindThem() {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        q.offer(message(1), 10);
        q.offer(message(2), 10);
        CompletableFuture<Void> third = q.sendAsync(message(3), 10).toCompletableFuture();
        CompletableFuture<Void> fourth = q.sendAsync(message(4), 10).toCompletableFuture();
        assertThat(q.sendAsync(message(5), 10).toCompletableFuture())
                .as("maxPendingSends is 2")
                .isCompletedExceptionally();
        assertThat(q.offer(message(6), 10))
                .as("an offer does not overtake waiting sends")
                .isEqualTo(OfferResult.QUEUE_FULL);
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 1);
        assertThat(third).isCompleted();
        assertThat(fourth).isNotDone();
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 2);
        assertThat(fourth).isCompleted();
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 3);
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 4);
        assertThat(q.isEmpty()).isTrue();
    }

    @Test
    void aBlockedSenderWakesWhenTheLoopTakesAMessage() throws Exception {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        q.offer(message(1), 10);
        q.offer(message(2), 10);
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread sender = new Thread(() -> {
            started.countDown();
            try {
                q.sendBlocking(message(3), 10, TimeUnit.SECONDS.toNanos(30));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        sender.start();
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        poll(q, 100); // room for one: whether the sender already waits or not, it gets in
        sender.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(sender.isAlive()).isFalse();
        assertThat(failure.get()).isNull();
        assertThat(q.queuedMessages()).isEqualTo(2);
    }

    @Test
    void aBlockedSenderFailsWhenTheStreamHalfClosesOrCloses() throws Exception {
        for (boolean close : new boolean[] {false, true}) {
            SendQueue q = queue(OverflowPolicy.BLOCK);
            q.offer(message(1), 10);
            q.offer(message(2), 10);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread sender = new Thread(() -> {
                try {
                    q.sendBlocking(message(3), 10, TimeUnit.SECONDS.toNanos(30));
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            sender.start();
            if (close) {
                q.close(new CloseStatus(ErrorCode.CANCEL, "gone", true, 0));
            } else {
                q.finish();
            }
            sender.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(sender.isAlive()).isFalse();
            assertThat(failure.get()).as(close ? "closed" : "half-closed").isInstanceOf(StreamClosedException.class);
        }
    }

    @Test
    void closeCountsQueuedAndWaitingMessagesAsUnsentAndFailsTheWaitingOnes() {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        q.offer(message(1), 10);
        q.offer(message(2), 10);
        CompletableFuture<Void> waiting = q.sendAsync(message(3), 10).toCompletableFuture();
        CloseStatus status = new CloseStatus(ErrorCode.CANCEL, "reset by peer", true, 0);
        assertThat(q.close(status)).isEqualTo(3);
        assertThat(q.close(status)).as("once").isZero();
        assertThatThrownBy(waiting::join).hasCauseInstanceOf(StreamClosedException.class);
        assertThat(((StreamClosedException) waiting.handle((v, e) -> e).join()).status())
                .isEqualTo(status);
        assertThat(q.queuedMessages()).isZero();
        assertThat(poll(q, 100)).isNull();
    }

    @Test
    void finishKeepsWhatWasQueuedAndWaitingForTheLoop() {
        SendQueue q = queue(OverflowPolicy.BLOCK);
        q.offer(message(1), 10);
        q.offer(message(2), 10);
        CompletableFuture<Void> waiting = q.sendAsync(message(3), 10).toCompletableFuture();
        q.finish();
        assertThat(q.isFinishing()).isTrue();
        assertThat(q.offer(message(4), 10)).isEqualTo(OfferResult.CLOSED);
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 1);
        assertThat(waiting)
                .as("a send that waited before the half-close still goes")
                .isCompleted();
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 2);
        assertThat(((byte[]) poll(q, 100))[0]).isEqualTo((byte) 3);
        assertThat(q.isEmpty()).isTrue();
    }
}
