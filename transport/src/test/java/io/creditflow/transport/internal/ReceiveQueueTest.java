package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamClosedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A pull-mode stream's receive queue alone: readability edges, polls on an open, half-closed, failed and
 * push-mode stream, the consumption batching that decides when credit goes back, and buffer release on a failed
 * end. Messages are taken (not closed) so that no stream is needed; their buffers are released here.
 */
@ExtendWith(LeakCheck.class)
class ReceiveQueueTest {
    private final List<ByteBuf> buffers = new ArrayList<>();

    DefaultMessage message(int size) {
        ByteBuf b = Unpooled.buffer(size).writeZero(size);
        buffers.add(b);
        return new DefaultMessage(null).reset(b, size + 4);
    }

    void releaseTaken(DefaultMessage m) {
        m.discard();
    }

    @Test
    void onlyTheFirstMessageIntoAnEmptyQueueMakesItReadable() throws InterruptedException {
        ReceiveQueue q = new ReceiveQueue(1000, 10);
        assertThat(q.add(message(1))).isTrue();
        assertThat(q.add(message(2))).isFalse();
        assertThat(q.peekSize()).isEqualTo(1);
        releaseTaken(q.poll(0, TimeUnit.SECONDS));
        releaseTaken(q.poll(0, TimeUnit.SECONDS));
        assertThat(q.isEmpty()).isTrue();
        assertThat(q.peekSize()).isEqualTo(-1);
        assertThat(q.add(message(3))).as("empty again: a new edge").isTrue();
        releaseTaken(q.poll(0, TimeUnit.SECONDS));
    }

    @Test
    void pollTimesOutOnAnOpenStreamAndEndsWithNullAfterAHalfCloseOnceDrained() throws InterruptedException {
        ReceiveQueue q = new ReceiveQueue(1000, 10);
        assertThat(q.poll(0, TimeUnit.SECONDS)).isNull();
        assertThat(q.poll(20, TimeUnit.MILLISECONDS)).as("timeout").isNull();
        assertThat(q.isFinished()).isFalse();
        q.add(message(5));
        q.finish();
        assertThat(q.isFinished()).as("a message is still there").isFalse();
        DefaultMessage m = q.poll(0, TimeUnit.SECONDS);
        assertThat(m.size()).isEqualTo(5);
        releaseTaken(m);
        assertThat(q.isFinished()).isTrue();
        assertThat(q.poll(10, TimeUnit.SECONDS))
                .as("the end: null at once, no wait")
                .isNull();
    }

    @Test
    void aCleanEndKeepsTheMessagesAFailedEndReleasesThemAndPollsThrow() throws InterruptedException {
        ReceiveQueue clean = new ReceiveQueue(1000, 10);
        clean.add(message(1));
        clean.close(CloseStatus.OK);
        DefaultMessage kept = clean.poll(0, TimeUnit.SECONDS);
        assertThat(kept).isNotNull();
        releaseTaken(kept);

        ReceiveQueue failed = new ReceiveQueue(1000, 10);
        failed.add(message(1));
        failed.add(message(2));
        CloseStatus reset = new CloseStatus(ErrorCode.CANCEL, "reset", true, 0);
        failed.close(reset);
        assertThat(buffers.get(1).refCnt()).as("released on the failed end").isZero();
        assertThat(buffers.get(2).refCnt()).isZero();
        assertThatThrownBy(() -> failed.poll(0, TimeUnit.SECONDS))
                .isInstanceOf(StreamClosedException.class)
                .satisfies(e -> assertThat(((StreamClosedException) e).status()).isEqualTo(reset));
        failed.close(new CloseStatus(ErrorCode.INTERNAL_ERROR, "later", false, 0));
        assertThatThrownBy(() -> failed.poll(0, TimeUnit.SECONDS))
                .as("the first failure stays")
                .satisfies(e -> assertThat(((StreamClosedException) e).status()).isEqualTo(reset));
    }

    @Test
    void aWaitingPollerWakesForAMessageAndForTheEnd() throws Exception {
        for (boolean end : new boolean[] {false, true}) {
            ReceiveQueue q = new ReceiveQueue(1000, 10);
            CountDownLatch started = new CountDownLatch(1);
            AtomicReference<Object> got = new AtomicReference<>();
            Thread poller = new Thread(() -> {
                started.countDown();
                try {
                    DefaultMessage m = q.poll(30, TimeUnit.SECONDS);
                    got.set(m == null ? "null" : m);
                } catch (InterruptedException e) {
                    got.set(e);
                }
            });
            poller.start();
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            if (end) {
                q.finish();
            } else {
                q.add(message(7));
            }
            poller.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(poller.isAlive()).isFalse();
            if (end) {
                assertThat(got.get()).isEqualTo("null");
            } else {
                assertThat(got.get()).isInstanceOf(DefaultMessage.class);
                releaseTaken((DefaultMessage) got.get());
            }
        }
    }

    @Test
    void pollsOfAStreamThatTurnedOutPushModeFailWithTheReason() {
        ReceiveQueue q = new ReceiveQueue(1000, 10);
        q.rejectPolls("this stream has a listener");
        assertThatThrownBy(() -> q.poll(0, TimeUnit.SECONDS))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("this stream has a listener");
    }

    @Test
    void consumptionIsHandedToTheLoopInBatchesOrAtOnceWhenUrgentOrDrained() throws InterruptedException {
        ReceiveQueue q = new ReceiveQueue(100, 3);
        q.add(message(1)); // keeps the queue non-empty, so only the thresholds decide
        assertThat(q.onConsumed(10, 14, false)).as("below both thresholds").isFalse();
        assertThat(q.onConsumed(10, 14, false)).isFalse();
        assertThat(q.onConsumed(10, 14, false))
                .as("the third message: message threshold")
                .isTrue();
        assertThat(q.onConsumed(10, 14, false))
                .as("already scheduled: no second task")
                .isFalse();
        assertThat(q.takeConsumed()).containsExactly(40, 4, 56);
        assertThat(q.onConsumed(150, 154, false)).as("byte threshold").isTrue();
        assertThat(q.takeConsumed()).containsExactly(150, 1, 154);
        assertThat(q.onConsumed(1, 5, true)).as("urgent (reading paused)").isTrue();
        assertThat(q.takeConsumed()).containsExactly(1, 1, 5);
        q.poll(0, TimeUnit.SECONDS).discard();
        assertThat(q.onConsumed(1, 5, false))
                .as("the queue ran empty: the peer may be waiting")
                .isTrue();
        assertThat(q.takeConsumed()).containsExactly(1, 1, 5);
        assertThat(q.takeConsumed()).as("reset after each hand-over").containsExactly(0, 0, 0);
    }
}
