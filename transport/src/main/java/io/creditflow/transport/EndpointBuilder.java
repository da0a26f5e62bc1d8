package io.creditflow.transport;

import io.creditflow.proto.core.AdaptiveWindow;
import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.core.NanoClock;
import io.creditflow.transport.internal.EndpointSettings;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;

/**
 * Settings shared by {@code Client.builder()} and {@code Server.builder()}. Every setter validates at
 * once, with the offending value in the message; cross-checks run in {@link #settings()}.
 * Defaults and the reasons for them are listed in docs/protocol.md, "Limits and defaults".
 *
 * <p>Not thread-safe.
 *
 * @param <B> the concrete builder
 */
public abstract class EndpointBuilder<B extends EndpointBuilder<B>> {
    /** Per-connection receive bound: 16 streams at the default stream window without contention. */
    public static final long DEFAULT_CONNECTION_WINDOW_BYTES = 16L * 1024 * 1024;
    /** Per-stream receive window: gRPC-java's default, enough for line rate on loopback and LANs. */
    public static final long DEFAULT_STREAM_WINDOW_BYTES = 1024 * 1024;
    /** Pull-mode message window: bounds the per-message overhead of tiny messages. */
    public static final long DEFAULT_STREAM_WINDOW_MESSAGES = 4096;
    /** Largest message: equal to the stream window so a default stream can always take one. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
    /** Streams the peer may open at once: HTTP/2's recommended minimum is 100; 1024 is ample. */
    public static final int DEFAULT_MAX_CONCURRENT_STREAMS = 1024;

    public static final int DEFAULT_MAX_METADATA_BYTES = 8 * 1024;
    public static final int DEFAULT_MAX_METADATA_ENTRIES = 64;
    /** Process-wide receive budget per Client/Server object. */
    public static final long DEFAULT_MEMORY_BUDGET_BYTES = 256L * 1024 * 1024;

    public static final long DEFAULT_MIN_GRANT_BYTES = 16 * 1024;
    public static final Duration DEFAULT_REVOKE_IDLE = Duration.ofMillis(250);
    public static final int DEFAULT_WRITE_LOW_WATERMARK_BYTES = 256 * 1024;
    public static final int DEFAULT_WRITE_HIGH_WATERMARK_BYTES = 512 * 1024;
    public static final int DEFAULT_SOCKET_BUFFER_BYTES = 256 * 1024;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** Control replies (Pong, Credit, Reset, ...) queued while the peer does not read: Netty HTTP/2's default. */
    public static final int DEFAULT_MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** Resets received per window before the peer is cut off (Rapid Reset). */
    public static final int DEFAULT_MAX_RESETS_RECEIVED = 1_000;
    /** Resets this side sends per window before the peer is cut off (MadeYouReset). */
    public static final int DEFAULT_MAX_RESETS_SENT = 1_000;

    public static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(10);
    /** Pings closer together than this earn a strike; our own keepalive never pings this often. */
    public static final Duration DEFAULT_MIN_PING_INTERVAL = Duration.ofSeconds(1);
    /** Strikes tolerated before ENHANCE_YOUR_CALM (gRPC tolerates 2 too). */
    public static final int DEFAULT_MAX_PING_STRIKES = 2;
    /** Consecutive empty data frames tolerated (they cost the receiver work but no byte credit). */
    public static final int DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES = 1024;
    /** A frame started must be complete within this (slowloris mid-frame). */
    public static final Duration DEFAULT_PARTIAL_FRAME_TIMEOUT = Duration.ofSeconds(10);
    /** Writes waiting for a peer that granted credit and stopped reading its socket. */
    public static final Duration DEFAULT_WRITE_STALL_TIMEOUT = Duration.ofSeconds(30);
    /** A connection with no stream and no frame for this long is closed. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Ping the peer after this long without a frame from it. */
    public static final Duration DEFAULT_KEEPALIVE_INTERVAL = Duration.ofSeconds(30);
    /** Close if a keepalive ping is not answered within this. */
    public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * Adaptive windows by default: measured with S10 (docs/benchmarks.md), they multiply a stream's
     * throughput 9 to 13.5 times across a round trip of 10 to 50 ms and cut what a slow reader holds
     * about 190 times; the cost is memory while a fast stream runs (up to its budget and connection shares).
     */
    public static final boolean DEFAULT_ADAPTIVE_WINDOWS = true;
    /** Adaptive floor: a few 1 KiB messages (a larger blocked message still raises the target to its size). */
    public static final long DEFAULT_WINDOW_FLOOR_BYTES = 4 * 1024;
    /** Adaptive ceiling: the default connection window, which bounds every stream of a connection anyway. */
    public static final long DEFAULT_WINDOW_CEILING_BYTES = DEFAULT_CONNECTION_WINDOW_BYTES;
    /** Adaptive drain side: the queueing delay it aims for in the application's queue (CoDel-style). */
    public static final Duration DEFAULT_WINDOW_TARGET_DELAY = Duration.ofMillis(50);

