package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.data;
import static io.creditflow.transport.internal.Frames.halfClose;
import static io.creditflow.transport.internal.Frames.open;
import static io.creditflow.transport.internal.Frames.reset;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Items 7 (Rapid Reset), 8 (MadeYouReset) and 11 (stream-open flood), against a server handler in an
 * EmbeddedChannel whose application counts the streams it has open at once.
 */
@ExtendWith(LeakCheck.class)
class StreamAbuseTest {

    /** The application side: counts streams between onOpen and onClose, and how each ended. */
    static final class App implements StreamHandler {
        int active;
        int maxActive;
        int opened;
        final Map<Integer, CloseStatus> closed = new ConcurrentHashMap<>();

        @Override
        public io.creditflow.transport.StreamListener onStream(Stream stream) {
            return new PullListener() {
                @Override
                public void onOpen(Stream s) {
                    opened++;
                    maxActive = Math.max(maxActive, ++active);
                }

                @Override
                public void onClose(Stream s, CloseStatus status) {
                    active--;
                    closed.put(s.id(), status);
                }
            };
        }
    }

    static void append(ByteBuf batch, Frame f) {
        ByteBuf one = FrameWriter.encode(ByteBufAllocator.DEFAULT, f);
        batch.writeBytes(one);
        one.release();
    }

    static void appendData(ByteBuf batch, int id, int size) {
        ByteBuf one = data(id, new byte[size]);
        batch.writeBytes(one);
        one.release();
    }

    // ------------------------------------------------------------------ item 7: Rapid Reset

