package io.creditflow.transport;

import java.time.Duration;

/**
 * Every default of the endpoint builders ({@code Client.builder()}, {@code Server.builder()}, through
 * {@link EndpointBuilder}) and of {@link StreamOptions}, each with the reason for its value. This is the one
 * place they are set: the builders start from these, and docs/protocol.md section 10 ("Limits and defaults")
 * tables them. Where the code has no reason for a number, the comment says so.
 *
 * <p>The values that are not settings (the tick period, the room for control frames, the longest reason
 * string, the write quantum) are fixed constants of the implementation, listed in the same section of
 * docs/protocol.md.
 */
public final class Defaults {
    private Defaults() {}

    // ------------------------------------------------------------------ flow windows and memory

    /** Per-connection receive bound: 16 streams at the default stream window without contention. */
    public static final long CONNECTION_WINDOW_BYTES = 16L * 1024 * 1024;
    /** Per-stream receive window: gRPC-java's default, enough for line rate on loopback and LANs. */
    public static final long STREAM_WINDOW_BYTES = 1024 * 1024;
    /** Pull-mode message window: bounds the per-message overhead of tiny messages. */
    public static final long STREAM_WINDOW_MESSAGES = 4096;
    /** Process-wide receive budget per Client/Server object. */
    public static final long MEMORY_BUDGET_BYTES = 256L * 1024 * 1024;
    /** The smallest target a stream is cut to while memory is short (no rationale for the number in the code). */
    public static final long MIN_GRANT_BYTES = 16 * 1024;
    /**
     * How long a stream may hold unused credit without activity before it may be revoked while memory is short
     * (no rationale for the number in the code).
     */
    public static final Duration REVOKE_IDLE = Duration.ofMillis(250);
    /**
     * The read low watermark, in connection windows (wire bytes of unconsumed data frames): reading resumes
     * once what is unconsumed is back within one window, what credit allows in payload (docs/protocol.md 8).
     */
    public static final int READ_LOW_WATERMARK_CONNECTION_WINDOWS = 1;
    /**
     * The read high watermark, in connection windows: credit bounds unconsumed payload to one window, so with a
     * conforming peer only framing overhead of more than one further window (millions of tiny unconsumed
     * pull-mode messages) pauses reading (docs/protocol.md 8).
     */
    public static final int READ_HIGH_WATERMARK_CONNECTION_WINDOWS = 2;

    // ------------------------------------------------------------------ adaptive windows (docs/protocol.md 6.5)

    /**
     * Adaptive windows by default: measured with S10 (docs/benchmarks.md), they multiply a stream's throughput
     * 9 to 13.5 times across a round trip of 10 to 50 ms and cut what a slow reader holds about 190 times; the
     * cost is memory while a fast stream runs (up to its budget and connection shares).
     */
    public static final boolean ADAPTIVE_WINDOWS = true;
    /** Adaptive floor: a few 1 KiB messages (a larger blocked message still raises the target to its size). */
    public static final long WINDOW_FLOOR_BYTES = 4 * 1024;
    /** Adaptive ceiling: the default connection window, which bounds every stream of a connection anyway. */
    public static final long WINDOW_CEILING_BYTES = CONNECTION_WINDOW_BYTES;
    /** Adaptive drain side: the queueing delay it aims for in the application's queue (CoDel-style). */
    public static final Duration WINDOW_TARGET_DELAY = Duration.ofMillis(50);

    // ------------------------------------------------------------------ messages, frames and streams

    /** Largest message: equal to the stream window so a default stream can always take one. */
    public static final int MAX_MESSAGE_BYTES = 1024 * 1024;
    /** Streams the peer may open at once: HTTP/2's recommended minimum is 100; 1024 is ample. */
    public static final int MAX_CONCURRENT_STREAMS = 1024;
    /** UTF-8 bytes of an Open's metadata, keys and values (no further rationale in the code). */
    public static final int MAX_METADATA_BYTES = 8 * 1024;
    /** Entries of an Open's metadata (no further rationale in the code). */
    public static final int MAX_METADATA_ENTRIES = 64;

    // ------------------------------------------------------------------ defenses (docs/protocol.md 11)

