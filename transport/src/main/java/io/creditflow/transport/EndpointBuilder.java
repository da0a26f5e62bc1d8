package io.creditflow.transport;

import io.creditflow.proto.core.AdaptiveWindow;
import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.NanoClock;
import io.creditflow.transport.internal.EndpointSettings;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;

/**
 * Settings shared by {@code Client.builder()} and {@code Server.builder()}. Each setter sets one value (a
 * pair of watermarks or of bounds is one range) and validates it at once, with the offending value in the
 * message; cross-checks run in {@link #settings()}. Every default, with the reason for it, is in
 * {@link Defaults} (tabled in docs/protocol.md, "Limits and defaults").
 *
 * <p>Not thread-safe.
 *
 * @param <B> the concrete builder
 */
public abstract class EndpointBuilder<B extends EndpointBuilder<B>> {
    // Aliases of the values in Defaults, kept for source compatibility; the reason for each is given there.

    public static final long DEFAULT_CONNECTION_WINDOW_BYTES = Defaults.CONNECTION_WINDOW_BYTES;
    public static final long DEFAULT_STREAM_WINDOW_BYTES = Defaults.STREAM_WINDOW_BYTES;
    public static final long DEFAULT_STREAM_WINDOW_MESSAGES = Defaults.STREAM_WINDOW_MESSAGES;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = Defaults.MAX_MESSAGE_BYTES;
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = Defaults.MAX_CONCURRENT_STREAMS;
    public static final int DEFAULT_MAX_METADATA_BYTES = Defaults.MAX_METADATA_BYTES;
    public static final int DEFAULT_MAX_METADATA_ENTRIES = Defaults.MAX_METADATA_ENTRIES;
    public static final long DEFAULT_MEMORY_BUDGET_BYTES = Defaults.MEMORY_BUDGET_BYTES;
    public static final long DEFAULT_MIN_GRANT_BYTES = Defaults.MIN_GRANT_BYTES;
    public static final Duration DEFAULT_REVOKE_IDLE = Defaults.REVOKE_IDLE;
    public static final int DEFAULT_WRITE_LOW_WATERMARK_BYTES = Defaults.WRITE_LOW_WATERMARK_BYTES;
    public static final int DEFAULT_WRITE_HIGH_WATERMARK_BYTES = Defaults.WRITE_HIGH_WATERMARK_BYTES;
    /** Both socket buffers: {@link Defaults#SOCKET_SEND_BUFFER_BYTES} and {@link Defaults#SOCKET_RECEIVE_BUFFER_BYTES}. */
    public static final int DEFAULT_SOCKET_BUFFER_BYTES = Defaults.SOCKET_SEND_BUFFER_BYTES;

    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Defaults.HANDSHAKE_TIMEOUT;
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = Defaults.MAX_QUEUED_CONTROL_FRAMES;
    public static final int DEFAULT_MAX_RESETS_RECEIVED = Defaults.MAX_RESETS_RECEIVED;
    public static final int DEFAULT_MAX_RESETS_SENT = Defaults.MAX_RESETS_SENT;
    public static final Duration DEFAULT_RESET_WINDOW = Defaults.RESET_WINDOW;
    public static final Duration DEFAULT_MIN_PING_INTERVAL = Defaults.MIN_PING_INTERVAL;
    public static final int DEFAULT_MAX_PING_STRIKES = Defaults.MAX_PING_STRIKES;
    public static final int DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES = Defaults.MAX_CONSECUTIVE_EMPTY_FRAMES;
    public static final Duration DEFAULT_PARTIAL_FRAME_TIMEOUT = Defaults.PARTIAL_FRAME_TIMEOUT;
    public static final Duration DEFAULT_WRITE_STALL_TIMEOUT = Defaults.WRITE_STALL_TIMEOUT;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Defaults.IDLE_TIMEOUT;
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Defaults.KEEPALIVE_INTERVAL;
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Defaults.KEEPALIVE_TIMEOUT;
    public static final boolean DEFAULT_ADAPTIVE_WINDOWS = Defaults.ADAPTIVE_WINDOWS;
    public static final long DEFAULT_WINDOW_FLOOR_BYTES = Defaults.WINDOW_FLOOR_BYTES;
    public static final long DEFAULT_WINDOW_CEILING_BYTES = Defaults.WINDOW_CEILING_BYTES;
    public static final Duration DEFAULT_WINDOW_TARGET_DELAY = Defaults.WINDOW_TARGET_DELAY;

