package io.creditflow.broker;

import java.nio.ByteBuffer;

/**
 * How clients talk to the broker over creditflow: the Open metadata of a stream says what it is, and
 * messages to consumers carry the topic sequence number.
 *
 * <ul>
 * <li>Producer stream: {@code role=produce, topic=NAME}, optionally {@code producer=ID} (idempotence on a
 *     durable topic), {@code sequence=N} (the first message's sequence, default 0) and {@code acks=durable}
 *     (the broker answers with 8-byte acknowledgements, {@link #acknowledgedSequence}). Each message is
 *     published as is.</li>
 * <li>Consumer stream: {@code role=consume, topic=NAME, subscription=NAME, policy=block|drop-oldest|
 *     drop-newest|disconnect}. Streams with the same topic and subscription share one queue and
 *     compete for its messages (a consumer group); different subscriptions each get every message
 *     (fan-out). The policy is set by the subscription's first member.</li>
 * <li>Messages to consumers: 8 bytes of big-endian topic sequence number, then the payload. A jump in
 *     the sequence is a gap: messages the subscription's lossy policy dropped. On a durable topic the
 *     sequence is the record's offset in the topic log.</li>
 * <li>Durable topics (a broker with a data dir): the policy is {@code log} (or absent) and the consumer may
 *     say where a new subscription starts: {@code from=earliest|latest|offset:N|time:EPOCH_MS} (default
 *     latest). A subscription with a committed offset resumes there whatever {@code from} says.</li>
 * <li>An evicted consumer's stream is reset with {@code SLOW_CONSUMER} and a reason.</li>
 * </ul>
 */
public final class BrokerProtocol {
    public static final String ROLE = "role";
    public static final String PRODUCE = "produce";
    public static final String CONSUME = "consume";
    public static final String TOPIC = "topic";
    public static final String SUBSCRIPTION = "subscription";
    public static final String POLICY = "policy";
    /** Consumer metadata: where a new durable subscription starts; see {@link From}. */
    public static final String FROM = "from";
    /** Producer metadata: the producer's id; on a durable topic the log drops its retried duplicates. */
    public static final String PRODUCER = "producer";
    /** Producer metadata: the sequence number of the stream's first message (default 0). */
    public static final String SEQUENCE = "sequence";
    /** Producer metadata: {@link #ACKS_DURABLE} asks for acknowledgements; {@code none} (the default) does not. */
    public static final String ACKS = "acks";
    /** The {@link #ACKS} value asking for acknowledgements. */
    public static final String ACKS_DURABLE = "durable";
    /** The {@link #ACKS} value without acknowledgements, the default. */
    public static final String ACKS_NONE = "none";
    /** Bytes of an acknowledgement the broker sends on a producer stream. */
    public static final int ACK_BYTES = 8;
    /** Bytes before the payload in a message to a consumer. */
    public static final int HEADER_BYTES = 8;

    private BrokerProtocol() {}

    /**
     * Where a new durable subscription starts: {@code earliest} (the log's start), {@code latest} (its end:
     * only messages published from now on), {@code offset:N} (clamped to the log), {@code time:EPOCH_MS}
     * (the first record at or after that time). Immutable.
     *
     * @param kind which of the four
     * @param value the offset or the time; 0 for earliest and latest
     */
    public record From(Kind kind, long value) {
        /** The four ways to start. */
        public enum Kind {
            EARLIEST,
            LATEST,
            OFFSET,
            TIME
        }

        /** Parses the {@code from} metadata value. */
        public static From parse(String text) {
            String t = text.trim();
            try {
                if (t.equals("earliest")) {
                    return new From(Kind.EARLIEST, 0);
                } else if (t.equals("latest")) {
                    return new From(Kind.LATEST, 0);
                } else if (t.startsWith("offset:")) {
                    long n = Long.parseLong(t.substring("offset:".length()));
                    if (n >= 0) {
                        return new From(Kind.OFFSET, n);
                    }
                } else if (t.startsWith("time:")) {
                    long ms = Long.parseLong(t.substring("time:".length()));
                    if (ms >= 0) {
                        return new From(Kind.TIME, ms);
                    }
                }
            } catch (NumberFormatException e) {
                // below
            }
            throw new IllegalArgumentException("from: '" + text
                    + "' (expected: earliest, latest, offset:N or time:EPOCH_MS with N, EPOCH_MS >= 0)");
        }

        /** The metadata spelling. */
        @Override
        public String toString() {
            return switch (kind) {
                case EARLIEST -> "earliest";
                case LATEST -> "latest";
                case OFFSET -> "offset:" + value;
                case TIME -> "time:" + value;
            };
        }
    }

    /** The topic sequence number of a message received as a consumer. */
    public static long sequence(ByteBuffer message) {
        return message.getLong(message.position());
    }

    /**
     * The sequence an acknowledgement received on a producer stream carries: every message of the stream up
     * to it is durable.
     */
    public static long acknowledgedSequence(ByteBuffer ack) {
        if (ack.remaining() != ACK_BYTES) {
            throw new IllegalArgumentException(
                    "acknowledgement of " + ack.remaining() + " bytes (expected: " + ACK_BYTES + ")");
        }
        return ack.getLong(ack.position());
    }

    /**
     * The log's numeric producer id for a {@link #PRODUCER} name: the first 63 bits of its SHA-256, so any
     * client in any language derives the same number. Names have the syntax of topic names.
     */
    public static long producerId(String name) {
        if (name == null || name.isEmpty() || name.length() > 128 || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "producer: '" + name + "' (expected: 1-128 characters of letters, digits, '.', '_' and '-')");
        }
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return ByteBuffer.wrap(h).getLong() & Long.MAX_VALUE;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError("every JVM has SHA-256", e);
        }
    }

    /** Parses the {@link #SEQUENCE} metadata value: a decimal {@code >= 0}. */
    public static long parseSequence(String text) {
        try {
            long n = Long.parseLong(text.trim());
            if (n >= 0 && n < Long.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new IllegalArgumentException("sequence: '" + text + "' (expected: a decimal number >= 0)");
    }

    /** Parses the {@link #ACKS} metadata value: true for {@code durable}, false for {@code none}. */
    public static boolean parseAcks(String text) {
        String t = text.trim();
        if (t.equals(ACKS_DURABLE)) {
            return true;
        } else if (t.equals(ACKS_NONE)) {
            return false;
        }
        throw new IllegalArgumentException("acks: '" + text + "' (expected: durable or none)");
    }

    /** The payload of a message received as a consumer (a view, not a copy). */
    public static ByteBuffer payload(ByteBuffer message) {
        ByteBuffer p = message.duplicate();
        p.position(p.position() + HEADER_BYTES);
        return p.slice();
    }

    /** Subscription names: 1-128 characters of letters, digits, '.', '_' and '-', as topic names. */
    public static String checkSubscription(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("subscription: missing (expected: a name)");
        }
        if (name.length() > 128 || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "subscription: '" + name + "' (expected: 1-128 characters of letters, digits, '.', '_' and '-')");
        }
        return name;
    }

    /** Topic names: 1-128 characters of letters, digits, '.', '_' and '-'. */
    public static String checkTopic(String name) {
        if (name == null) {
            throw new IllegalArgumentException(
                    "topic: missing (expected: 1-128 characters of letters, digits, " + "'.', '_' and '-')");
        }
        if (name == null || name.isEmpty() || name.length() > 128 || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException(
                    "topic: '" + name + "' (expected: 1-128 characters of letters, digits, '.', '_' and '-')");
        }
        return name;
    }
}
