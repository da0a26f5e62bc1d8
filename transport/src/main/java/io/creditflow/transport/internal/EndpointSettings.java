package io.creditflow.transport.internal;

import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.core.AdaptiveWindow;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.NanoClock;
import io.creditflow.transport.Authenticator;
import io.creditflow.transport.IoTransport;
import io.creditflow.transport.StreamHandler;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.TlsOptions;
import io.netty.channel.EventLoopGroup;

/**
 * The frozen settings of one endpoint (a Client or a Server), shared by all its connections.
 * Built and validated by {@code EndpointBuilder}. Immutable; thread-safe. {@code tls} is null for
 * plain TCP.
 */
public record EndpointSettings(
        StreamHandler streamHandler,
        MemoryBudget memoryBudget,
        long connectionWindowBytes,
        long streamWindowBytes,
        long streamWindowMessages,
        int maxMessageBytes,
        int maxConcurrentStreams,
        int maxMetadataBytes,
        int maxMetadataEntries,
        long minGrantBytes,
        long revokeIdleNanos,
        int writeLowWatermarkBytes,
        int writeHighWatermarkBytes,
        long readLowWatermarkBytes,
        long readHighWatermarkBytes,
        int socketSendBufferBytes,
        int socketReceiveBufferBytes,
        StreamOptions acceptedStreamOptions,
        long handshakeTimeoutNanos,
        int ioThreads,
        IoTransport transport,
        EventLoopGroup eventLoopGroup,
        NanoClock clock,
        Limits limits,
        Authenticator authenticator,
        byte[] credential,
        TlsOptions tls,
        boolean adaptiveWindows,
        AdaptiveWindow.Settings adaptiveWindowSettings) {

    /** Upper limit on maxMessageBytes: frames are length-prefixed with a varint32 and held whole. */
    public static final int MAX_MESSAGE_BYTES_LIMIT = 64 * 1024 * 1024;
    /** Largest handshake credential: a bearer token or a small signed assertion. */
    public static final int MAX_CREDENTIAL_BYTES = 4096;
    /** Room for control frames (GoAway and Reset reasons are truncated to fit). */
    static final int CONTROL_FRAME_BYTES = 4096;
    /** Longest reason string we send in Reset and GoAway. */
    static final int MAX_REASON_CHARS = 512;
    /** Housekeeping period: revocation under memory pressure, stall accounting, global read pressure. */
    static final long TICK_NANOS = 50_000_000L;
    /** Bytes a stream may write per turn before the next stream's turn. */
    static final int WRITE_QUANTUM_BYTES = 16 * 1024;

    public EndpointSettings {
        if (maxMessageBytes > connectionWindowBytes) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes
                    + " (expected: <= connectionWindowBytes " + connectionWindowBytes
                    + ", or a largest message could never be received)");
        }
        if (maxMessageBytes > memoryBudget.limitBytes()) {
            throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: <= memory budget "
                    + memoryBudget.limitBytes() + ")");
        }
        if (readHighWatermarkBytes < readLowWatermarkBytes) {
            throw new IllegalArgumentException("readHighWatermarkBytes: " + readHighWatermarkBytes
                    + " (expected: >= readLowWatermarkBytes " + readLowWatermarkBytes + ")");
        }
        if (clock == null || streamHandler == null || acceptedStreamOptions == null || adaptiveWindowSettings == null) {
            throw new NullPointerException(
                    "clock, streamHandler, acceptedStreamOptions and adaptiveWindowSettings are required");
        }
    }

    /**
     * The largest frame accepted: a largest message with its header, or an Open frame with the
     * largest metadata (each entry costs up to 16 bytes of tags and lengths), or a control frame.
     */
    public int maxFrameBytes() {
        long open = (long) maxMetadataBytes + 16L * maxMetadataEntries + 32;
        long data = (long) maxMessageBytes + FrameWriter.MAX_DATA_HEADER_BYTES;
        return (int) Math.max(Math.max(open, data), CONTROL_FRAME_BYTES + MAX_CREDENTIAL_BYTES);
    }

    /**
     * The defenses against a misbehaving peer (docs/protocol.md, "Limits and defaults"). All in
     * nanoseconds or counts; every time limit is checked against the endpoint's clock.
     */
    public record Limits(
            int maxQueuedControlFrames,
            int maxResetsReceived,
            int maxResetsSent,
            long resetWindowNanos,
            long minPingIntervalNanos,
            int maxPingStrikes,
            int maxConsecutiveEmptyFrames,
            long partialFrameTimeoutNanos,
            long writeStallTimeoutNanos,
            long idleTimeoutNanos,
            long keepaliveIntervalNanos,
            long keepaliveTimeoutNanos) {}

    /** The largest frame that is not data: an Open with the largest metadata, or a Handshake, or a control frame. */
    public int maxControlFrameBytes() {
        long open = (long) maxMetadataBytes + 16L * maxMetadataEntries + 32;
        return (int) Math.min(maxFrameBytes(), Math.max(open, CONTROL_FRAME_BYTES + MAX_CREDENTIAL_BYTES));
    }

    public InboundFlowController.Config receiveConfig() {
        return new InboundFlowController.Config(
                connectionWindowBytes,
                streamWindowBytes,
                streamWindowMessages,
                minGrantBytes,
                revokeIdleNanos,
                adaptiveWindows ? adaptiveWindowSettings : null);
    }
}
