package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.transport.Defaults;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The builder's settings records: they start from {@link Defaults}, each setter changes exactly one value (so
 * changing one timeout restates no other), and the cross-checks still hold.
 */
class EndpointSettingsTest {
    private static final long S = 1_000_000_000L;
    private final EndpointSettings d = new TestEndpoint().build();

    @Test
    void theDefaultsAreTheValuesOfDefaults() {
        assertThat(d.flow().connectionWindowBytes()).isEqualTo(Defaults.CONNECTION_WINDOW_BYTES);
        assertThat(d.flow().streamWindowBytes()).isEqualTo(Defaults.STREAM_WINDOW_BYTES);
        assertThat(d.flow().memoryBudget().limitBytes()).isEqualTo(Defaults.MEMORY_BUDGET_BYTES);
        assertThat(d.flow().revokeIdleNanos()).isEqualTo(Defaults.REVOKE_IDLE.toNanos());
        assertThat(d.adaptive().byDefault()).isEqualTo(Defaults.ADAPTIVE_WINDOWS);
        assertThat(d.adaptive().bounds().ceilingBytes()).isEqualTo(Defaults.WINDOW_CEILING_BYTES);
        assertThat(d.frames().maxMessageBytes()).isEqualTo(Defaults.MAX_MESSAGE_BYTES);
        assertThat(d.defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        Defaults.MAX_QUEUED_CONTROL_FRAMES,
                        Defaults.MAX_RESETS_RECEIVED,
                        Defaults.MAX_RESETS_SENT,
                        Defaults.RESET_WINDOW.toNanos(),
                        Defaults.MIN_PING_INTERVAL.toNanos(),
                        Defaults.MAX_PING_STRIKES,
                        Defaults.MAX_CONSECUTIVE_EMPTY_FRAMES));
        assertThat(d.timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        Defaults.HANDSHAKE_TIMEOUT.toNanos(),
                        Defaults.PARTIAL_FRAME_TIMEOUT.toNanos(),
                        Defaults.WRITE_STALL_TIMEOUT.toNanos(),
                        Defaults.IDLE_TIMEOUT.toNanos(),
                        Defaults.KEEPALIVE_INTERVAL.toNanos(),
                        Defaults.KEEPALIVE_TIMEOUT.toNanos()));
        assertThat(d.buffers())
                .isEqualTo(new EndpointSettings.Buffers(
                        Defaults.WRITE_LOW_WATERMARK_BYTES,
                        Defaults.WRITE_HIGH_WATERMARK_BYTES,
                        Defaults.READ_LOW_WATERMARK_CONNECTION_WINDOWS * Defaults.CONNECTION_WINDOW_BYTES,
                        Defaults.READ_HIGH_WATERMARK_CONNECTION_WINDOWS * Defaults.CONNECTION_WINDOW_BYTES,
                        Defaults.SOCKET_SEND_BUFFER_BYTES,
                        Defaults.SOCKET_RECEIVE_BUFFER_BYTES));
        assertThat(d.io().ioThreads()).isEqualTo(Defaults.IO_THREADS);
    }

    @Test
    void eachTimeoutSetterChangesOnlyItsTimeout() {
        EndpointSettings.Timeouts t = d.timeouts();
        assertThat(new TestEndpoint()
                        .handshakeTimeout(Duration.ofSeconds(1))
                        .build()
                        .timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        S,
                        t.partialFrameTimeoutNanos(),
                        t.writeStallTimeoutNanos(),
                        t.idleTimeoutNanos(),
                        t.keepaliveIntervalNanos(),
                        t.keepaliveTimeoutNanos()));
        assertThat(new TestEndpoint()
                        .partialFrameTimeout(Duration.ofSeconds(2))
                        .build()
                        .timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        t.handshakeTimeoutNanos(),
                        2 * S,
                        t.writeStallTimeoutNanos(),
                        t.idleTimeoutNanos(),
                        t.keepaliveIntervalNanos(),
                        t.keepaliveTimeoutNanos()));
        assertThat(new TestEndpoint()
                        .writeStallTimeout(Duration.ofSeconds(3))
                        .build()
                        .timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        t.handshakeTimeoutNanos(),
                        t.partialFrameTimeoutNanos(),
                        3 * S,
                        t.idleTimeoutNanos(),
                        t.keepaliveIntervalNanos(),
                        t.keepaliveTimeoutNanos()));
        assertThat(new TestEndpoint().idleTimeout(Duration.ofSeconds(4)).build().timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        t.handshakeTimeoutNanos(),
                        t.partialFrameTimeoutNanos(),
                        t.writeStallTimeoutNanos(),
                        4 * S,
                        t.keepaliveIntervalNanos(),
                        t.keepaliveTimeoutNanos()));
        assertThat(new TestEndpoint()
                        .keepaliveInterval(Duration.ofSeconds(5))
                        .build()
                        .timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        t.handshakeTimeoutNanos(),
                        t.partialFrameTimeoutNanos(),
                        t.writeStallTimeoutNanos(),
                        t.idleTimeoutNanos(),
                        5 * S,
                        t.keepaliveTimeoutNanos()));
        assertThat(new TestEndpoint()
                        .keepaliveTimeout(Duration.ofSeconds(6))
                        .build()
                        .timeouts())
                .isEqualTo(new EndpointSettings.Timeouts(
                        t.handshakeTimeoutNanos(),
                        t.partialFrameTimeoutNanos(),
                        t.writeStallTimeoutNanos(),
                        t.idleTimeoutNanos(),
                        t.keepaliveIntervalNanos(),
                        6 * S));
    }

    @Test
    void eachDefenseSetterChangesOnlyItsLimit() {
        EndpointSettings.Defenses x = d.defenses();
        assertThat(new TestEndpoint().maxResetsReceived(7).build().defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        x.maxQueuedControlFrames(),
                        7,
                        x.maxResetsSent(),
                        x.resetWindowNanos(),
                        x.minPingIntervalNanos(),
                        x.maxPingStrikes(),
                        x.maxConsecutiveEmptyFrames()));
        assertThat(new TestEndpoint().maxResetsSent(8).build().defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        x.maxQueuedControlFrames(),
                        x.maxResetsReceived(),
                        8,
                        x.resetWindowNanos(),
                        x.minPingIntervalNanos(),
                        x.maxPingStrikes(),
                        x.maxConsecutiveEmptyFrames()));
        assertThat(new TestEndpoint().resetWindow(Duration.ofSeconds(9)).build().defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        x.maxQueuedControlFrames(),
                        x.maxResetsReceived(),
                        x.maxResetsSent(),
                        9 * S,
                        x.minPingIntervalNanos(),
                        x.maxPingStrikes(),
                        x.maxConsecutiveEmptyFrames()));
        assertThat(new TestEndpoint()
                        .minPingInterval(Duration.ofSeconds(11))
                        .build()
                        .defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        x.maxQueuedControlFrames(),
                        x.maxResetsReceived(),
                        x.maxResetsSent(),
                        x.resetWindowNanos(),
                        11 * S,
                        x.maxPingStrikes(),
                        x.maxConsecutiveEmptyFrames()));
        assertThat(new TestEndpoint().maxPingStrikes(0).build().defenses())
                .isEqualTo(new EndpointSettings.Defenses(
                        x.maxQueuedControlFrames(),
                        x.maxResetsReceived(),
                        x.maxResetsSent(),
                        x.resetWindowNanos(),
                        x.minPingIntervalNanos(),
                        0,
                        x.maxConsecutiveEmptyFrames()));
    }

    @Test
    void eachSocketBufferSetterChangesOnlyItsBuffer() {
        EndpointSettings.Buffers b = d.buffers();
        assertThat(new TestEndpoint().socketSendBufferBytes(0).build().buffers())
                .isEqualTo(new EndpointSettings.Buffers(
                        b.writeLowWatermarkBytes(),
                        b.writeHighWatermarkBytes(),
                        b.readLowWatermarkBytes(),
                        b.readHighWatermarkBytes(),
                        0,
                        b.socketReceiveBufferBytes()));
        assertThat(new TestEndpoint().socketReceiveBufferBytes(4096).build().buffers())
                .isEqualTo(new EndpointSettings.Buffers(
                        b.writeLowWatermarkBytes(),
                        b.writeHighWatermarkBytes(),
                        b.readLowWatermarkBytes(),
                        b.readHighWatermarkBytes(),
                        b.socketSendBufferBytes(),
                        4096));
    }

    @Test
    void oneSetterLeavesEveryOtherGroupAsItWas() {
        EndpointSettings s =
                new TestEndpoint().writeStallTimeout(Duration.ofSeconds(1)).build();
        assertThat(s.defenses()).isEqualTo(d.defenses());
        assertThat(s.buffers()).isEqualTo(d.buffers());
        assertThat(s.frames()).isEqualTo(d.frames());
        assertThat(s.adaptive()).isEqualTo(d.adaptive());
        assertThat(s.flow().connectionWindowBytes()).isEqualTo(d.flow().connectionWindowBytes());
    }

    @Test
    void theSettersAndTheCrossChecksRefuseWithTheValueInTheMessage() {
        assertThatThrownBy(() -> new TestEndpoint().idleTimeout(Duration.ZERO))
                .hasMessage("idleTimeout: PT0S (expected: > 0)");
        assertThatThrownBy(() -> new TestEndpoint().maxPingStrikes(-1))
                .hasMessage("maxPingStrikes: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new TestEndpoint().socketReceiveBufferBytes(-1))
                .hasMessage("socketReceiveBufferBytes: -1 (expected: >= 0)");
        assertThatThrownBy(() -> new TestEndpoint()
                        .connectionWindowBytes(1024)
                        .maxMessageBytes(2048)
                        .build())
                .hasMessageStartingWith("maxMessageBytes: 2048 (expected: <= connectionWindowBytes 1024");
    }
}