    /** Control replies (Pong, Credit, Reset, ...) queued while the peer does not read: Netty HTTP/2's default. */
    public static final int MAX_QUEUED_CONTROL_FRAMES = 10_000;
    /** Resets received per window before the peer is cut off (Rapid Reset). */
    public static final int MAX_RESETS_RECEIVED = 1_000;
    /** Resets this side sends per window before the peer is cut off (MadeYouReset). */
    public static final int MAX_RESETS_SENT = 1_000;
    /** The window both reset budgets count in (no rationale for the number in the code). */
    public static final Duration RESET_WINDOW = Duration.ofSeconds(10);
    /** Pings closer together than this earn a strike; our own keepalive never pings this often. */
    public static final Duration MIN_PING_INTERVAL = Duration.ofSeconds(1);
    /** Strikes tolerated before ENHANCE_YOUR_CALM (gRPC tolerates 2 too). */
    public static final int MAX_PING_STRIKES = 2;
    /** Consecutive empty data frames tolerated (they cost the receiver work but no byte credit). */
    public static final int MAX_CONSECUTIVE_EMPTY_FRAMES = 1024;

    // ------------------------------------------------------------------ timeouts (docs/protocol.md 4.4)

    /**
     * The TLS handshake and the creditflow handshake together, from TCP connect (no rationale for the number in
     * the code).
     */
    public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
    /** A frame started must be complete within this (slowloris mid-frame). */
    public static final Duration PARTIAL_FRAME_TIMEOUT = Duration.ofSeconds(10);
    /** Writes waiting for a peer that granted credit and stopped reading its socket. */
    public static final Duration WRITE_STALL_TIMEOUT = Duration.ofSeconds(30);
    /** A connection with no stream and no frame for this long is closed. */
    public static final Duration IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** Ping the peer after this long without a frame from it. */
    public static final Duration KEEPALIVE_INTERVAL = Duration.ofSeconds(30);
    /** Close if a keepalive ping is not answered within this. */
    public static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

    // ------------------------------------------------------------------ write and socket buffers

    /** Writes resume below this many bytes in the channel's outbound buffer (no rationale for the number). */
    public static final int WRITE_LOW_WATERMARK_BYTES = 256 * 1024;
    /**
     * Writes pause above this many bytes in the channel's outbound buffer: with the kernel buffers below, what
     * a stream that becomes ready waits behind (no rationale for the number in the code).
     */
    public static final int WRITE_HIGH_WATERMARK_BYTES = 512 * 1024;
    /** SO_SNDBUF: caps what sits below the application (0 would leave the kernel's autotuning, up to ~4 MiB). */
    public static final int SOCKET_SEND_BUFFER_BYTES = 256 * 1024;
    /** SO_RCVBUF: caps what sits below the application and so the advertised TCP window. */
    public static final int SOCKET_RECEIVE_BUFFER_BYTES = 256 * 1024;

    // ------------------------------------------------------------------ threads

    /**
     * 0: the endpoint sizes its own event loop group (the server one loop per available processor, the client
     * one loop; no rationale in the code). Ignored with an embedder's event loop group.
     */
    public static final int IO_THREADS = 0;

    // ------------------------------------------------------------------ connections (Server.Builder, Client.Builder)

    /** Connections a server holds at once: half the 20,000 open files a process gets here, the rest for the rest. */
    public static final int MAX_CONNECTIONS = 10_000;
    /** Connections a server holds at once from one remote address: one host cannot take all the others' room. */
    public static final int MAX_CONNECTIONS_PER_ADDRESS = 1_000;
    /** A client's TCP connect (no rationale for the number in the code); the handshake timeout follows it. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    // ------------------------------------------------------------------ streams (StreamOptions)

    /** Send queue per stream: enough to keep a 1 MiB window busy without hoarding memory. */
    public static final long SEND_QUEUE_BYTES = 256 * 1024;
    /** Messages per send queue: bounds per-message overhead for tiny messages. */
    public static final int SEND_QUEUE_MESSAGES = 1024;
    /** Async sends that may wait for room under BLOCK; beyond, a retryable SendRejectedException. */
    public static final int MAX_PENDING_SENDS = 1024;
}