    @Test
    void rapidResetIsCutOffPastTheResetBudgetAndNeverHasMoreThanTheStreamLimitActive() {
        int budget = 100;
        int maxStreams = 4;
        App app = new App();
        try (Harness h = Harness.server(
                        new TestEndpoint().maxConcurrentStreams(maxStreams).maxResetsReceived(budget), app)
                .handshake()) {
            // Keep the limit's worth of streams open, then open+reset pairs back to back in one read.
            for (int id = 1; id <= 2 * maxStreams - 1; id += 2) {
                h.send(open(id));
            }
            h.read();
            ByteBuf burst = Unpooled.buffer();
            int id = 2 * maxStreams + 1;
            for (int i = 0; i < budget; i++, id += 2) {
                append(burst, open(id));
                append(burst, reset(id, ErrorCode.CANCEL));
            }
            h.sendRaw(burst);
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out))
                    .as("exactly the budget's worth of resets")
                    .isNull();
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET))
                    .as("beyond the limit: refused")
                    .hasSize(budget)
                    .allMatch(f -> f.getReset().getCode() == ErrorCode.REFUSED_STREAM);
            assertThat(app.maxActive).isLessThanOrEqualTo(maxStreams);
            h.send(open(id));
            h.send(reset(id, ErrorCode.CANCEL));
            out = h.read();
            assertThat(Harness.goAwayCode(out)).as("reset %d", budget + 1).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(h.active()).isFalse();
            assertThat(app.maxActive).isEqualTo(maxStreams);
            assertThat(app.active)
                    .as("every stream's work cancelled at the close")
                    .isZero();
            assertThat(app.closed.values())
                    .allMatch(s -> s.code() == io.creditflow.transport.ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void rapidResetBelowTheLimitOpensAndCancelsOneStreamAtATime() {
        int budget = 50;
        App app = new App();
        try (Harness h = Harness.server(
                        new TestEndpoint().maxConcurrentStreams(8).maxResetsReceived(budget), app)
                .handshake()) {
            ByteBuf burst = Unpooled.buffer();
            int id = 1;
            for (int i = 0; i < budget; i++, id += 2) {
                append(burst, open(id));
                appendData(burst, id, 10);
                append(burst, reset(id, ErrorCode.CANCEL));
            }
            h.sendRaw(burst);
            assertThat(Harness.goAwayCode(h.read())).isNull();
            assertThat(app.opened).isEqualTo(budget);
            assertThat(app.maxActive)
                    .as("each stream is gone before the next opens")
                    .isEqualTo(1);
            assertThat(app.closed.values()).hasSize(budget).allSatisfy(s -> {
                assertThat(s.code()).isEqualTo(io.creditflow.transport.ErrorCode.CANCEL);
                assertThat(s.remote()).isTrue();
            });
            assertThat(h.p.connection.stats().unconsumedInboundBytes())
                    .as("their data was released")
                    .isZero();
            h.send(open(id));
            h.send(reset(id, ErrorCode.CANCEL));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void resetsWithinTheBudgetPerWindowAreToleratedWindowAfterWindow() {
        int budget = 20;
        App app = new App();
        try (Harness h = Harness.server(
                        new TestEndpoint().maxResetsReceived(budget).resetWindow(Duration.ofSeconds(1)), app)
                .handshake()) {
            int id = 1;
            for (int window = 0; window < 5; window++) {
                for (int i = 0; i < budget; i++, id += 2) {
                    h.send(open(id));
                    h.send(reset(id, ErrorCode.CANCEL));
                }
                assertThat(Harness.goAwayCode(h.read())).as("window %d", window).isNull();
                h.advanceInTicks(Duration.ofSeconds(1));
            }
            assertThat(app.opened).isEqualTo(5 * budget);
            assertThat(h.active()).isTrue();
        }
    }

    // ------------------------------------------------------------------ item 8: MadeYouReset

    @Test
    void madeYouResetIsCutOffPastTheBudgetOfResetsWeSendAndTheResetStreamsWorkIsCancelled() {
        int budget = 30;
        App app = new App();
        try (Harness h = Harness.server(new TestEndpoint().maxMetadataEntries(2).maxResetsSent(budget), app)
                .handshake()) {
            ByteBuf burst = Unpooled.buffer();
            int id = 1;
            List<Integer> dataAfterHalfClose = new ArrayList<>();
            for (int i = 0; i < budget; i++, id += 2) {
                switch (i % 3) {
                    case 0 -> { // data after half-close: STREAM_CLOSED
                        append(burst, open(id));
                        append(burst, halfClose(id));
                        appendData(burst, id, 1);
                        dataAfterHalfClose.add(id);
                    }
                    case 1 -> { // a second HalfClose: STREAM_CLOSED
                        append(burst, open(id));
                        append(burst, halfClose(id));
                        append(burst, halfClose(id));
                        dataAfterHalfClose.add(id);
                    }
                    default -> append(burst, open(id, "a", "1", "b", "2", "c", "3")); // oversize metadata
                }
            }
            h.sendRaw(burst);
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isNull();
            List<Frame> resets = Frames.ofType(out, Frame.BodyCase.RESET);
            assertThat(resets).hasSize(budget);
            assertThat(resets.stream().filter(f -> f.getReset().getCode() == ErrorCode.STREAM_CLOSED))
                    .hasSize(20);
            assertThat(resets.stream().filter(f -> f.getReset().getCode() == ErrorCode.PROTOCOL_ERROR))
                    .hasSize(10);
            // The application's work on every stream we reset is cancelled, with the code we sent.
            for (int reset : dataAfterHalfClose) {
                assertThat(app.closed.get(reset))
                        .as("stream %d", reset)
                        .isNotNull()
                        .satisfies(
                                s -> assertThat(s.code()).isEqualTo(io.creditflow.transport.ErrorCode.STREAM_CLOSED));
            }
            assertThat(app.active).isZero();
            assertThat(app.opened)
                    .as("oversize metadata never reached the application")
                    .isEqualTo(20);
            h.send(open(id));
            h.send(halfClose(id));
            h.sendRaw(data(id, new byte[1]));
            out = h.read();
            assertThat(Harness.goAwayCode(out))
                    .as("the %dth reset we would send", budget + 1)
                    .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET)).as("not sent").isEmpty();
            assertThat(app.closed.get(id).code()).isEqualTo(io.creditflow.transport.ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void resetsTheApplicationAsksForDoNotCountAgainstThePeer() {
        App app = new App();
        try (Harness h =
                Harness.server(new TestEndpoint().maxResetsSent(5), app).handshake()) {
            for (int id = 1; id <= 39; id += 2) {
                h.send(open(id));
                h.accepted.get(h.accepted.size() - 1).cancel("application decided");
                h.read();
            }
            assertThat(h.active()).isTrue();
            assertThat(app.closed).hasSize(20);
        }
    }

    // ------------------------------------------------------------------ item 11: stream-open flood

    @Test
    void opensPastTheStreamLimitAreRefusedRetryablyAndContinuedAbuseIsCutOffByTheResetBudget() {
        int maxStreams = 8;
        int budget = 32;
        App app = new App();
        try (Harness h = Harness.server(
                        new TestEndpoint().maxConcurrentStreams(maxStreams).maxResetsSent(budget), app)
                .handshake()) {
            int id = 1;
            for (int i = 0; i < maxStreams; i++, id += 2) {
                h.send(open(id));
            }
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.RESET)).isEmpty();
            for (int i = 0; i < budget; i++, id += 2) {
                h.send(open(id));
                List<Frame> out = h.read();
                assertThat(Frames.ofType(out, Frame.BodyCase.RESET))
                        .singleElement()
                        .satisfies(f -> {
                            assertThat(f.getReset().getCode()).isEqualTo(ErrorCode.REFUSED_STREAM);
                            assertThat(new CloseStatus(
                                                    ErrorCodes.fromWire(
                                                            f.getReset().getCodeValue()),
                                                    "",
                                                    true,
                                                    0)
                                            .isRetryable())
                                    .isTrue();
                        });
                assertThat(h.active())
                        .as("refusal %d: the connection stays up", i + 1)
                        .isTrue();
            }
            assertThat(app.opened).isEqualTo(maxStreams);
            assertThat(app.maxActive).isEqualTo(maxStreams);
            h.send(open(id));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void aStreamThatEndsFreesItsSlotForTheNextOpen() {
        App app = new App();
        try (Harness h =
                Harness.server(new TestEndpoint().maxConcurrentStreams(1), app).handshake()) {
            h.send(open(1));
            h.accepted.get(0).halfClose();
            h.read();
            h.send(halfClose(1)); // both sides half-closed, nothing unconsumed: the stream ends
            h.send(open(3));
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET)).isEmpty();
            assertThat(app.opened).isEqualTo(2);
            assertThat(app.closed.get(1).code()).isEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
        }
    }
}
