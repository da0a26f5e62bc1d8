package io.creditflow.log;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One record to append: a payload, its timestamp, and optionally the producer id and per-producer sequence number that
 * make a retried append idempotent. Immutable (the caller must not change the payload while an append runs).
 *
 * <p>The payload is the bytes between its position and limit. {@link TopicLog#append} copies them and
 * leaves the buffer's position, limit and contents unchanged, so the caller may reuse or release the
 * buffer as soon as {@code append} returns.
 *
 * <p>Idempotence, as Kafka's idempotent producer: for a record with a producer id, the log remembers the
 * highest sequence it appended for that producer. A record whose sequence is at most that value is a
 * duplicate (a retry after a lost acknowledgement): it is dropped and reported in the {@link
 * AppendResult}, not appended twice. Sequences need not be contiguous, only increasing.
 *
 * @param payload the record's bytes (position to limit)
 * @param timestampMillis the record's time in epoch milliseconds (any value; used by {@link
 *     TopicLog#offsetForTime} and age-based retention)
 * @param producerId the producer's id ({@code >= 0}), or {@link #NO_PRODUCER}
 * @param sequence the producer's sequence number ({@code >= 0}), or {@link #NO_SEQUENCE} without a
 *     producer
 */
public record AppendRecord(ByteBuffer payload, long timestampMillis, long producerId, long sequence) {
    /** The producer id of a record appended without idempotence. */
    public static final long NO_PRODUCER = -1;
    /** The sequence of a record appended without idempotence. */
    public static final long NO_SEQUENCE = -1;

    /** Validates the fields. */
    public AppendRecord {
        Objects.requireNonNull(payload, "payload");
        if (producerId == NO_PRODUCER) {
            if (sequence != NO_SEQUENCE) {
                throw new IllegalArgumentException("sequence: " + sequence + " (expected: -1 without a producer id)");
            }
        } else if (producerId < 0) {
            throw new IllegalArgumentException("producerId: " + producerId + " (expected: >= 0, or -1 for none)");
        } else if (sequence < 0) {
            throw new IllegalArgumentException("sequence: " + sequence + " (expected: >= 0)");
        }
    }

    /** A record without a producer id: never deduplicated. */
    public static AppendRecord of(ByteBuffer payload, long timestampMillis) {
        return new AppendRecord(payload, timestampMillis, NO_PRODUCER, NO_SEQUENCE);
    }

    /** A record of producer {@code producerId} with sequence number {@code sequence}: deduplicated. */
    public static AppendRecord idempotent(long producerId, long sequence, ByteBuffer payload, long timestampMillis) {
        return new AppendRecord(payload, timestampMillis, producerId, sequence);
    }

    /** Whether the record carries a producer id and sequence. */
    public boolean hasProducer() {
        return producerId != NO_PRODUCER;
    }
}