    // Every field starts at its value in Defaults; one setter sets one of them (a watermark pair or a pair of
    // bounds is one range, validated together).

    private StreamHandler streamHandler;
    private StreamOptions acceptedStreamOptions = StreamOptions.defaults();
    private NanoClock clock = NanoClock.SYSTEM;
    // flow windows and memory
    private MemoryBudget memoryBudget;
    private long memoryBudgetBytes = Defaults.MEMORY_BUDGET_BYTES;
    private long connectionWindowBytes = Defaults.CONNECTION_WINDOW_BYTES;
    private long streamWindowBytes = Defaults.STREAM_WINDOW_BYTES;
    private long streamWindowMessages = Defaults.STREAM_WINDOW_MESSAGES;
    private long minGrantBytes = Defaults.MIN_GRANT_BYTES;
    private Duration revokeIdle = Defaults.REVOKE_IDLE;
    // adaptive windows
    private boolean adaptiveWindows = Defaults.ADAPTIVE_WINDOWS;
    private long windowFloorBytes = Defaults.WINDOW_FLOOR_BYTES;
    private long windowCeilingBytes = Defaults.WINDOW_CEILING_BYTES;
    private Duration windowTargetDelay = Defaults.WINDOW_TARGET_DELAY;
    // messages, frames and streams
    private int maxMessageBytes = Defaults.MAX_MESSAGE_BYTES;
    private int maxConcurrentStreams = Defaults.MAX_CONCURRENT_STREAMS;
    private int maxMetadataBytes = Defaults.MAX_METADATA_BYTES;
    private int maxMetadataEntries = Defaults.MAX_METADATA_ENTRIES;
    // defenses
    private int maxQueuedControlFrames = Defaults.MAX_QUEUED_CONTROL_FRAMES;
    private int maxResetsReceived = Defaults.MAX_RESETS_RECEIVED;
    private int maxResetsSent = Defaults.MAX_RESETS_SENT;
    private Duration resetWindow = Defaults.RESET_WINDOW;
    private Duration minPingInterval = Defaults.MIN_PING_INTERVAL;
    private int maxPingStrikes = Defaults.MAX_PING_STRIKES;
    private int maxConsecutiveEmptyFrames = Defaults.MAX_CONSECUTIVE_EMPTY_FRAMES;
    // timeouts
    private Duration handshakeTimeout = Defaults.HANDSHAKE_TIMEOUT;
    private Duration partialFrameTimeout = Defaults.PARTIAL_FRAME_TIMEOUT;
    private Duration writeStallTimeout = Defaults.WRITE_STALL_TIMEOUT;
    private Duration idleTimeout = Defaults.IDLE_TIMEOUT;
    private Duration keepaliveInterval = Defaults.KEEPALIVE_INTERVAL;
    private Duration keepaliveTimeout = Defaults.KEEPALIVE_TIMEOUT;
    // write and socket buffers; the read watermarks follow the connection window unless set (0: not set)
    private int writeLowWatermarkBytes = Defaults.WRITE_LOW_WATERMARK_BYTES;
    private int writeHighWatermarkBytes = Defaults.WRITE_HIGH_WATERMARK_BYTES;
    private long readLowWatermarkBytes;
    private long readHighWatermarkBytes;
    private int socketSendBufferBytes = Defaults.SOCKET_SEND_BUFFER_BYTES;
    private int socketReceiveBufferBytes = Defaults.SOCKET_RECEIVE_BUFFER_BYTES;
    // threads
    private int ioThreads = Defaults.IO_THREADS;
    private IoTransport transport = IoTransport.AUTO;
    private EventLoopGroup eventLoopGroup;
    // security
    private Authenticator authenticator = Authenticator.NONE;
    private byte[] credential = new byte[0];
    private TlsOptions tls;

