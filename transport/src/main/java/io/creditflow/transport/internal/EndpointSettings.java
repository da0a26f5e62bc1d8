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
 * The frozen settings of one endpoint (a Client or a Server), shared by all its connections, as one small
 * record per concern, so that each part of a connection receives only what it uses. Built and validated by
 * {@code EndpointBuilder}, whose defaults are {@code io.creditflow.transport.Defaults}. Immutable; thread-safe.
 *
 * @param streamHandler accepts the streams the peer opens
 * @param acceptedStreamOptions the options of the streams the peer opens
 * @param clock the endpoint's clock, read once per event on the event loop
 */
public record EndpointSettings(
        StreamHandler streamHandler,
        StreamOptions acceptedStreamOptions,
        NanoClock clock,
        FlowSettings flow,
        AdaptiveWindows adaptive,
        FrameLimits frames,
        Defenses defenses,
        Timeouts timeouts,
        Buffers buffers,
        IoSettings io,
        Security security) {

    // Fixed constants: not settings, the same for every endpoint (docs/protocol.md section 10, "Fixed constants").

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
        if (streamHandler == null
                || acceptedStreamOptions == null
                || clock == null
                || flow == null
                || adaptive == null
                || frames == null
                || defenses == null
                || timeouts == null
                || buffers == null
                || io == null
                || security == null) {
            throw new NullPointerException("every component of EndpointSettings is required");
        }
        if (frames.maxMessageBytes() > flow.connectionWindowBytes()) {
            throw new IllegalArgumentException("maxMessageBytes: " + frames.maxMessageBytes()
                    + " (expected: <= connectionWindowBytes " + flow.connectionWindowBytes()
                    + ", or a largest message could never be received)");
        }
        if (frames.maxMessageBytes() > flow.memoryBudget().limitBytes()) {
            throw new IllegalArgumentException("maxMessageBytes: " + frames.maxMessageBytes()
                    + " (expected: <= memory budget " + flow.memoryBudget().limitBytes() + ")");
        }
    }

    /**
     * Receive-side flow control: windows, the memory budget, and when unused credit may be taken back.
     *
     * @param revokeIdleNanos how long a stream may hold unused credit before it may be revoked for a starved one
     */
    public record FlowSettings(
            MemoryBudget memoryBudget,
            long connectionWindowBytes,
            long streamWindowBytes,
            long streamWindowMessages,
            long minGrantBytes,
            long revokeIdleNanos) {
        public FlowSettings {
            if (memoryBudget == null) {
                throw new NullPointerException("memoryBudget");
            }
        }
    }

    /**
     * Adaptive receive windows (docs/protocol.md section 6.5).
     *
     * @param byDefault whether streams of {@code WindowMode.ENDPOINT_DEFAULT} adapt
     * @param bounds the floor, ceiling and target delay of every adaptive stream
     */
    public record AdaptiveWindows(boolean byDefault, AdaptiveWindow.Settings bounds) {
        public AdaptiveWindows {
            if (bounds == null) {
                throw new NullPointerException("bounds");
            }
        }
    }

    /** What the peer may send in one message, one Open and at once; and the frame sizes that follow. */
    public record FrameLimits(
            int maxMessageBytes, int maxConcurrentStreams, int maxMetadataBytes, int maxMetadataEntries) {
        /**
         * The largest frame accepted: a largest message with its header, or an Open frame with the
         * largest metadata (each entry costs up to 16 bytes of tags and lengths), or a control frame.
         */
        public int maxFrameBytes() {
            long data = (long) maxMessageBytes + FrameWriter.MAX_DATA_HEADER_BYTES;
            return (int) Math.max(Math.max(maxOpenBytes(), data), CONTROL_FRAME_BYTES + MAX_CREDENTIAL_BYTES);
        }

        /** The largest frame that is not data: an Open with the largest metadata, or a Handshake, or a control frame. */
        public int maxControlFrameBytes() {
            return (int)
                    Math.min(maxFrameBytes(), Math.max(maxOpenBytes(), CONTROL_FRAME_BYTES + MAX_CREDENTIAL_BYTES));
        }

        private long maxOpenBytes() {
            return (long) maxMetadataBytes + 16L * maxMetadataEntries + 32;
        }
    }

    /** The defenses against a misbehaving peer (docs/protocol.md section 11), in counts and nanoseconds. */
    public record Defenses(
            int maxQueuedControlFrames,
            int maxResetsReceived,
            int maxResetsSent,
            long resetWindowNanos,
            long minPingIntervalNanos,
            int maxPingStrikes,
            int maxConsecutiveEmptyFrames) {}

    /** The time limits of a connection (docs/protocol.md section 4.4), checked against the endpoint's clock. */
    public record Timeouts(
            long handshakeTimeoutNanos,
            long partialFrameTimeoutNanos,
            long writeStallTimeoutNanos,
            long idleTimeoutNanos,
            long keepaliveIntervalNanos,
            long keepaliveTimeoutNanos) {}

    /**
     * The buffers around the socket: the channel's write watermarks, the read watermarks on unconsumed inbound
     * data (wire bytes), and the kernel's buffers (0: the kernel's default).
     */
    public record Buffers(
            int writeLowWatermarkBytes,
            int writeHighWatermarkBytes,
            long readLowWatermarkBytes,
            long readHighWatermarkBytes,
            int socketSendBufferBytes,
            int socketReceiveBufferBytes) {
        public Buffers {
            if (readHighWatermarkBytes < readLowWatermarkBytes) {
                throw new IllegalArgumentException("readHighWatermarkBytes: " + readHighWatermarkBytes
                        + " (expected: >= readLowWatermarkBytes " + readLowWatermarkBytes + ")");
            }
        }
    }

    /**
     * Threads and the I/O transport.
     *
     * @param ioThreads threads of the endpoint's own event loop group, or 0 for its default size
     * @param eventLoopGroup the embedder's group, or null for the endpoint's own
     */
    public record IoSettings(int ioThreads, IoTransport transport, EventLoopGroup eventLoopGroup) {
        public IoSettings {
            if (transport == null) {
                throw new NullPointerException("transport");
            }
        }
    }

    /**
     * Who may connect and how the bytes are protected.
     *
     * @param credential what a client sends in its handshake (empty for none)
     * @param tls the TLS options, or null for plain TCP
     */
    public record Security(Authenticator authenticator, byte[] credential, TlsOptions tls) {
        public Security {
            if (authenticator == null || credential == null) {
                throw new NullPointerException("authenticator and credential are required");
            }
        }
    }

    /** The receive-side flow controller's settings: adaptive bounds only if streams adapt by default. */
    public InboundFlowController.Config receiveConfig() {
        return new InboundFlowController.Config(
                flow.connectionWindowBytes(),
                flow.streamWindowBytes(),
                flow.streamWindowMessages(),
                flow.minGrantBytes(),
                flow.revokeIdleNanos(),
                adaptive.byDefault() ? adaptive.bounds() : null);
    }
}
