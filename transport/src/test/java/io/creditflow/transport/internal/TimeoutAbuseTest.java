package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Items 14/15 at frame level, with the injected clock: the idle and keepalive timeouts close what they
 * should, at the time they should, and spare what they should not close (a paused reader, a peer
 * that keeps its streams open).
 */
@ExtendWith(LeakCheck.class)
class TimeoutAbuseTest {

    @Test
    void aConnectionWithNoStreamAndNoFrameIsClosedAtTheIdleTimeout() {
        try (Harness h = Harness.server(new TestEndpoint().idleTimeout(Duration.ofSeconds(2)))
                .handshake()) {
            h.advanceInTicks(Duration.ofMillis(1950));
            assertThat(h.active()).isTrue();
            h.advanceInTicks(Duration.ofMillis(100));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void aPeerThatDoesNotAnswerTheKeepalivePingIsClosed() {
        try (Harness h = Harness.server(new TestEndpoint()
                        .keepaliveInterval(Duration.ofSeconds(1))
                        .keepaliveTimeout(Duration.ofSeconds(1)))
                .handshake()) {
            h.send(Frames.open(1)); // a stream: the idle timeout does not apply, the keepalive does
            h.read();
            h.advanceInTicks(Duration.ofMillis(1100));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.PING))
                    .as("keepalive ping")
                    .hasSize(1);
            h.advanceInTicks(Duration.ofMillis(1100));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(h.accepted
                            .get(0)
                            .closeFuture()
                            .toCompletableFuture()
                            .join()
                            .code())
                    .isEqualTo(io.creditflow.transport.ErrorCode.IDLE_TIMEOUT);
        }
    }

    /**
     * "Idle" means no stream, whatever else arrives: an ignored empty frame and an on-pace ping every 1.9 s
     * do not hold a connection (and its slot under the server's connection caps) past the 2 s idle timeout.
     */
    @Test
    void emptyFramesAndPingsDoNotKeepAConnectionWithNoStreamOpen() {
        try (Harness h = Harness.server(new TestEndpoint().idleTimeout(Duration.ofSeconds(2)))
                .handshake()) {
            h.advanceInTicks(Duration.ofMillis(1000));
            h.sendRaw(Unpooled.wrappedBuffer(new byte[] {0}));
            h.send(Frames.ping(1));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.PONG))
                    .as("the ping is answered")
                    .hasSize(1);
            assertThat(h.active()).isTrue();
            h.advanceInTicks(Duration.ofMillis(1050));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void theIdleClockStartsWhenTheLastStreamCloses() {
        try (Harness h = Harness.server(new TestEndpoint().idleTimeout(Duration.ofSeconds(2)))
                .handshake()) {
            h.send(Frames.open(1));
            h.advanceInTicks(Duration.ofSeconds(5));
            assertThat(h.active()).as("a stream is open: not idle").isTrue();
            h.send(Frames.reset(1, ErrorCode.CANCEL));
            h.read();
            h.advanceInTicks(Duration.ofMillis(1950));
            assertThat(h.active()).isTrue();
            h.advanceInTicks(Duration.ofMillis(100));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.IDLE_TIMEOUT);
        }
    }

    /**
     * A slow application, not a dead peer: while reading is paused (unconsumed data above the read high
     * watermark) the keepalive and partial-frame clocks are suspended; they restart when reading resumes.
     */
    @Test
    void keepaliveAndPartialFrameClocksAreSuspendedWhileReadingIsPaused() throws Exception {
        try (Harness h = Harness.server(new TestEndpoint()
                        .streamWindowBytes(64 * 1024)
                        .readWatermarks(2000, 4000)
                        .keepaliveInterval(Duration.ofSeconds(1))
                        .keepaliveTimeout(Duration.ofSeconds(1))
                        .partialFrameTimeout(Duration.ofSeconds(2)))
                .handshake()) {
            h.send(Frames.open(1));
            ByteBuf in = Unpooled.buffer();
            for (int i = 0; i < 4; i++) {
                FrameWriter.writeDataHeader(in, 1, 1000);
                in.writeZero(1000);
            }
            FrameWriter.writeDataHeader(in, 1, 1000);
            in.writeZero(10); // the fifth message is cut short: a partial frame
            h.sendRaw(in);
            h.read();
            assertThat(h.p.channel.config().isAutoRead())
                    .as("paused above the read high watermark")
                    .isFalse();

            h.advanceInTicks(Duration.ofSeconds(60));
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.PING))
                    .as("no keepalive ping while paused")
                    .isEmpty();
            assertThat(Harness.goAwayCode(out)).isNull();
            assertThat(h.active()).isTrue();

            Stream s = h.accepted.get(0);
            for (int i = 0; i < 4; i++) {
                try (Message m = s.poll(0, TimeUnit.SECONDS)) {
                    assertThat(m.size()).isEqualTo(1000);
                }
            }
            h.read();
            assertThat(h.p.channel.config().isAutoRead()).as("resumed").isTrue();
            h.advanceInTicks(Duration.ofMillis(1100));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.PING))
                    .as("keepalive restarted on resume")
                    .hasSize(1);
            h.advanceInTicks(Duration.ofMillis(800));
            assertThat(h.active())
                    .as("the partial-frame clock restarted on resume too")
                    .isTrue();
            h.advanceInTicks(Duration.ofMillis(200));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.PROTOCOL_ERROR);
        }
    }
}
