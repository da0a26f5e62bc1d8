package io.creditflow.bench.harness.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.bench.harness.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NettyFillCheckTest {
    /** The frame sits inside a larger buffer, as a decoder's slice does; the check reads it in place. */
    @ParameterizedTest
    @ValueSource(longs = {0, 1, 63, 64, 65, 128})
    void checksAFrameInPlaceAsTheArrayCheckDoes(long seq) {
        byte[] p = Payloads.make(4096, 3, seq, 0);
        ByteBuf b = Unpooled.buffer(4096 + 10);
        try {
            b.writeZero(7).writeBytes(p).writeZero(3);
            assertThat(NettyReceiver.fillIntact(b, 7, 4096, 3, seq)).isTrue();
            assertThat(NettyReceiver.fillIntact(b, 7, 4096, 3, seq + 1)).isFalse();
            b.setByte(7 + 4095, b.getByte(7 + 4095) ^ 0x10); // last byte: sampled in every message
            assertThat(NettyReceiver.fillIntact(b, 7, 4096, 3, seq)).isFalse();
            assertThat(Payloads.fillIntact(p, 3, seq)).isTrue();
        } finally {
            b.release();
        }
    }
}
