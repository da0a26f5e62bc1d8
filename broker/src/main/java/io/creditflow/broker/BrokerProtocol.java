package io.creditflow.broker;

import java.nio.ByteBuffer;

/**
 * How clients talk to the broker over creditflow: the Open metadata of a stream says what it is, and
 * messages to consumers carry the topic sequence number.
 *
 * <ul>
 * <li>Producer stream: {@code role=produce, topic=NAME}. Each message is published as is.</li>
 * <li>Consumer stream: {@code role=consume, topic=NAME, subscription=NAME, policy=block|drop-oldest|
 *     drop-newest|disconnect}. Streams with the same topic and subscription share one queue and
 *     compete for its messages (a consumer group); different subscriptions each get every message
 *     (fan-out). The policy is set by the subscription's first member.</li>
 * <li>Messages to consumers: 8 bytes of big-endian topic sequence number, then the payload. A jump in
 *     the sequence is a gap: messages the subscription's lossy policy dropped.</li>
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
    /** Bytes before the payload in a message to a consumer. */
    public static final int HEADER_BYTES = 8;

    private BrokerProtocol() {
    }

    /** The topic sequence number of a message received as a consumer. */
    public static long sequence(ByteBuffer message) {
        return message.getLong(message.position());
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
            throw new IllegalArgumentException("subscription: '" + name
                    + "' (expected: 1-128 characters of letters, digits, '.', '_' and '-')");
        }
        return name;
    }

    /** Topic names: 1-128 characters of letters, digits, '.', '_' and '-'. */
    public static String checkTopic(String name) {
        if (name == null) {
            throw new IllegalArgumentException("topic: missing (expected: 1-128 characters of letters, digits, "
                    + "'.', '_' and '-')");
        }
        if (name == null || name.isEmpty() || name.length() > 128 || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("topic: '" + name
                    + "' (expected: 1-128 characters of letters, digits, '.', '_' and '-')");
        }
        return name;
    }
}
