package io.creditflow.broker;

import io.creditflow.log.AppendRecord;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import java.nio.ByteBuffer;

/**
 * A producer's stream, received in pull mode: the topic takes a message from it only when the topic
 * (and the broker budget) has room for it. Until then the message stays in the stream's receive
 * window, the window runs out, and the producer's {@code send} blocks: this is where the pressure
 * reaches the producer. Callbacks run on the connection's event loop and only take the topic's lock.
 *
 * <p>Sequences and acknowledgements (docs/broker-protocol.md section 3.1): the stream's messages are
 * numbered from its {@code sequence} metadata up, in the order sent. With {@code acks=durable} the
 * broker answers on the same stream with 8-byte acknowledgements, each the highest sequence up to which
 * every message of the stream is durable (appended and fsynced as the log's mode promises; on an in-memory
 * topic: taken into the topic). Acknowledgements are coalesced: at most {@link #MAX_MARKS} pending marks
 * per stream, and only the newest value is sent when several are due.
 *
 * <p>Produce quotas: with a {@link #quota}, the topic takes a message only when the principal's token buckets hold
 * it; until then it stays in the receive window like a message the topic has no room for, so credit goes back to
 * the producer no faster than its quota (it slows down and gets no error).
 *
 * <p>Locking: the topic calls {@link #takeSequence}, {@link #appended} and {@link #durable} under its own
 * lock; the acknowledgement state is guarded by this object's lock, taken after the topic's (never the
 * other way round).
 */
final class ProducerLink implements PullListener {
    /** Marks (log end offset, sequence) kept per stream until durable; when full the newest absorbs the next. */
    static final int MAX_MARKS = 32;

    final TopicEndpoint topic;
    /** The log's producer id (deduplication), or {@link AppendRecord#NO_PRODUCER}. */
    final long producerId;
    /** Whether the producer asked for acknowledgements. */
    final boolean acks;

    Stream stream;
    long published;
    /** The principal's produce quota, or null for none: the topic takes a message only with its tokens. */
    ProduceQuota quota;

    private final long[] markOffsets = new long[MAX_MARKS];
    private final long[] markSequences = new long[MAX_MARKS];
    private int markHead;
    private int markCount;
    private long nextSequence;
    private long acknowledged;
    private long sentAcknowledgement;
    private boolean inputEnded;
    private boolean outputEnded;

    ProducerLink(TopicEndpoint topic) {
        this(topic, AppendRecord.NO_PRODUCER, 0, false);
    }

    ProducerLink(TopicEndpoint topic, long producerId, long firstSequence, boolean acks) {
        this.topic = topic;
        this.producerId = producerId;
        this.acks = acks;
        this.nextSequence = firstSequence;
        this.acknowledged = firstSequence - 1;
        this.sentAcknowledgement = firstSequence - 1;
    }

    /** The sequence of the message the topic takes now. */
    synchronized long takeSequence() {
        return nextSequence++;
    }

    /** The record to append for a message taken with {@code sequence}. */
    AppendRecord record(ByteBuffer payload, long sequence, long timestampMillis) {
        return producerId == AppendRecord.NO_PRODUCER
                ? AppendRecord.of(payload, timestampMillis)
                : AppendRecord.idempotent(producerId, sequence, payload, timestampMillis);
    }

    /**
     * Messages up to {@code sequence} are in the topic; they are durable once the log's durable offset
     * reaches {@code durableAt} (0 for an in-memory topic: at once).
     */
    synchronized void appended(long sequence, long durableAt) {
        if (!acks) {
            return;
        }
        if (markCount > 0) {
            int last = (markHead + markCount - 1) % MAX_MARKS;
            if (markOffsets[last] == durableAt || markCount == MAX_MARKS) {
                markOffsets[last] = Math.max(markOffsets[last], durableAt);
                markSequences[last] = sequence;
                return;
            }
        }
        int slot = (markHead + markCount) % MAX_MARKS;
        markOffsets[slot] = durableAt;
        markSequences[slot] = sequence;
        markCount++;
    }

    /** The log is durable below {@code durableOffset}: acknowledges what that covers. */
    synchronized void durable(long durableOffset) {
        while (markCount > 0 && markOffsets[markHead] <= durableOffset) {
            acknowledged = markSequences[markHead];
            markHead = (markHead + 1) % MAX_MARKS;
            markCount--;
        }
        flushAcknowledgement();
    }

    /** Whether messages taken from this stream still wait to become durable. */
    synchronized boolean awaitsDurability() {
        return markCount > 0;
    }

    /** Sends the newest acknowledgement if it is new, and ends our direction once everything is acknowledged. */
    private void flushAcknowledgement() {
        if (!acks || outputEnded || stream == null) {
            return;
        }
        try {
            if (acknowledged > sentAcknowledgement) {
                ByteBuffer ack = ByteBuffer.allocate(BrokerProtocol.ACK_BYTES).putLong(0, acknowledged);
                if (stream.offer(ack) != OfferResult.ACCEPTED) {
                    return; // the send queue is full: onReady retries with the newest value
                }
                sentAcknowledgement = acknowledged;
            }
            if (inputEnded && markCount == 0 && stream.isReceiveFinished() && sentAcknowledgement == nextSequence - 1) {
                outputEnded = true;
                stream.halfClose();
            }
        } catch (StreamClosedException | IllegalStateException e) {
            outputEnded = true; // the stream is gone: nobody to acknowledge to
        }
    }

    @Override
    public void onOpen(Stream stream) {
        this.stream = stream;
        topic.addProducer(this);
    }

    @Override
    public void onReadable(Stream s) {
        topic.onProducerReadable(this);
    }

    @Override
    public synchronized void onReady(Stream s) {
        flushAcknowledgement();
    }

    @Override
    public void onHalfClose(Stream s) {
        if (!acks) {
            s.halfClose(); // nothing to send back: end our direction too so the stream can close
            return;
        }
        synchronized (this) {
            inputEnded = true;
        }
        topic.onProducerReadable(this); // the topic takes what is left, then the last acknowledgement ends it
        synchronized (this) {
            flushAcknowledgement();
        }
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        synchronized (this) {
            outputEnded = true;
        }
        topic.removeProducer(this);
    }
}
