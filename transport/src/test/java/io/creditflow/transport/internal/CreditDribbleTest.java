package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.credit;
import static io.creditflow.transport.internal.Frames.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Item 12: a receiver that dribbles 1-byte credits on many streams. The handler (the sender) must never
 * write beyond the credit it got, its memory stays bounded, and the abuse costs bounded work per credit
 * frame: the handler answers each Credit with at most one Data frame per stream turn and at most one
 * Blocked. It is not cut off (there is no limit on small credits): the work is what is bounded.
 */
@ExtendWith(LeakCheck.class)
class CreditDribbleTest {

    /** The peer's model of the credit it gave the handler's sending side of one stream. */
    static final class Granted {
        long bytes;
        long messages;
        long dataFrames;
        long dataBytes;
        int nextSeq;
    }

    @Test
    void oneByteCreditsOnManyStreamsNeverLetTheSenderExceedItsCreditAndCostBoundedWork() {
        int streams = 32;
        int messagesPerStream = 8;
        int messageBytes = 10;
        long directBefore = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
        try (Harness h = Harness.server(new TestEndpoint()
                        .acceptedStreamOptions(StreamOptions.builder()
                                .sendQueueBytes(1024)
                                .sendQueueMessages(16)
                                .build()))
                .handshake()) {
            Map<Integer, Granted> model = new HashMap<>();
            for (int i = 0; i < streams; i++) {
                int id = 1 + 2 * i;
                h.send(open(id));
                model.put(id, new Granted());
            }
            h.read();
            for (Stream s : h.accepted) {
                for (int m = 0; m < messagesPerStream; m++) {
                    byte[] payload = new byte[messageBytes];
                    payload[0] = (byte) m;
                    assertThat(s.offer(payload)).isEqualTo(OfferResult.ACCEPTED);
                }
            }
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.DATA))
                    .as("no credit, no data")
                    .isEmpty();
            long creditFrames = 0;
            long replyFrames = 0;
            long blockedFrames = 0;
            long totalData = 0;
            long maxOutboundPending = 0;
            int needed = streams * messagesPerStream * messageBytes;
            for (int round = 0; totalData < (long) streams * messagesPerStream && round < needed + 10; round++) {
                for (int id : model.keySet()) {
                    Granted g = model.get(id);
                    boolean withMessage = g.messages == 0;
                    h.send(credit(id, 1, withMessage ? 1 : 0));
                    g.bytes++;
                    g.messages += withMessage ? 1 : 0;
                    creditFrames++;
                    List<Frame> out = h.read();
                    maxOutboundPending =
                            Math.max(maxOutboundPending, h.p.connection.stats().outboundPendingBytes());
                    replyFrames += out.size();
                    assertThat(out.size()).as("replies to one 1-byte credit").isLessThanOrEqualTo(2);
                    for (Frame f : out) {
                        if (f.hasData()) {
                            Granted d = model.get(f.getData().getStreamId());
                            int size = f.getData().getPayload().size();
                            assertThat((long) size)
                                    .as("data within byte credit")
                                    .isLessThanOrEqualTo(d.bytes);
                            assertThat(d.messages)
                                    .as("data within message credit")
                                    .isPositive();
                            assertThat(f.getData().getPayload().byteAt(0))
                                    .as("in order")
                                    .isEqualTo((byte) d.nextSeq);
                            d.nextSeq++;
                            d.bytes -= size;
                            d.messages--;
                            d.dataFrames++;
                            d.dataBytes += size;
                            totalData++;
                        } else if (f.hasBlocked()) {
                            Granted b = model.get(f.getBlocked().getStreamId());
                            assertThat(f.getBlocked().getNeededBytes())
                                    .as("Blocked only when short of bytes")
                                    .isGreaterThan(b.bytes);
                            assertThat(b.messages)
                                    .as("Blocked only with message credit")
                                    .isPositive();
                            blockedFrames++;
                        } else {
                            assertThat(f.getBodyCase()).as("no other reply").isIn(Frame.BodyCase.CREDIT);
                        }
                    }
                }
            }
            assertThat(totalData)
                    .as("everything delivered, 1 byte of credit at a time")
                    .isEqualTo((long) streams * messagesPerStream);
            assertThat(model.values())
                    .allSatisfy(g -> assertThat(g.dataBytes).isEqualTo((long) messagesPerStream * messageBytes));
            assertThat(h.active())
                    .as("not cut off: the cost is bounded instead")
                    .isTrue();
            assertThat(Harness.goAwayCode(h.read())).isNull();
            assertThat(replyFrames)
                    .as("at most about one reply per credit frame")
                    .isLessThanOrEqualTo(creditFrames + totalData);
            long directAfter = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                    .metric()
                    .usedDirectMemory();
            assertThat(directAfter - directBefore).as("direct memory").isLessThan(1 << 20);
            System.out.printf(
                    "[credit dribble] %d streams, %d credit frames -> %d data + %d Blocked (%.2f replies "
                            + "per credit), outbound pending max %d bytes, direct delta %d bytes%n",
                    streams,
                    creditFrames,
                    totalData,
                    blockedFrames,
                    (double) replyFrames / creditFrames,
                    maxOutboundPending,
                    directAfter - directBefore);
        }
    }

    @Test
    void byteCreditWithoutMessageCreditNeverSendsDataAndNeverReportsBlocked() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(open(1));
            h.read();
            h.accepted.get(0).offer(new byte[10]);
            for (int i = 0; i < 100; i++) {
                h.send(credit(1, 1, 0));
            }
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.DATA)).isEmpty();
            assertThat(Frames.ofType(out, Frame.BodyCase.BLOCKED))
                    .as("no Blocked without message credit")
                    .isEmpty();
            h.send(credit(1, 0, 1));
            out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.DATA))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getData().getPayload().size()).isEqualTo(10));
            assertThat(h.accepted.get(0).stats().sendCreditBytes()).isEqualTo(90);
        }
    }

    @Test
    void aMessageLargerThanTheCreditWaitsWholeAndIsReportedOncePerCreditChange() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(open(1));
            h.read();
            h.accepted.get(0).offer(new byte[1000]);
            int blocked = 0;
            for (int i = 0; i < 999; i++) {
                h.send(credit(1, 1, i == 0 ? 1 : 0));
                List<Frame> out = h.read();
                assertThat(Frames.ofType(out, Frame.BodyCase.DATA))
                        .as("never split, never beyond credit")
                        .isEmpty();
                blocked += Frames.ofType(out, Frame.BodyCase.BLOCKED).size();
            }
            assertThat(blocked).as("one Blocked per credit change, no more").isEqualTo(999);
            h.send(credit(1, 1, 0));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.DATA)).hasSize(1);
            assertThat(Harness.goAwayCode(h.read())).isNull();
            assertThat(h.p.connection.stats().writable()).isTrue();
            assertThat(h.active()).isTrue();
        }
    }
}
