package io.creditflow.bench.harness.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class InPlaceFrameDecoderTest {
    /** Frames of 0, 1, 5, 300 and 700 bytes, each with its own content, length-prefixed back to back. */
    private static final int[] SIZES = {300, 0, 5, 700, 1, 300};

    private static byte[] wire(List<byte[]> frames) {
        ByteBuf b = Unpooled.buffer();
        try {
            for (byte[] f : frames) {
                b.writeInt(f.length).writeBytes(f);
            }
            byte[] out = new byte[b.readableBytes()];
            b.readBytes(out);
            return out;
        } finally {
            b.release();
        }
    }

    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        for (int k = 0; k < SIZES.length; k++) {
            byte[] f = new byte[SIZES[k]];
            for (int j = 0; j < f.length; j++) {
                f[j] = (byte) (k * 31 + j);
            }
            frames.add(f);
        }
        return frames;
    }

    /** Every way to cut the stream in two reads, and reads of every size from 1 to 7 bytes. */
    @Test
    void everyFrameComesOutWholeHoweverTheReadsCutIt() {
        List<byte[]> frames = frames();
        byte[] wire = wire(frames);
        for (int cut = 0; cut <= wire.length; cut++) {
            assertDecoded(frames, wire, new int[] {cut});
        }
        for (int chunk = 1; chunk <= 7; chunk++) {
            List<Integer> cuts = new ArrayList<>();
            for (int at = chunk; at < wire.length; at += chunk) {
                cuts.add(at);
            }
            assertDecoded(
                    frames, wire, cuts.stream().mapToInt(Integer::intValue).toArray());
        }
    }

    @Test
    void framesInsideOneReadAreNotCopiedAndOnlyStraddlingOnesAre() {
        List<byte[]> frames = frames();
        byte[] wire = wire(frames);
        AtomicLong copied = new AtomicLong();
        List<byte[]> got = new ArrayList<>();
        List<Integer> capacities = new ArrayList<>();
        EmbeddedChannel ch = new EmbeddedChannel(new InPlaceFrameDecoder(
                (buf, at, length) -> {
                    byte[] f = new byte[length];
                    buf.getBytes(at, f);
                    got.add(f);
                    capacities.add(buf.capacity());
                },
                1 << 20,
                copied));
        ch.writeInbound(Unpooled.wrappedBuffer(wire));
        assertThat(got).containsExactlyElementsOf(frames);
        assertThat(copied.get()).isZero();
        assertThat(capacities).allMatch(c -> c == wire.length); // each frame read inside the one read buffer
        // Cut inside the fourth frame (700 bytes): that one is copied, into a buffer of exactly its size.
        got.clear();
        capacities.clear();
        int cut = 4 + 300 + 4 + 0 + 4 + 5 + 4 + 350;
        ch.writeInbound(Unpooled.wrappedBuffer(wire, 0, cut));
        ch.writeInbound(Unpooled.wrappedBuffer(wire, cut, wire.length - cut));
        assertThat(got).containsExactlyElementsOf(frames);
        assertThat(copied.get()).isEqualTo(1);
        assertThat(capacities.get(3)).isEqualTo(700);
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void aLengthAboveTheMaximumClosesTheConnection() {
        EmbeddedChannel ch = new EmbeddedChannel(new InPlaceFrameDecoder((b, at, l) -> {}, 1000, new AtomicLong()));
        ch.writeInbound(Unpooled.buffer().writeInt(1001).writeZero(8));
        assertThat(ch.isOpen()).isFalse();
        EmbeddedChannel negative =
                new EmbeddedChannel(new InPlaceFrameDecoder((b, at, l) -> {}, 1000, new AtomicLong()));
        negative.writeInbound(Unpooled.buffer().writeInt(-1));
        assertThat(negative.isOpen()).isFalse();
    }

    @Test
    void aPartialFrameIsReleasedWhenTheConnectionCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new InPlaceFrameDecoder((b, at, l) -> {}, 1000, new AtomicLong()));
        ByteBuf in = Unpooled.buffer().writeInt(500).writeZero(100);
        ch.writeInbound(in);
        assertThat(in.refCnt()).isZero(); // the read buffer is not kept: its 100 bytes were copied out
        assertThat(ch.finishAndReleaseAll()).isFalse(); // the leak detector (tests run PARANOID) sees the rest
    }

    private static void assertDecoded(List<byte[]> frames, byte[] wire, int[] cuts) {
        List<byte[]> got = new ArrayList<>();
        AtomicLong copied = new AtomicLong();
        EmbeddedChannel ch = new EmbeddedChannel(new InPlaceFrameDecoder(
                (buf, at, length) -> {
                    byte[] f = new byte[length];
                    buf.getBytes(at, f);
                    got.add(f);
                },
                1 << 20,
                copied));
        int from = 0;
        List<ByteBuf> reads = new ArrayList<>();
        for (int cut : cuts) {
            reads.add(Unpooled.wrappedBuffer(wire, from, cut - from));
            from = cut;
        }
        reads.add(Unpooled.wrappedBuffer(wire, from, wire.length - from));
        for (ByteBuf r : reads) {
            if (!r.isReadable()) {
                continue; // a cut at either end: no read
            }
            ch.writeInbound(r);
            assertThat(r.refCnt()).isZero(); // released once its frames were handed on
        }
        assertThat(got).as("cuts %s", java.util.Arrays.toString(cuts)).containsExactlyElementsOf(frames);
        assertThat(copied.get()).isLessThanOrEqualTo(frames.size());
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
