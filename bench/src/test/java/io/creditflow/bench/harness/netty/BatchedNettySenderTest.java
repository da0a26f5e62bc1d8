package io.creditflow.bench.harness.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.ReadySignal;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** netty-batched's write path on an EmbeddedChannel: gathering into 16 KiB buffers, one flush per pass, the bound. */
class BatchedNettySenderTest {
    private static final int KIB = 1024;

    /** Counts flushes on their way to the channel. */
    private static final class FlushCounter extends ChannelOutboundHandlerAdapter {
        int flushes;

        @Override
        public void flush(ChannelHandlerContext ctx) {
            flushes++;
            ctx.flush();
        }
    }

    private static BatchedNettySender.Connection connection(EmbeddedChannel ch, long maxBytes, long maxMessages) {
        BatchedNettySender.Connection c = new BatchedNettySender.Connection(new ReadySignal(), maxBytes, maxMessages);
        c.channel = ch;
        return c;
    }

    @Test
    void aPassGathersSeveralMessagesPerBufferAndFlushesOnce() {
        FlushCounter flushes = new FlushCounter();
        EmbeddedChannel ch = new EmbeddedChannel(flushes);
        BatchedNettySender.Connection c = connection(ch, 1 << 20, 10_000);
        List<byte[]> sent = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            byte[] p = Payloads.make(KIB, 0, k, 0);
            assertThat(c.offer(p)).isTrue();
            sent.add(p);
        }
        c.handOff(); // the send loop's flush at the end of its pass
        assertThat(ch.outboundMessages()).isEmpty(); // nothing is written off the loop
        ch.runPendingTasks(); // one write pass
        assertThat(flushes.flushes).isEqualTo(1);
        List<ByteBuf> buffers = new ArrayList<>();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            buffers.add((ByteBuf) m);
        }
        // 40 frames of 1,028 bytes: 15 fit in each 16 KiB buffer.
        assertThat(buffers).hasSize(3);
        assertThat(buffers).allMatch(b -> b.capacity() == BatchedNettySender.COALESCE_BYTES);
        assertThat(buffers.get(0).readableBytes()).isEqualTo(15 * (4 + KIB));
        List<byte[]> got = new ArrayList<>();
        EmbeddedChannel decode = new EmbeddedChannel(new InPlaceFrameDecoder(
                (buf, at, length) -> {
                    byte[] f = new byte[length];
                    buf.getBytes(at, f);
                    got.add(f);
                },
                1 << 20,
                new AtomicLong()));
        for (ByteBuf b : buffers) {
            decode.writeInbound(b);
        }
        assertThat(got).containsExactlyElementsOf(sent);
        assertThat(ch.finishAndReleaseAll()).isFalse();
        assertThat(decode.finishAndReleaseAll()).isFalse();
    }

    @Test
    void theHandOffIsBoundedAndFreesAsTheLoopWrites() {
        EmbeddedChannel ch = new EmbeddedChannel();
        BatchedNettySender.Connection c = connection(ch, 8 * KIB, 10_000);
        int taken = 0;
        while (taken < 100 && c.offer(Payloads.make(KIB, 0, taken, 0))) {
            taken++;
        }
        assertThat(taken).isEqualTo(8); // 8 KiB of payload, then no
        c.handOff();
        assertThat(c.offer(Payloads.make(KIB, 0, taken, 0))).isFalse();
        ch.runPendingTasks();
        assertThat(c.offer(Payloads.make(KIB, 0, taken, 0))).isTrue();

        BatchedNettySender.Connection byCount = connection(new EmbeddedChannel(), 1 << 20, 3);
        assertThat(byCount.offer(new byte[1])).isTrue();
        assertThat(byCount.offer(new byte[1])).isTrue();
        assertThat(byCount.offer(new byte[1])).isTrue();
        assertThat(byCount.offer(new byte[1])).isFalse();
        ch.finishAndReleaseAll();
    }

    @Test
    void aMessageLargerThanTheBufferGetsOneOfItsOwnSize() {
        EmbeddedChannel ch = new EmbeddedChannel();
        BatchedNettySender.Connection c = connection(ch, 1 << 20, 10_000);
        assertThat(c.offer(Payloads.make(64 * KIB, 0, 0, 0))).isTrue();
        c.handOff();
        ch.runPendingTasks();
        ByteBuf b = ch.readOutbound();
        try {
            assertThat(b.readableBytes()).isEqualTo(4 + 64 * KIB);
            assertThat(b.getInt(b.readerIndex())).isEqualTo(64 * KIB);
        } finally {
            b.release();
        }
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }
}
