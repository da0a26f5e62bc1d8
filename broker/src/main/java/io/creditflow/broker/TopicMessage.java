package io.creditflow.broker;

import java.nio.ByteBuffer;

/**
 * One published message, stored once: its bytes are what consumers receive (8-byte sequence, then the
 * payload), shared by reference among the subscriptions that queue it. {@code refs} counts those
 * queues; when it reaches 0 the bytes leave the broker budget. Guarded by the topic's lock.
 */
final class TopicMessage {
    final long sequence;
    final byte[] frame;
    int refs;

    TopicMessage(long sequence, int payloadBytes) {
        this.sequence = sequence;
        this.frame = new byte[BrokerProtocol.HEADER_BYTES + payloadBytes];
        ByteBuffer.wrap(frame).putLong(sequence);
    }

    /** Bytes charged to the budget and to every bound: what is actually held. */
    int bytes() {
        return frame.length;
    }
}