    protected EndpointBuilder(StreamHandler defaultHandler) {
        this.streamHandler = defaultHandler;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** Accepts the streams the peer opens. */
    public B streamHandler(StreamHandler handler) {
        if (handler == null) {
            throw new NullPointerException("streamHandler");
        }
        this.streamHandler = handler;
        return self();
    }

    /**
     * The receive memory budget for every connection of this endpoint: credit granted and not yet
     * consumed never exceeds it. Default {@value Defaults#MEMORY_BUDGET_BYTES} bytes. The budget is one
     * value: this replaces a budget object given to {@link #memoryBudget(MemoryBudget)}, and that one this.
     */
    public B memoryBudgetBytes(long bytes) {
        requirePositive("memoryBudgetBytes", bytes);
        this.memoryBudgetBytes = bytes;
        this.memoryBudget = null;
        return self();
    }

    /** Shares a budget object, for example with the embedder's own buffers or with another endpoint. */
    public B memoryBudget(MemoryBudget budget) {
        if (budget == null) {
            throw new NullPointerException("memoryBudget");
        }
        this.memoryBudget = budget;
        return self();
    }

    /** Bytes all streams of one connection may hold (credit plus unconsumed data). */
    public B connectionWindowBytes(long bytes) {
        requirePositive("connectionWindowBytes", bytes);
        this.connectionWindowBytes = bytes;
        return self();
    }

    /** Target receive window per stream, in bytes. */
    public B streamWindowBytes(long bytes) {
        requirePositive("streamWindowBytes", bytes);
        this.streamWindowBytes = bytes;
        return self();
    }

    /**
     * Message window per pull-mode stream, or {@link Credits#UNLIMITED} (bytes alone then bound the
     * stream; push-mode streams always follow {@link Stream#request(long)}).
     */
    public B streamWindowMessages(long messages) {
        requirePositive("streamWindowMessages", messages);
        this.streamWindowMessages = messages;
        return self();
    }

    /** Largest message payload accepted from the peer (announced in the handshake). */
    public B maxMessageBytes(int bytes) {
        requirePositive("maxMessageBytes", bytes);
        if (bytes > EndpointSettings.MAX_MESSAGE_BYTES_LIMIT) {
            throw new IllegalArgumentException(
                    "maxMessageBytes: " + bytes + " (expected: <= " + EndpointSettings.MAX_MESSAGE_BYTES_LIMIT + ")");
        }
        this.maxMessageBytes = bytes;
        return self();
    }

    /** Streams the peer may have open towards this endpoint at once; beyond it opens are refused. */
    public B maxConcurrentStreams(int streams) {
        requirePositive("maxConcurrentStreams", streams);
        this.maxConcurrentStreams = streams;
        return self();
    }

    /** UTF-8 bytes of an Open's metadata, keys and values. Default {@value Defaults#MAX_METADATA_BYTES}. */
    public B maxMetadataBytes(int bytes) {
        requirePositive("maxMetadataBytes", bytes);
        this.maxMetadataBytes = bytes;
        return self();
    }

    /** Entries of an Open's metadata. Default {@value Defaults#MAX_METADATA_ENTRIES}. */
    public B maxMetadataEntries(int entries) {
        requirePositive("maxMetadataEntries", entries);
        this.maxMetadataEntries = entries;
        return self();
    }

    /**
     * Adaptive receive windows for streams whose {@code StreamOptions.windowMode} is
     * {@link WindowMode#ENDPOINT_DEFAULT} (docs/protocol.md section 6.5): each stream's target starts at
     * {@link #streamWindowBytes}, grows to the path's bandwidth-delay product and shrinks to its
     * application's drain rate. Default {@value Defaults#ADAPTIVE_WINDOWS}.
     */
    public B adaptiveWindows(boolean adaptive) {
        this.adaptiveWindows = adaptive;
        return self();
    }

    /**
     * The bounds of an adaptive window target, one range. Defaults {@value Defaults#WINDOW_FLOOR_BYTES} and
     * {@value Defaults#WINDOW_CEILING_BYTES} bytes; the connection window and the stream's share of the
     * memory budget bound it too.
     */
    public B adaptiveWindowBounds(long floorBytes, long ceilingBytes) {
        requireOrdered("windowFloorBytes", floorBytes, "windowCeilingBytes", ceilingBytes);
        this.windowFloorBytes = floorBytes;
        this.windowCeilingBytes = ceilingBytes;
        return self();
    }

    /**
     * The queueing delay an adaptive window aims for in the application's receive queue. Default
     * {@link Defaults#WINDOW_TARGET_DELAY}.
     */
    public B adaptiveWindowTargetDelay(Duration delay) {
        this.windowTargetDelay = positive("adaptiveWindowTargetDelay", delay);
        return self();
    }

    /** The smallest target a stream's window is cut to while memory is short. */
    public B minGrantBytes(long bytes) {
        requirePositive("minGrantBytes", bytes);
        this.minGrantBytes = bytes;
        return self();
    }

    /** How long a stream may hold unused credit before it may be revoked for a starved stream. */
    public B revokeIdle(Duration idle) {
        if (idle == null || idle.isNegative()) {
            throw new IllegalArgumentException("revokeIdle: " + idle + " (expected: >= 0)");
        }
        this.revokeIdle = idle;
        return self();
    }

    /**
     * The channel's write buffer watermarks, one range (as Netty's {@code WriteBufferWaterMark}): writes pause
     * above high and resume below low. Defaults {@value Defaults#WRITE_LOW_WATERMARK_BYTES} and
     * {@value Defaults#WRITE_HIGH_WATERMARK_BYTES} bytes.
     */
    public B writeBufferWatermarks(int lowBytes, int highBytes) {
        requireOrdered("writeBufferLowWatermarkBytes", lowBytes, "writeBufferHighWatermarkBytes", highBytes);
        this.writeLowWatermarkBytes = lowBytes;
        this.writeHighWatermarkBytes = highBytes;
        return self();
    }

    /**
     * Read watermarks on unconsumed inbound data (wire bytes), one range: reading pauses above high and
     * resumes below low. Default high = 2 x connection window, low = connection window
     * ({@link Defaults#READ_HIGH_WATERMARK_CONNECTION_WINDOWS}).
     */
    public B readWatermarks(long lowBytes, long highBytes) {
        requirePositive("readLowWatermarkBytes", lowBytes);
        if (highBytes < lowBytes) {
            throw new IllegalArgumentException(
                    "readHighWatermarkBytes: " + highBytes + " (expected: >= low watermark " + lowBytes + ")");
        }
        this.readLowWatermarkBytes = lowBytes;
        this.readHighWatermarkBytes = highBytes;
        return self();
    }

    /**
     * SO_SNDBUF; 0 leaves the kernel's default (autotuning, up to about 4 MiB). Default
     * {@value Defaults#SOCKET_SEND_BUFFER_BYTES}.
     */
    public B socketSendBufferBytes(int bytes) {
        this.socketSendBufferBytes = nonNegative("socketSendBufferBytes", bytes);
        return self();
    }

    /**
     * SO_RCVBUF; 0 leaves the kernel's default (autotuning, up to about 4 MiB). Default
     * {@value Defaults#SOCKET_RECEIVE_BUFFER_BYTES}.
     */
    public B socketReceiveBufferBytes(int bytes) {
        this.socketReceiveBufferBytes = nonNegative("socketReceiveBufferBytes", bytes);
        return self();
    }

    /** Send-side options (policy, queue bounds) for streams the peer opens; metadata and listener are ignored. */
    public B acceptedStreamOptions(StreamOptions options) {
        if (options == null) {
            throw new NullPointerException("acceptedStreamOptions");
        }
        this.acceptedStreamOptions = options;
        return self();
    }

    /**
     * The TLS handshake and the creditflow handshake together, from TCP connect. Default
     * {@link Defaults#HANDSHAKE_TIMEOUT}.
     */
    public B handshakeTimeout(Duration timeout) {
        this.handshakeTimeout = positive("handshakeTimeout", timeout);
        return self();
    }

    /** Control frames queued while the peer does not read, before ENHANCE_YOUR_CALM. */
    public B maxQueuedControlFrames(int frames) {
        requirePositive("maxQueuedControlFrames", frames);
        this.maxQueuedControlFrames = frames;
        return self();
    }

    /**
     * Resets received per {@link #resetWindow} before ENHANCE_YOUR_CALM (Rapid Reset). Default
     * {@value Defaults#MAX_RESETS_RECEIVED}.
     */
    public B maxResetsReceived(int resets) {
        requirePositive("maxResetsReceived", resets);
        this.maxResetsReceived = resets;
        return self();
    }

    /**
     * Resets the peer makes this side send per {@link #resetWindow} before ENHANCE_YOUR_CALM (MadeYouReset).
     * Default {@value Defaults#MAX_RESETS_SENT}.
     */
    public B maxResetsSent(int resets) {
        requirePositive("maxResetsSent", resets);
        this.maxResetsSent = resets;
        return self();
    }

    /** The window both reset budgets count in. Default {@link Defaults#RESET_WINDOW}. */
    public B resetWindow(Duration window) {
        this.resetWindow = positive("resetWindow", window);
        return self();
    }

    /** Pings closer together than this earn a strike. Default {@link Defaults#MIN_PING_INTERVAL}. */
    public B minPingInterval(Duration interval) {
        this.minPingInterval = positive("minPingInterval", interval);
        return self();
    }

    /** Strikes tolerated; one more: ENHANCE_YOUR_CALM. Default {@value Defaults#MAX_PING_STRIKES}. */
    public B maxPingStrikes(int strikes) {
        this.maxPingStrikes = nonNegative("maxPingStrikes", strikes);
        return self();
    }

    /**
     * Empty or unknown frames tolerated in a row (they cost parsing and no credit). Default
     * {@value Defaults#MAX_CONSECUTIVE_EMPTY_FRAMES}.
     */
    public B maxConsecutiveEmptyFrames(int frames) {
        requirePositive("maxConsecutiveEmptyFrames", frames);
        this.maxConsecutiveEmptyFrames = frames;
        return self();
    }

    /**
     * A frame started must be complete within this (slowloris mid-frame); suspended while reading is paused for
     * a slow application. Default {@link Defaults#PARTIAL_FRAME_TIMEOUT}.
     */
    public B partialFrameTimeout(Duration timeout) {
        this.partialFrameTimeout = positive("partialFrameTimeout", timeout);
        return self();
    }

    /**
     * Writes stalled this long by a peer that granted credit and stopped reading close the connection
     * (WRITE_STALLED). Default {@link Defaults#WRITE_STALL_TIMEOUT}.
     */
    public B writeStallTimeout(Duration timeout) {
        this.writeStallTimeout = positive("writeStallTimeout", timeout);
        return self();
    }

    /**
     * A connection with no stream open for this long is closed, whatever else the peer sends. Default
     * {@link Defaults#IDLE_TIMEOUT}.
     */
    public B idleTimeout(Duration timeout) {
        this.idleTimeout = positive("idleTimeout", timeout);
        return self();
    }

    /**
     * Ping the peer after this long without a frame from it; suspended while reading is paused for a slow
     * application (the clock restarts when reading resumes). Default {@link Defaults#KEEPALIVE_INTERVAL}.
     */
    public B keepaliveInterval(Duration interval) {
        this.keepaliveInterval = positive("keepaliveInterval", interval);
        return self();
    }

    /** Close if a keepalive ping is not answered within this. Default {@link Defaults#KEEPALIVE_TIMEOUT}. */
    public B keepaliveTimeout(Duration timeout) {
        this.keepaliveTimeout = positive("keepaliveTimeout", timeout);
        return self();
    }

    /** I/O threads of the endpoint's own event loop group (ignored with {@link #eventLoopGroup}). */
    public B ioThreads(int threads) {
        requirePositive("ioThreads", threads);
        this.ioThreads = threads;
        return self();
    }

    /** The I/O transport: epoll where its native library loads, NIO otherwise ({@link IoTransport#AUTO}, the default). */
    public B transport(IoTransport transport) {
        if (transport == null) {
            throw new NullPointerException("transport");
        }
        this.transport = transport;
        return self();
    }

    /**
     * Runs on the embedder's event loop group (which must match {@link #transport}); the endpoint
     * will not shut it down.
     */
    public B eventLoopGroup(EventLoopGroup group) {
        this.eventLoopGroup = group;
        return self();
    }

    /** The clock used for stall times and timers (tests inject a fake one). */
    public B clock(NanoClock clock) {
        if (clock == null) {
            throw new NullPointerException("clock");
        }
        this.clock = clock;
        return self();
    }

    /** Server side: checks each client's handshake credential before any stream opens. */
    protected B authenticator(Authenticator authenticator) {
        if (authenticator == null) {
            throw new NullPointerException("authenticator");
        }
        this.authenticator = authenticator;
        return self();
    }

    /** Client side: the credential sent in the handshake (for example a bearer token's bytes). */
    protected B credential(byte[] credential) {
        if (credential == null) {
            throw new NullPointerException("credential");
        }
        if (credential.length > EndpointSettings.MAX_CREDENTIAL_BYTES) {
            throw new IllegalArgumentException("credential: " + credential.length + " bytes (expected: <= "
                    + EndpointSettings.MAX_CREDENTIAL_BYTES + ")");
        }
        this.credential = credential.clone();
        return self();
    }

    /**
     * Speaks TLS on every connection (JDK provider): the server needs a key and certificate chain, the
     * client the CAs it trusts; see {@link TlsOptions}. The TLS handshake runs first and counts against
     * {@link #handshakeTimeout}. Default: plain TCP.
     */
    public B tls(TlsOptions options) {
        if (options == null) {
            throw new NullPointerException("tls");
        }
        this.tls = options;
        return self();
    }

    /** Validates the combination and freezes it. */
    protected EndpointSettings settings() {
        MemoryBudget budget = memoryBudget != null ? memoryBudget : MemoryBudget.ofBytes(memoryBudgetBytes);
        long readLow = readLowWatermarkBytes > 0
                ? readLowWatermarkBytes
                : Defaults.READ_LOW_WATERMARK_CONNECTION_WINDOWS * connectionWindowBytes;
        long readHigh = readHighWatermarkBytes > 0
                ? readHighWatermarkBytes
                : Defaults.READ_HIGH_WATERMARK_CONNECTION_WINDOWS * connectionWindowBytes;
        return new EndpointSettings(
                streamHandler,
                acceptedStreamOptions,
                clock,
                new EndpointSettings.FlowSettings(
                        budget,
                        connectionWindowBytes,
                        streamWindowBytes,
                        streamWindowMessages,
                        minGrantBytes,
                        revokeIdle.toNanos()),
                new EndpointSettings.AdaptiveWindows(
                        adaptiveWindows,
                        new AdaptiveWindow.Settings(windowFloorBytes, windowCeilingBytes, windowTargetDelay.toNanos())),
                new EndpointSettings.FrameLimits(
                        maxMessageBytes, maxConcurrentStreams, maxMetadataBytes, maxMetadataEntries),
                new EndpointSettings.Defenses(
                        maxQueuedControlFrames,
                        maxResetsReceived,
                        maxResetsSent,
                        resetWindow.toNanos(),
                        minPingInterval.toNanos(),
                        maxPingStrikes,
                        maxConsecutiveEmptyFrames),
                new EndpointSettings.Timeouts(
                        handshakeTimeout.toNanos(),
                        partialFrameTimeout.toNanos(),
                        writeStallTimeout.toNanos(),
                        idleTimeout.toNanos(),
                        keepaliveInterval.toNanos(),
                        keepaliveTimeout.toNanos()),
                new EndpointSettings.Buffers(
                        writeLowWatermarkBytes,
                        writeHighWatermarkBytes,
                        readLow,
                        readHigh,
                        socketSendBufferBytes,
                        socketReceiveBufferBytes),
                new EndpointSettings.IoSettings(ioThreads, transport, eventLoopGroup),
                new EndpointSettings.Security(authenticator, credential, tls));
    }

    /** A pair of bounds: the low one positive, the high one at least the low one. */
    private static void requireOrdered(String lowName, long low, String highName, long high) {
        requirePositive(lowName, low);
        if (high < low) {
            throw new IllegalArgumentException(highName + ": " + high + " (expected: >= " + lowName + " " + low + ")");
        }
    }

    private static Duration positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return d;
    }

    private static int nonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= 0)");
        }
        return value;
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