    private StreamHandler streamHandler;
    private MemoryBudget memoryBudget;
    private long memoryBudgetBytes = DEFAULT_MEMORY_BUDGET_BYTES;
    private long connectionWindowBytes = DEFAULT_CONNECTION_WINDOW_BYTES;
    private long streamWindowBytes = DEFAULT_STREAM_WINDOW_BYTES;
    private long streamWindowMessages = DEFAULT_STREAM_WINDOW_MESSAGES;
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int maxConcurrentStreams = DEFAULT_MAX_CONCURRENT_STREAMS;
    private int maxMetadataBytes = DEFAULT_MAX_METADATA_BYTES;
    private int maxMetadataEntries = DEFAULT_MAX_METADATA_ENTRIES;
    private long minGrantBytes = DEFAULT_MIN_GRANT_BYTES;
    private Duration revokeIdle = DEFAULT_REVOKE_IDLE;
    private int writeLowWatermarkBytes = DEFAULT_WRITE_LOW_WATERMARK_BYTES;
    private int writeHighWatermarkBytes = DEFAULT_WRITE_HIGH_WATERMARK_BYTES;
    private long readHighWatermarkBytes = -1;
    private long readLowWatermarkBytes = -1;
    private int socketSendBufferBytes = DEFAULT_SOCKET_BUFFER_BYTES;
    private int socketReceiveBufferBytes = DEFAULT_SOCKET_BUFFER_BYTES;
    private StreamOptions acceptedStreamOptions = StreamOptions.defaults();
    private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
    private int maxQueuedControlFrames = DEFAULT_MAX_QUEUED_CONTROL_FRAMES;
    private int maxResetsReceived = DEFAULT_MAX_RESETS_RECEIVED;
    private int maxResetsSent = DEFAULT_MAX_RESETS_SENT;
    private Duration resetWindow = DEFAULT_RESET_WINDOW;
    private Duration minPingInterval = DEFAULT_MIN_PING_INTERVAL;
    private int maxPingStrikes = DEFAULT_MAX_PING_STRIKES;
    private int maxConsecutiveEmptyFrames = DEFAULT_MAX_CONSECUTIVE_EMPTY_FRAMES;
    private Duration partialFrameTimeout = DEFAULT_PARTIAL_FRAME_TIMEOUT;
    private Duration writeStallTimeout = DEFAULT_WRITE_STALL_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration keepaliveInterval = DEFAULT_KEEPALIVE_INTERVAL;
    private Duration keepaliveTimeout = DEFAULT_KEEPALIVE_TIMEOUT;
    private int ioThreads;
    private IoTransport transport = IoTransport.AUTO;
    private EventLoopGroup eventLoopGroup;
    private NanoClock clock = NanoClock.SYSTEM;
    private Authenticator authenticator = Authenticator.NONE;
    private byte[] credential = new byte[0];
    private TlsOptions tls;
    private boolean adaptiveWindows = DEFAULT_ADAPTIVE_WINDOWS;
    private long windowFloorBytes = DEFAULT_WINDOW_FLOOR_BYTES;
    private long windowCeilingBytes = DEFAULT_WINDOW_CEILING_BYTES;
    private Duration windowTargetDelay = DEFAULT_WINDOW_TARGET_DELAY;

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
     * consumed never exceeds it. Default {@value #DEFAULT_MEMORY_BUDGET_BYTES} bytes.
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

    public B maxMetadataBytes(int bytes) {
        requirePositive("maxMetadataBytes", bytes);
        this.maxMetadataBytes = bytes;
        return self();
    }

    public B maxMetadataEntries(int entries) {
        requirePositive("maxMetadataEntries", entries);
        this.maxMetadataEntries = entries;
        return self();
    }

    /**
     * Adaptive receive windows for streams whose {@code StreamOptions.windowMode} is
     * {@link WindowMode#ENDPOINT_DEFAULT} (docs/protocol.md section 6.5): each stream's target starts at
     * {@link #streamWindowBytes}, grows to the path's bandwidth-delay product and shrinks to its
     * application's drain rate. Default {@value #DEFAULT_ADAPTIVE_WINDOWS}.
     */
    public B adaptiveWindows(boolean adaptive) {
        this.adaptiveWindows = adaptive;
        return self();
    }

    /**
     * The bounds of an adaptive window target. Defaults {@value #DEFAULT_WINDOW_FLOOR_BYTES} and
     * {@value #DEFAULT_WINDOW_CEILING_BYTES} bytes; the connection window and the stream's share of the
     * memory budget bound it too.
     */
    public B adaptiveWindowBounds(long floorBytes, long ceilingBytes) {
        requireOrdered("windowFloorBytes", floorBytes, "windowCeilingBytes", ceilingBytes);
        this.windowFloorBytes = floorBytes;
        this.windowCeilingBytes = ceilingBytes;
        return self();
    }

    /** The queueing delay an adaptive window aims for in the application's receive queue. Default 50 ms. */
    public B adaptiveWindowTargetDelay(Duration delay) {
        if (delay == null || delay.isNegative() || delay.isZero()) {
            throw new IllegalArgumentException("adaptiveWindowTargetDelay: " + delay + " (expected: > 0)");
        }
        this.windowTargetDelay = delay;
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

    /** The channel's write buffer watermarks: writes pause above high and resume below low. */
    public B writeBufferWatermarks(int lowBytes, int highBytes) {
        requireOrdered("writeBufferLowWatermarkBytes", lowBytes, "writeBufferHighWatermarkBytes", highBytes);
        this.writeLowWatermarkBytes = lowBytes;
        this.writeHighWatermarkBytes = highBytes;
        return self();
    }

    /**
     * Read watermarks on unconsumed inbound data (wire bytes): reading pauses above high and resumes
     * below low. Default high = 2 x connection window, low = connection window.
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

    /** SO_SNDBUF and SO_RCVBUF; 0 leaves the kernel's default (autotuning, up to about 4 MiB each). */
    public B socketBufferBytes(int sendBytes, int receiveBytes) {
        if (sendBytes < 0 || receiveBytes < 0) {
            throw new IllegalArgumentException(
                    "socketBufferBytes: " + sendBytes + ", " + receiveBytes + " (expected: >= 0)");
        }
        this.socketSendBufferBytes = sendBytes;
        this.socketReceiveBufferBytes = receiveBytes;
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

    public B handshakeTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("handshakeTimeout: " + timeout + " (expected: > 0)");
        }
        this.handshakeTimeout = timeout;
        return self();
    }

    /** Control frames queued while the peer does not read, before ENHANCE_YOUR_CALM. */
    public B maxQueuedControlFrames(int frames) {
        requirePositive("maxQueuedControlFrames", frames);
        this.maxQueuedControlFrames = frames;
        return self();
    }

    /** Resets received, and resets sent, per {@code window} before ENHANCE_YOUR_CALM. */
    public B resetBudgets(int received, int sent, Duration window) {
        requirePositive("maxResetsReceived", received);
        requirePositive("maxResetsSent", sent);
        this.maxResetsReceived = received;
        this.maxResetsSent = sent;
        this.resetWindow = positive("resetWindow", window);
        return self();
    }

    /** Pings closer together than {@code minInterval} earn a strike; more than {@code maxStrikes}: cut off. */
    public B pingPolicy(Duration minInterval, int maxStrikes) {
        this.minPingInterval = positive("minPingInterval", minInterval);
        if (maxStrikes < 0) {
            throw new IllegalArgumentException("maxPingStrikes: " + maxStrikes + " (expected: >= 0)");
        }
        this.maxPingStrikes = maxStrikes;
        return self();
    }

    public B maxConsecutiveEmptyFrames(int frames) {
        requirePositive("maxConsecutiveEmptyFrames", frames);
        this.maxConsecutiveEmptyFrames = frames;
        return self();
    }

    /**
     * Timeouts: a frame left incomplete (suspended while reading is paused for a slow application), writes
     * stalled by a peer that stopped reading, a connection with no stream open (whatever else the peer sends).
     */
    public B timeouts(Duration partialFrame, Duration writeStall, Duration idle) {
        this.partialFrameTimeout = positive("partialFrameTimeout", partialFrame);
        this.writeStallTimeout = positive("writeStallTimeout", writeStall);
        this.idleTimeout = positive("idleTimeout", idle);
        return self();
    }

    /**
     * Keepalive: ping after {@code interval} without a frame from the peer; close if unanswered in {@code timeout}.
     * Suspended while reading is paused for a slow application; both clocks restart when reading resumes.
     */
    public B keepalive(Duration interval, Duration timeout) {
        this.keepaliveInterval = positive("keepaliveInterval", interval);
        this.keepaliveTimeout = positive("keepaliveTimeout", timeout);
        return self();
    }

    private static Duration positive(String name, Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
        return d;
    }

    /** I/O threads of the endpoint's own event loop group (ignored with {@link #eventLoopGroup}). */
    public B ioThreads(int threads) {
        requirePositive("ioThreads", threads);
        this.ioThreads = threads;
        return self();
    }

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
        long readHigh = readHighWatermarkBytes > 0 ? readHighWatermarkBytes : 2 * connectionWindowBytes;
        long readLow = readLowWatermarkBytes > 0 ? readLowWatermarkBytes : connectionWindowBytes;
        return new EndpointSettings(
                streamHandler,
                budget,
                connectionWindowBytes,
                streamWindowBytes,
                streamWindowMessages,
                maxMessageBytes,
                maxConcurrentStreams,
                maxMetadataBytes,
                maxMetadataEntries,
                minGrantBytes,
                revokeIdle.toNanos(),
                writeLowWatermarkBytes,
                writeHighWatermarkBytes,
                readLow,
                readHigh,
                socketSendBufferBytes,
                socketReceiveBufferBytes,
                acceptedStreamOptions,
                handshakeTimeout.toNanos(),
                ioThreads,
                transport,
                eventLoopGroup,
                clock,
                new EndpointSettings.Limits(
                        maxQueuedControlFrames,
                        maxResetsReceived,
                        maxResetsSent,
                        resetWindow.toNanos(),
                        minPingInterval.toNanos(),
                        maxPingStrikes,
                        maxConsecutiveEmptyFrames,
                        partialFrameTimeout.toNanos(),
                        writeStallTimeout.toNanos(),
                        idleTimeout.toNanos(),
                        keepaliveInterval.toNanos(),
                        keepaliveTimeout.toNanos()),
                authenticator,
                credential,
                tls,
                adaptiveWindows,
                new AdaptiveWindow.Settings(windowFloorBytes, windowCeilingBytes, windowTargetDelay.toNanos()));
    }

    /** A pair of bounds: the low one positive, the high one at least the low one. */
    private static void requireOrdered(String lowName, long low, String highName, long high) {
        requirePositive(lowName, low);
        if (high < low) {
            throw new IllegalArgumentException(highName + ": " + high + " (expected: >= " + lowName + " " + low + ")");
        }
    }

    private static void requirePositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
        }
    }
}
