package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Items 14/15 at frame level, with the injected clock: the idle and keepalive timeouts close what they
 * should, at the time they should. Also records (reported) how cheaply the idle timeout is defeated.
 */
@ExtendWith(LeakCheck.class)
class TimeoutAbuseTest {

    @Test
    void aConnectionWithNoStreamAndNoFrameIsClosedAtTheIdleTimeout() {
        try (Harness h = Harness.server(new TestEndpoint().timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(2))).handshake()) {
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
        try (Harness h = Harness.server(new TestEndpoint().keepalive(Duration.ofSeconds(1), Duration.ofSeconds(1)))
                .handshake()) {
            h.send(Frames.open(1)); // a stream: the idle timeout does not apply, the keepalive does
            h.read();
            h.advanceInTicks(Duration.ofMillis(1100));
            assertThat(Frames.ofType(h.read(), Frame.BodyCase.PING)).as("keepalive ping").hasSize(1);
            h.advanceInTicks(Duration.ofMillis(1100));
            assertThat(Harness.goAwayCode(h.read())).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(h.accepted.get(0).closeFuture().toCompletableFuture().join().code())
                    .isEqualTo(ErrorCode.IDLE_TIMEOUT);
        }
    }

    /**
     * Characterisation (reported): "idle" means no frame at all, so one ignored empty frame (a single zero
     * byte) per idle period holds a connection, and its slot under the server's connection caps, forever.
     */
    @Test
    void oneEmptyFramePerIdlePeriodKeepsAConnectionWithNoStreamOpenIndefinitely() {
        try (Harness h = Harness.server(new TestEndpoint().timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(2))).handshake()) {
            for (int i = 0; i < 100; i++) { // 190 s of virtual time, 100 bytes sent
                h.advanceInTicks(Duration.ofMillis(1900));
                h.sendRaw(Unpooled.wrappedBuffer(new byte[]{0}));
            }
            assertThat(h.read()).as("nothing sent, not even a keepalive ping").isEmpty();
            assertThat(h.active()).as("never idle: every frame resets the clock").isTrue();
        }
    }
}
