package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.ping;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Item 6: ping-rate abuse is cut off after the allowed strikes; pinging at the allowed rate never is. */
@ExtendWith(LeakCheck.class)
class PingAbuseTest {

    @Test
    void pingsFasterThanTheMinimumIntervalAreCutOffAfterTheAllowedStrikes() {
        // Defaults: 1 s minimum interval, 2 strikes tolerated.
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(ping(0)); // the first ping is never a strike
            for (int i = 1; i <= EndpointBuilderDefaults.MAX_PING_STRIKES; i++) {
                h.advance(Duration.ofMillis(100));
                h.send(ping(i));
                List<Frame> out = h.read();
                assertThat(Harness.goAwayCode(out))
                        .as("strike %d is tolerated", i)
                        .isNull();
            }
            h.advance(Duration.ofMillis(100));
            h.send(ping(99));
            List<Frame> out = h.read();
            assertThat(Harness.goAwayCode(out)).as("one strike past the limit").isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
            assertThat(Frames.ofType(out, Frame.BodyCase.PONG))
                    .as("the offending ping is not answered")
                    .isEmpty();
            assertThat(h.active()).isFalse();
        }
    }

    @Test
    void aPingFloodInOneReadIsCutOffAtTheThirdStrike() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            io.netty.buffer.ByteBuf flood = io.netty.buffer.Unpooled.buffer();
            for (int i = 0; i < 10_000; i++) {
                io.netty.buffer.ByteBuf one =
                        io.creditflow.proto.codec.FrameWriter.encode(io.netty.buffer.ByteBufAllocator.DEFAULT, ping(i));
                flood.writeBytes(one);
                one.release();
            }
            h.sendRaw(flood);
            List<Frame> out = h.read();
            assertThat(Frames.ofType(out, Frame.BodyCase.PONG))
                    .as("1 free ping + 2 strikes answered")
                    .hasSize(3);
            assertThat(Harness.goAwayCode(out)).isEqualTo(ErrorCode.ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void pingingAtTheAllowedRateForTenMinutesIsNeverCutOff() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(Frames.open(1)); // a stream stays open: the idle timeout (no stream for 5 min) does not apply
            int pongs = 0;
            for (int i = 0; i < 600; i++) {
                h.send(ping(i));
                List<Frame> out = h.read();
                assertThat(Harness.goAwayCode(out)).as("ping %d", i).isNull();
                pongs += Frames.ofType(out, Frame.BodyCase.PONG).size();
                h.advanceInTicks(Duration.ofSeconds(1)); // exactly the minimum interval: not a strike
            }
            assertThat(pongs).isEqualTo(600);
            assertThat(h.active()).isTrue();
        }
    }

    @Test
    void anOccasionalEarlyPingWithinTheStrikesIsTolerated() {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            for (int i = 0; i < 100; i++) {
                h.send(ping(i));
                assertThat(Harness.goAwayCode(h.read())).isNull();
                // Two early pings (999 ms) in 100: within the 2 strikes.
                h.advanceInTicks(i == 30 || i == 60 ? Duration.ofMillis(999) : Duration.ofSeconds(1));
            }
            assertThat(h.active()).isTrue();
        }
    }

    /**
     * Strikes are for bursts: a ping at the allowed pace forgives earlier strikes, so a client whose timer
     * fires 1 ms early now and then over a long connection is never cut off.
     */
    @Test
    void strikesDecaySoOccasionalEarlyPingsHoursApartNeverCutAClientOff() {
        try (Harness h = Harness.server(new TestEndpoint()
                        .keepaliveInterval(Duration.ofHours(10))
                        .keepaliveTimeout(Duration.ofHours(1))
                        .idleTimeout(Duration.ofHours(10)))
                .handshake()) {
            h.send(ping(0));
            for (int strike = 1; strike <= 3; strike++) {
                h.advance(Duration.ofHours(1)); // an hour of pings at the allowed rate, compressed
                h.send(ping(strike * 10L));
                h.advance(Duration.ofMillis(999));
                h.send(ping(strike * 10L + 1));
                assertThat(Harness.goAwayCode(h.read()))
                        .as("early ping %d, an hour after the last", strike)
                        .isNull();
            }
        }
    }

    /** The builder's defaults, restated so that the test fails loudly if they change. */
    static final class EndpointBuilderDefaults {
        static final int MAX_PING_STRIKES = io.creditflow.transport.EndpointBuilder.DEFAULT_MAX_PING_STRIKES;
    }
}
