package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.wire.Frame;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The stream's loop half alone, driven the way the write pass and the inbound dispatch drive it (the test thread
 * is the embedded channel's event loop; queued commands run only when the test reads the channel).
 */
class StreamTransportStateTest {
    private static StreamTransportState acceptedStream(Harness h) {
        h.handshake();
        h.send(open(1));
        h.read();
        return ((DefaultStream) h.accepted.get(0)).transport;
    }

    @Test
    void theWritePassTakesAMessageOnlyIfItFitsAndStagesItUntilWritten() {
        try (Harness h = Harness.server(new TestEndpoint())) {
            StreamTransportState t = acceptedStream(h);
            DefaultStream s = t.stream;
            assertThat(s.sendQueue.offer(new byte[10], 10)).isEqualTo(OfferResult.ACCEPTED);
            assertThat(s.sendQueue.offer(new byte[20], 20)).isEqualTo(OfferResult.ACCEPTED);

            assertThat(t.takeIfFits(5)).as("the head's size, not taken").isEqualTo(10);
            assertThat(t.stagedBytes()).isEqualTo(-1);
            assertThat(t.takeIfFits(100)).isEqualTo(10);
            assertThat(t.stagedBytes()).as("taken out of the queue, staged").isEqualTo(10);
            assertThat(t.takeIfFits(100))
                    .as("the staged one again, nothing more taken")
                    .isEqualTo(10);
            assertThat(s.stats().sendQueuedMessages())
                    .as("the staged message still counts as queued")
                    .isEqualTo(2);
            assertThat(s.stats().sendQueuedBytes()).isEqualTo(30);

            t.write();
            assertThat(t.stagedBytes()).isEqualTo(-1);
            assertThat(s.stats().sendQueuedMessages()).isEqualTo(1);
            s.connection.flushIfNeeded();
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.DATA))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getData().getPayload().size()).isEqualTo(10));
        }
    }

    @Test
    void aFinishedQueueWritesOneHalfCloseAndMovesTheStateOnce() {
        try (Harness h = Harness.server(new TestEndpoint())) {
            StreamTransportState t = acceptedStream(h);
            t.stream.sendQueue.finish();
            assertThat(t.takeIfFits(100)).as("nothing to send").isNegative();
            assertThat(t.halfCloseWritten).isTrue();
            assertThat(t.state).isEqualTo(StreamState.HALF_CLOSED_LOCAL);
            t.takeIfFits(100);
            t.stream.connection.flushIfNeeded();
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.HALF_CLOSE))
                    .as("written once")
                    .hasSize(1);
            assertThat(t.state).isEqualTo(StreamState.HALF_CLOSED_LOCAL);
        }
    }

    @Test
    void closingCountsTheStagedAndQueuedMessagesAsUnsentOnce() {
        try (Harness h = Harness.server(new TestEndpoint())) {
            StreamTransportState t = acceptedStream(h);
            DefaultStream s = t.stream;
            s.sendQueue.offer(new byte[10], 10);
            s.sendQueue.offer(new byte[10], 10);
            t.takeIfFits(100);
            h.p.handler.host().registry.remove(s);
            t.closeWith(new CloseStatus(ErrorCode.CANCEL, "test", false, 0));
            CloseStatus status = s.closeFuture().toCompletableFuture().join();
            assertThat(status.code()).isEqualTo(ErrorCode.CANCEL);
            assertThat(status.unsentMessages()).isEqualTo(2);
            assertThat(t.isClosed()).isTrue();
            assertThat(t.state).isEqualTo(StreamState.CLOSED);
            assertThat(t.takeIfFits(100)).as("a closed stream offers nothing").isNegative();
            t.closeWith(new CloseStatus(ErrorCode.INTERNAL_ERROR, "again", false, 0));
            assertThat(t.closeStatus).as("idempotent").isEqualTo(status);
        }
    }

    @Test
    void creditWakesAnApplicationThatSawNotReady() {
        AtomicInteger ready = new AtomicInteger();
        try (Harness h = Harness.server(new TestEndpoint(), s -> new PullListener() {
            @Override
            public void onReady(Stream stream) {
                ready.incrementAndGet();
            }
        })) {
            StreamTransportState t = acceptedStream(h);
            int before = ready.get();
            t.stream.wantsReady = true;
            t.onCredit(1000, 10);
            assertThat(ready.get()).isEqualTo(before + 1);
            assertThat(t.stream.wantsReady).as("answered").isFalse();
            t.onCredit(1000, 10);
            assertThat(ready.get()).as("nobody asked again").isEqualTo(before + 1);
        }
    }
}
