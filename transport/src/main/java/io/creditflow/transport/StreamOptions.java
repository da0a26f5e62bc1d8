package io.creditflow.transport;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a locally opened stream behaves. Immutable; build with {@link #builder()}.
 *
 * <p>Send-queue bounds: at most {@link #sendQueueBytes()} and {@link #sendQueueMessages()} are queued
 * (a single message larger than {@code sendQueueBytes} is accepted into an empty queue), plus, for
 * async sends under {@link OverflowPolicy#BLOCK}, at most {@link #maxPendingSends()} sends waiting
 * for room.
 */
public final class StreamOptions {
    // Aliases of the values in Defaults, kept for source compatibility; the reason for each is given there.

    public static final long DEFAULT_SEND_QUEUE_BYTES = Defaults.SEND_QUEUE_BYTES;
    public static final int DEFAULT_SEND_QUEUE_MESSAGES = Defaults.SEND_QUEUE_MESSAGES;
    public static final int DEFAULT_MAX_PENDING_SENDS = Defaults.MAX_PENDING_SENDS;

    private final Map<String, String> metadata;
    private final StreamListener listener;
    private final OverflowPolicy overflowPolicy;
    private final long sendQueueBytes;
    private final int sendQueueMessages;
    private final int maxPendingSends;
    private final WindowMode windowMode;

    private StreamOptions(Builder b) {
        this.metadata = Map.copyOf(b.metadata);
        this.listener = b.listener;
        this.overflowPolicy = b.overflowPolicy;
        this.sendQueueBytes = b.sendQueueBytes;
        this.sendQueueMessages = b.sendQueueMessages;
        this.maxPendingSends = b.maxPendingSends;
        this.windowMode = b.windowMode;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Default options: no metadata, pull mode, BLOCK. */
    public static StreamOptions defaults() {
        return builder().build();
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /** The push-mode listener, or {@link StreamListener#PULL}. */
    public StreamListener listener() {
        return listener;
    }

    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    public long sendQueueBytes() {
        return sendQueueBytes;
    }

    public int sendQueueMessages() {
        return sendQueueMessages;
    }

    public int maxPendingSends() {
        return maxPendingSends;
    }

    /** How this stream's receive window is sized; default {@link WindowMode#ENDPOINT_DEFAULT}. */
    public WindowMode windowMode() {
        return windowMode;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private StreamListener listener = StreamListener.PULL;
        private OverflowPolicy overflowPolicy = OverflowPolicy.BLOCK;
        private long sendQueueBytes = Defaults.SEND_QUEUE_BYTES;
        private int sendQueueMessages = Defaults.SEND_QUEUE_MESSAGES;
        private int maxPendingSends = Defaults.MAX_PENDING_SENDS;
        private WindowMode windowMode = WindowMode.ENDPOINT_DEFAULT;

        private Builder() {}

        /** Adds one metadata entry sent with the Open frame (for example {@code "topic"}). */
        public Builder metadata(String key, String value) {
            if (key == null || value == null) {
                throw new NullPointerException("metadata key and value must not be null");
            }
            metadata.put(key, value);
            return this;
        }

        public Builder metadata(Map<String, String> entries) {
            entries.forEach(this::metadata);
            return this;
        }

        /** Receive in push mode through {@code listener}; without one the stream is in pull mode. */
        public Builder listener(StreamListener listener) {
            this.listener = listener == null ? StreamListener.PULL : listener;
            return this;
        }

        public Builder overflowPolicy(OverflowPolicy policy) {
            if (policy == null) {
                throw new NullPointerException("overflowPolicy");
            }
            this.overflowPolicy = policy;
            return this;
        }

        public Builder sendQueueBytes(long bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("sendQueueBytes: " + bytes + " (expected: > 0)");
            }
            this.sendQueueBytes = bytes;
            return this;
        }

        public Builder sendQueueMessages(int messages) {
            if (messages <= 0) {
                throw new IllegalArgumentException("sendQueueMessages: " + messages + " (expected: > 0)");
            }
            this.sendQueueMessages = messages;
            return this;
        }

        public Builder maxPendingSends(int sends) {
            if (sends < 0) {
                throw new IllegalArgumentException("maxPendingSends: " + sends + " (expected: >= 0)");
            }
            this.maxPendingSends = sends;
            return this;
        }

        /**
         * Fixed or adaptive receive window for this stream, whatever the endpoint's default
         * ({@code EndpointBuilder.adaptiveWindows}); the endpoint's floor, ceiling and target delay apply.
         */
        public Builder windowMode(WindowMode mode) {
            this.windowMode = Objects.requireNonNull(mode, "windowMode");
            return this;
        }

        /** Shorthand for {@link #windowMode} ADAPTIVE (true) or FIXED (false). */
        public Builder adaptiveWindow(boolean adaptive) {
            return windowMode(adaptive ? WindowMode.ADAPTIVE : WindowMode.FIXED);
        }

        public StreamOptions build() {
            return new StreamOptions(this);
        }
    }
}
