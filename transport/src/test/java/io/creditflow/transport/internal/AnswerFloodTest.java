package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.open;
import static io.creditflow.transport.internal.Frames.reset;
import static io.creditflow.transport.internal.Frames.revoke;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamRejectedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Floods of frames that each make the endpoint answer, or that carry nothing, against a server handler in an
 * EmbeddedChannel (which, like a peer that reads, takes everything that is flushed): a peer that reads its
 * answers is never cut off however many it provokes in one write; runs of frames that carry nothing, and
 * refusals the peer provokes, stay bounded.
 */
@ExtendWith(LeakCheck.class)
class AnswerFloodTest {
    /** Above the ~15,200 frames in one write that used to close the connection before any answer was flushed. */
    static final int FLOOD = 16_000;

    /** {@code n} copies of {@code frame}, in one buffer: one write, one read batch. */
    static ByteBuf many(Frame frame, int n) {
        ByteBuf one = FrameWriter.encode(ByteBufAllocator.DEFAULT, frame);
        ByteBuf all = ByteBufAllocator.DEFAULT.buffer(one.readableBytes() * n);
        for (int i = 0; i < n; i++) {
            all.writeBytes(one, one.readerIndex(), one.readableBytes());
        }
        one.release();
        return all;
    }

    @Test
    void revokesOnAClosedStreamInOneWriteAreAllAnsweredWhenThePeerReads() {
        try (Harness h =
                Harness.server(new TestEndpoint(), s -> StreamListener.PULL).handshake()) {
            h.send(open(1));
            h.send(reset(1, ErrorCode.CANCEL));
            h.read();
            h.sendRaw(many(revoke(1, 0), FLOOD));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).as("no GoAway").isNull();
            assertThat(h.active()).as("a peer that reads is not cut off").isTrue();
            assertThat(Frames.ofType(out, Frame.BodyCase.REVOKE_ACK))
                    .as("every Revoke answered")
                    .hasSize(FLOOD);
        }
    }

    @Test
    void dataDiscardedOnAResetStreamIsAnsweredWithOneConnectionCreditPerRead() {
        try (Harness h =
                Harness.server(new TestEndpoint(), s -> StreamListener.PULL).handshake()) {
            h.send(open(1));
            h.read();
            h.accepted.get(0).cancel("the application gave up on it");
            h.read();
            long windowBefore = h.p.handler.host().inbound().connectionWindowBytes();
            ByteBuf flood = ByteBufAllocator.DEFAULT.buffer(FLOOD * 8);
            for (int i = 0; i < FLOOD; i++) {
                FrameWriter.writeDataHeader(flood, 1, 1);
                flood.writeByte(i);
            }
            h.sendRaw(flood);
            List<Frame> out = h.read();
            assertThat(h.active())
                    .as("ordinary traffic in flight when a stream is reset")
                    .isTrue();
            List<Frame> credits = Frames.ofType(out, Frame.BodyCase.CREDIT);
            assertThat(credits)
                    .as("one Credit for the whole read, not one per discarded frame")
                    .hasSize(1);
            assertThat(credits.get(0).getCredit().getStreamId()).isZero();
            assertThat(credits.get(0).getCredit().getBytes())
                    .as("all the discarded bytes")
                    .isEqualTo(FLOOD);
            assertThat(h.p.handler.host().inbound().connectionWindowBytes())
                    .as("the peer's connection credit restored")
                    .isEqualTo(windowBefore);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"empty frame", "unknown frame type"})
    void aRunOfFramesThatCarryNothingIsBounded(String kind) {
        int limit = 50;
        try (Harness h = Harness.server(new TestEndpoint().maxConsecutiveEmptyFrames(limit))
                .handshake()) {
            // An empty Frame, or field 15 (no such frame type in version 1) with an empty body.
            int[] body = kind.equals("empty frame") ? new int[0] : new int[] {0x7A, 0x00};
            for (int i = 0; i < limit; i++) {
                h.sendRaw(Frames.rawFrame(body));
            }
            assertThat(Harness.goAwayCode(h.read()))
                    .as("up to the limit: ignored")
                    .isNull();
            h.sendRaw(Frames.rawFrame(body));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(Frames.ofType(out, Frame.BodyCase.GO_AWAY)
                            .get(0)
                            .getGoAway()
                            .getReason())
                    .contains("consecutive empty or unknown frames");
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void refusalsByTheApplicationCountAgainstThePeerCausedResetBudget() {
        int budget = 20;
        AtomicInteger asked = new AtomicInteger();
        try (Harness h = Harness.server(new TestEndpoint().maxResetsSent(budget), s -> {
                    asked.incrementAndGet();
                    throw new StreamRejectedException(io.creditflow.transport.ErrorCode.PERMISSION_DENIED, "not yours");
                })
                .handshake()) {
            for (int i = 0; i < budget; i++) {
                h.send(open(1 + 2 * i));
            }
            List<Frame> refused = h.read();
            assertThat(Frames.ofType(refused, Frame.BodyCase.RESET))
                    .hasSize(budget)
                    .allMatch(f -> f.getReset().getCode() == ErrorCode.PERMISSION_DENIED);
            assertThat(h.active()).isTrue();
            h.send(open(1 + 2 * budget));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out))
                    .as("one refusal past the budget")
                    .isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET))
                    .as("the refusal past the budget is not sent")
                    .isEmpty();
            assertThat(asked.get()).isEqualTo(budget + 1);
        }
    }

    @Test
    void anOnOpenThatRejectsTheStreamResetsItWithItsOwnCode() {
        try (Harness h = Harness.server(new TestEndpoint(), s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        throw new StreamRejectedException(
                                io.creditflow.transport.ErrorCode.INVALID_ARGUMENT, "policy conflict");
                    }
                })
                .handshake()) {
            h.send(open(1));
            List<Frame> resets = Frames.ofType(h.read(), Frame.BodyCase.RESET);
            assertThat(resets).hasSize(1);
            assertThat(resets.get(0).getReset().getCode()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(resets.get(0).getReset().getReason()).isEqualTo("policy conflict");
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.CREDIT))
                    .as("no credit for a refused stream")
                    .isEmpty();
        }
    }

    /**
     * {@code isReady()} looks at whether the send queue is full, {@code offer} at whether this message fits:
     * with a little room left, isReady says true and the offer fails. That offer must still lead to an
     * onReady, or a sender driven by onReady waits for a timer (the broker's 2,540 msg/s stalls).
     */
    @Test
    void anOfferThatFindsTheQueueFullLeadsToOnReady() {
        AtomicInteger readies = new AtomicInteger();
        Stream[] stream = new Stream[1];
        try (Harness h = Harness.server(new TestEndpoint(), s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream st) {
                        stream[0] = st;
                    }

                    @Override
                    public void onReady(Stream st) {
                        readies.incrementAndGet();
                    }
                })
                .handshake()) {
            h.send(open(1));
            h.read();
            Stream s = stream[0];
            // No credit from the peer yet: everything offered stays queued.
            int size = 1000;
            int accepted = 0;
            while (accepted < 10_000 && s.offer(new byte[size]) == OfferResult.ACCEPTED) {
                accepted++;
            }
            assertThat(accepted).as("the queue filled").isBetween(1, 9_999);
            readies.set(0);
            h.send(Frames.credit(1, 64L << 20, 100_000)); // the peer grants plenty: the queue is written out
            h.read();
            assertThat(readies.get()).as("onReady after the queue drained").isEqualTo(1);
            // Now fill it again until isReady is still true but the next offer does not fit.
            readies.set(0);
            OfferResult last = null;
            for (int i = 0; i < 10_000 && s.isReady(); i++) {
                last = s.offer(new byte[size]);
                if (last != OfferResult.ACCEPTED) {
                    break;
                }
            }
            assertThat(last).as("isReady said true, the offer did not fit").isEqualTo(OfferResult.QUEUE_FULL);
            h.read();
            assertThat(readies.get())
                    .as("an offer that did not fit is answered with onReady once there is room")
                    .isGreaterThanOrEqualTo(1);
        }
    }
}
