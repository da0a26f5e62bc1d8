package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.credit;
import static io.creditflow.transport.internal.Frames.data;
import static io.creditflow.transport.internal.Frames.open;
import static io.creditflow.transport.internal.Frames.ping;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.Unpooled;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Items 1 (lying length prefix, frame level), 9 (empty data frames, zero credit) and 10 (metadata bombs),
 * against a server handler in an EmbeddedChannel.
 */
@ExtendWith(LeakCheck.class)
class FrameAbuseTest {

    static long directUsed() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT)
                .metric()
                .usedDirectMemory();
    }

    /** The handler's side buffer for a frame straddling reads (white box: what it really allocated). */
    static ByteBuf partialOf(ConnectionHandler handler) {
        try {
            Field a = ConnectionHandler.class.getDeclaredField("assembler");
            a.setAccessible(true);
            Field f = FrameAssembler.class.getDeclaredField("partial");
            f.setAccessible(true);
            return (ByteBuf) f.get(a.get(handler));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    // ------------------------------------------------------------------ item 1: lying length prefixes

    @ParameterizedTest(name = "prefix {0}")
    @ValueSource(strings = {"2GiB", "max+1", "6-byte varint", "2^32"})
    void aLyingLengthPrefixIsAConnectionErrorBeforeAnythingIsBuffered(String kind) {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            int max = h.p.handler.settings.frames().maxFrameBytes();
            byte[] prefix = switch (kind) {
                case "2GiB" -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08};
                case "max+1" -> Frames.varint(max + 1L);
                case "2^32" -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x10};
                default -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x01};
            };
            long before = directUsed();
            // The prefix arrives one byte per read (the worst case for the straddling-prefix path), then a stall.
            ErrorCode code = null;
            int bytesSent = 0;
            for (byte b : prefix) {
                h.sendRaw(Unpooled.wrappedBuffer(new byte[] {b}));
                bytesSent++;
                code = Harness.goAwayCode(h.read());
                if (code != null) {
                    break;
                }
            }
            ErrorCode expected =
                    kind.equals("2GiB") || kind.equals("max+1") ? ErrorCode.FRAME_SIZE_ERROR : ErrorCode.PROTOCOL_ERROR;
            assertThat(code).as("GoAway as soon as the prefix is complete").isEqualTo(expected);
            assertThat(bytesSent).as("decided from the prefix alone").isEqualTo(Math.min(prefix.length, 5));
            assertThat(h.active()).isFalse();
            assertThat(partialOf(h.p.handler)).as("no side buffer kept").isNull();
            assertThat(directUsed() - before).as("nothing large allocated").isLessThan(64 * 1024);
            assertThat(h.read()).as("nothing after the GoAway").isEmpty();
        }
    }

    @Test
    void anHonestMaximalPrefixAllocatesOnlyWhatArrivedAndIsClosedAtThePartialFrameTimeout() {
        try (Harness h = Harness.server(new TestEndpoint().partialFrameTimeout(Duration.ofSeconds(2)))
                .handshake()) {
            int max = h.p.handler.settings.frames().maxFrameBytes();
            ByteBuf start = Unpooled.buffer();
            start.writeBytes(Frames.varint(max));
            start.writeByte(0x1A).writeZero(9); // ten bytes of a ~1 MiB data frame, then a stall
            h.sendRaw(start);
            ByteBuf partial = partialOf(h.p.handler);
            assertThat(partial).isNotNull();
            assertThat(partial.capacity())
                    .as("sized to what arrived, not to the prefix")
                    .isLessThanOrEqualTo(256);
            assertThat(partial.maxCapacity()).isEqualTo(max + Frames.varint(max).length);
            h.advanceInTicks(Duration.ofMillis(1900));
            assertThat(h.active()).isTrue();
            h.advanceInTicks(Duration.ofMillis(200));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(Frames.ofType(out, Frame.BodyCase.GO_AWAY)
                            .get(0)
                            .getGoAway()
                            .getReason())
                    .contains("frame incomplete");
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void aFrameDribbledByteByByteAfterItsStartIsStillCutAtThePartialFrameTimeout() {
        try (Harness h = Harness.server(new TestEndpoint().partialFrameTimeout(Duration.ofSeconds(1)))
                .handshake()) {
            h.sendRaw(Unpooled.wrappedBuffer(Frames.varint(1000)));
            for (int i = 0; i < 30 && h.active(); i++) {
                h.sendRaw(Unpooled.wrappedBuffer(new byte[] {0x00})); // a byte every 50 ms keeps nothing alive
                h.advance(Duration.ofMillis(50));
            }
            assertThat(h.active())
                    .as("closed within 1 s + one tick of the frame's start")
                    .isFalse();
            assertThat(h.now[0] - 1_000_000_000L)
                    .isLessThanOrEqualTo(Duration.ofMillis(1100).toNanos());
        }
    }

    /** Found by InboundPipelineFuzzTest: a partial frame after a close in the same read used to leak its copy. */
    @Test
    void aPartialFrameAfterTheFrameThatClosedTheConnectionIsNotKept() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            ByteBuf read = Unpooled.buffer();
            ByteBuf goAway = io.creditflow.proto.codec.FrameWriter.encode(
                    ByteBufAllocator.DEFAULT,
                    Frames.goAway(0, ErrorCode.NO_ERROR)); // a drain with no stream: closes at once
            read.writeBytes(goAway);
            goAway.release();
            read.writeBytes(Frames.varint(100)).writeZero(10); // the start of a frame, in the same read
            h.sendRaw(read);
            assertThat(h.active()).isFalse();
            assertThat(partialOf(h.p.handler))
                    .as("no copy kept after the close")
                    .isNull();
        }
    }

    // ------------------------------------------------------------------ item 9: empty data frames, zero credit

    @Test
    void emptyDataFramesPastTheLimitAreCutOffWithinOneFrame() {
        int limit = 16;
        try (Harness h = Harness.server(new TestEndpoint()
                        .maxConsecutiveEmptyFrames(limit)
                        .streamWindowMessages(io.creditflow.proto.core.Credits.UNLIMITED))
                .handshake()) {
            h.send(open(1));
            h.read();
            for (int i = 1; i <= limit; i++) {
                h.sendRaw(data(1, new byte[0]));
                assertThat(Harness.goAwayCode(h.read()))
                        .as("empty frame %d of %d", i, limit)
                        .isNull();
            }
            h.sendRaw(data(1, new byte[0]));
            assertThat(Harness.goAwayCode(h.read())).as("frame %d", limit + 1).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void controlFramesInBetweenDoNotResetTheEmptyFrameCountButANonEmptyMessageDoes() {
        int limit = 8;
        try (Harness h = Harness.server(new TestEndpoint()
                        .maxConsecutiveEmptyFrames(limit)
                        .streamWindowMessages(io.creditflow.proto.core.Credits.UNLIMITED))
                .handshake()) {
            h.send(open(1));
            h.read();
            for (int i = 0; i < limit; i++) {
                h.sendRaw(data(1, new byte[0]));
            }
            h.sendRaw(data(1, new byte[] {1})); // resets the count
            for (int i = 0; i < limit; i++) {
                h.sendRaw(data(1, new byte[0]));
                h.send(credit(1, 1, 0)); // a control frame with an effect: does not break the run
            }
            assertThat(Harness.goAwayCode(h.read())).isNull();
            h.sendRaw(data(1, new byte[0]));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void emptyDataFramesOnAClosedStreamCountToo() {
        int limit = 8;
        try (Harness h = Harness.server(new TestEndpoint().maxConsecutiveEmptyFrames(limit))
                .handshake()) {
            h.send(open(1));
            h.send(Frames.reset(1, ErrorCode.CANCEL));
            h.read();
            for (int i = 0; i < limit; i++) {
                h.sendRaw(data(1, new byte[0]));
            }
            assertThat(Harness.goAwayCode(h.read())).isNull();
            h.sendRaw(data(1, new byte[0]));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    /**
     * Characterisation (reported): empty messages are legal (offer(new byte[0]) costs one message of credit),
     * yet a peer sending more than the limit of them in a row, within credit, is cut off like an attacker.
     */
    @Test
    void legitimateEmptyMessagesWithinCreditPastTheDefaultLimitAreCutOffToo() {
        AtomicInteger delivered = new AtomicInteger();
        try (Harness h = Harness.server(new TestEndpoint(), s -> new StreamListener() {
                    @Override
                    public void onOpen(Stream stream) {
                        stream.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onMessage(Stream stream, Message message) {
                        delivered.incrementAndGet();
                    }
                })
                .handshake()) {
            h.send(open(1));
            h.read();
            ByteBuf burst = Unpooled.buffer();
            for (int i = 0; i < 2000; i++) {
                ByteBuf one = data(1, new byte[0]);
                burst.writeBytes(one);
                one.release();
            }
            h.sendRaw(burst);
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(delivered.get())
                    .isEqualTo(io.creditflow.transport.EndpointBuilder.DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES);
        }
    }

    @Test
    void zeroCreditIsAProtocolErrorAtOnce() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(open(1));
            h.read();
            h.send(credit(1, 0, 0));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(h.active()).isFalse();
        }
    }

    // ------------------------------------------------------------------ item 10: metadata bombs

    /** An Open frame whose metadata is {@code entries} map entries, hand-encoded (duplicates allowed). */
    static ByteBuf openFrame(int streamId, int entries, java.util.function.IntFunction<byte[]> entry) {
        ByteBuf body = Unpooled.buffer();
        ByteBuf open = Unpooled.buffer();
        open.writeByte(0x08);
        Frames.writeVarint(open, streamId);
        for (int i = 0; i < entries; i++) {
            byte[] e = entry.apply(i);
            open.writeByte(0x12);
            Frames.writeVarint(open, e.length);
            open.writeBytes(e);
        }
        body.writeByte(0x12); // Frame.open
        Frames.writeVarint(body, open.readableBytes());
        body.writeBytes(open);
        open.release();
        ByteBuf frame = Unpooled.buffer(body.readableBytes() + 5);
        Frames.writeVarint(frame, body.readableBytes());
        frame.writeBytes(body);
        body.release();
        return frame;
    }

    /** A map entry {key: k, value: v}. */
    static byte[] entry(String k, String v) {
        byte[] kb = k.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] vb = v.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        ByteBuf b = Unpooled.buffer();
        b.writeByte(0x0A);
        Frames.writeVarint(b, kb.length);
        b.writeBytes(kb);
        b.writeByte(0x12);
        Frames.writeVarint(b, vb.length);
        b.writeBytes(vb);
        byte[] out = new byte[b.readableBytes()];
        b.readBytes(out);
        b.release();
        return out;
    }

    @Test
    void anOversizeOpenIsRefusedFromItsPrefixBeforeTheBodyIsBuffered() {
        try (Harness h = Harness.server(new TestEndpoint().maxMessageBytes(4096).connectionWindowBytes(1 << 20))
                .handshake()) {
            int max = h.p.handler.settings.frames().maxFrameBytes();
            ByteBuf bomb = openFrame(1, 200_000, i -> entry("k" + i, "v"));
            assertThat(bomb.readableBytes()).isGreaterThan(max);
            long before = directUsed();
            h.sendRaw(bomb.readRetainedSlice(8)); // the prefix and the first bytes of the body
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
            assertThat(partialOf(h.p.handler)).isNull();
            assertThat(directUsed() - before).isLessThan(64 * 1024);
            bomb.release(); // the rest of the body is never read: the channel is closed
            assertThat(h.accepted).isEmpty();
        }
    }

    @Test
    void metadataAboveTheByteLimitWithinTheFrameLimitIsAStreamError() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.sendRaw(openFrame(1, 1, i -> entry("k", "x".repeat(8192))));
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getReset().getCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
            assertThat(Harness.goAwayCode(out)).isNull();
            assertThat(h.accepted).as("the handler never sees it").isEmpty();
            h.send(open(3, "topic", "ok"));
            assertThat(h.accepted).hasSize(1);
        }
    }

    @Test
    void thousandsOfDistinctKeysWithinTheFrameLimitAreAStreamErrorAfterParse() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            int max = h.p.handler.settings.frames().maxControlFrameBytes();
            // As many entries as fit the limit on non-data frames: far more than max_metadata_entries.
            int entries = (max - 16) / (entry("k0000000", "").length + 2); // + the tag and length of each entry
            ByteBuf bomb = openFrame(1, entries, i -> entry(String.format("k%07d", i), ""));
            assertThat(bomb.readableBytes()).isLessThanOrEqualTo(max);
            long t0 = System.nanoTime();
            h.sendRaw(bomb);
            long tookMillis = (System.nanoTime() - t0) / 1_000_000;
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.RESET))
                    .singleElement()
                    .satisfies(f -> assertThat(f.getReset().getCode()).isEqualTo(ErrorCode.PROTOCOL_ERROR));
            assertThat(Harness.goAwayCode(out)).isNull();
            assertThat(h.accepted).isEmpty();
            assertThat(tookMillis).as("%d entries parsed and refused", entries).isLessThan(2000);
            System.out.printf(
                    "[metadata bomb] %d distinct keys in a %d-byte Open: refused (stream) in %d ms%n",
                    entries, max, tookMillis);
        }
    }

    @Test
    void thousandsOfEmptyKeysCollapseToOneEntryAndAreAccepted() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            int max = h.p.handler.settings.frames().maxControlFrameBytes();
            int entries = (max - 16) / 2; // an empty map entry is 2 bytes on the wire: 12 00
            long best = Long.MAX_VALUE;
            for (int i = 0; i < 4; i++) { // repeated: the cost per Open once warm
                ByteBuf bomb = openFrame(1 + 2 * i, entries, e -> new byte[0]);
                long t0 = System.nanoTime();
                h.sendRaw(bomb);
                best = Math.min(best, System.nanoTime() - t0);
                List<Frame> out = h.read();
                assertThat(Harness.goAwayCode(out)).isNull();
                assertThat(Frames.ofType(out, Frame.BodyCase.RESET)).isEmpty();
            }
            assertThat(h.accepted)
                    .hasSize(4)
                    .allSatisfy(s -> assertThat(s.metadata()).containsExactly(java.util.Map.entry("", "")));
            long bestMillis = best / 1_000_000;
            assertThat(bestMillis).as("%d duplicate empty entries", entries).isLessThan(2000);
            System.out.printf(
                    "[metadata bomb] %d empty keys in a %d-byte Open: one entry, accepted; %d ms of "
                            + "event-loop time per Open (best of 4)%n",
                    entries, max, bestMillis);
        }
    }

    @Test
    void aNonDataFrameOverItsOwnLimitIsRefusedFromItsFirstBytes() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            int max = h.p.handler.settings.frames().maxControlFrameBytes();
            ByteBuf start = Unpooled.buffer();
            start.writeBytes(Frames.varint(max + 1));
            start.writeByte(0x12); // an Open, one byte over the limit for non-data frames; nothing more sent
            h.sendRaw(start);
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
            assertThat(partialOf(h.p.handler)).as("nothing of it was kept").isNull();
        }
    }

    @Test
    void aNonDataFrameOverItsOwnLimitIsRefusedWhenItsTypeArrivesAfterItsPrefix() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            int max = h.p.handler.settings.frames().maxControlFrameBytes();
            h.sendRaw(Unpooled.wrappedBuffer(Frames.varint(max + 1))); // the prefix alone: a data frame may follow
            assertThat(h.read()).isEmpty();
            assertThat(h.active()).isTrue();
            h.sendRaw(Frames.bytes(0x12, 0x02)); // then the start of an Open: refused now, not after max + 1 bytes
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.FRAME_SIZE_ERROR);
            assertThat(partialOf(h.p.handler)).as("nothing of it was kept").isNull();
        }
    }

    @Test
    void aLargeDataFrameArrivingInPiecesIsNotMistakenForAControlFrame() throws Exception {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(open(1));
            int size = h.p.handler.settings.frames().maxControlFrameBytes() * 4;
            ByteBuf frame = Unpooled.buffer();
            FrameWriter.writeDataHeader(frame, 1, size);
            frame.writeZero(size);
            int sent = 0;
            while (frame.isReadable()) { // bounded: at most size / 1000 + 2 pieces
                int piece = Math.min(sent == 0 ? 2 : 1000, frame.readableBytes());
                h.sendRaw(frame.readRetainedSlice(piece));
                sent++;
            }
            frame.release();
            assertThat(Harness.goAwayCode(h.read())).isNull();
            assertThat(h.active()).isTrue();
            try (Message m = h.accepted.get(0).poll(0, TimeUnit.SECONDS)) {
                assertThat(m.size()).isEqualTo(size);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"top-level group", "group in Open", "group in a map entry", "group in Data"})
    void deeplyNestedGroupsAreAConnectionErrorWithoutStackOverflow(String where) {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(open(1));
            h.read();
            // As deep as fits the limit on non-data frames: far beyond protobuf's recursion limit of 100.
            int depth = (h.p.handler.settings.frames().maxControlFrameBytes() - 64) / 2;
            ByteBuf nested = Unpooled.buffer();
            for (int i = 0; i < depth; i++) {
                nested.writeByte(0x7B); // field 15, wire type 3 (start group): unknown everywhere
            }
            for (int i = 0; i < depth; i++) {
                nested.writeByte(0x7C); // end group
            }
            ByteBuf body = Unpooled.buffer();
            switch (where) {
                case "top-level group" -> body.writeBytes(nested);
                case "group in Open" -> wrap(body, 0x12, nested);
                case "group in a map entry" -> {
                    ByteBuf open = Unpooled.buffer().writeByte(0x08).writeByte(0x03);
                    wrap(open, 0x12, nested);
                    wrap(body, 0x12, open);
                    open.release();
                }
                default -> {
                    ByteBuf d = Unpooled.buffer().writeByte(0x08).writeByte(0x01);
                    d.writeBytes(nested);
                    wrap(body, 0x1A, d);
                    d.release();
                }
            }
            nested.release();
            ByteBuf frame = Unpooled.buffer();
            Frames.writeVarint(frame, body.readableBytes());
            frame.writeBytes(body);
            body.release();
            h.sendRaw(frame);
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.PROTOCOL_ERROR);
            assertThat(Frames.ofType(out, Frame.BodyCase.GO_AWAY)
                            .get(0)
                            .getGoAway()
                            .getReason())
                    .doesNotContain("StackOverflow");
        }
    }

    static void wrap(ByteBuf out, int tag, ByteBuf content) {
        out.writeByte(tag);
        Frames.writeVarint(out, content.readableBytes());
        out.writeBytes(content, content.readerIndex(), content.readableBytes());
    }

    @Test
    void aPingStillWorksAfterEmptyFramesUpToTheLimit() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            // As many empty frames as the limit allows: ignored.
            h.sendRaw(Unpooled.wrappedBuffer(
                    new byte[io.creditflow.transport.EndpointBuilder.DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES]));
            h.send(ping(5));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.PONG)).hasSize(1);
        }
    }

    @Test
    void oneHundredThousandEmptyFramesInOneWriteAreCutOffAtTheLimit() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.sendRaw(Unpooled.wrappedBuffer(new byte[100_000])); // each costs a parse and carries nothing
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(Frames.ofType(out, Frame.BodyCase.GO_AWAY)
                            .get(0)
                            .getGoAway()
                            .getReason())
                    .contains("more than "
                            + io.creditflow.transport.EndpointBuilder.DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES);
            assertThat(h.active()).isFalse();
        }
    }
}
