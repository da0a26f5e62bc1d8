package io.creditflow.broker;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A producer of one broker topic that learns, without polling, which of its messages the broker has made durable:
 * the client side of docs/broker-protocol.md section 3.1. Every message gets a sequence number (the stream's first
 * sequence, then one more per message, in send order); the broker's acknowledgements say up to which sequence every
 * message is durable (appended to the topic log and fsynced as its mode promises; on an in-memory topic, taken
 * into the topic).
 *
 * <p>Exactly once across reconnects: give the producer an id ({@code producerId}) and, after a reconnect, open a
 * new one with the same id and {@code firstSequence} = {@link #acknowledgedSequence()} + 1, then send again every
 * message from there, each with the same sequence (so the same payload) as before. A durable topic's log drops
 * the ones it already holds. One id must be used by one producer at a time. In-memory topics do not
 * deduplicate.
 *
 * <p>The four questions: the bound on unsent messages is the stream's send queue ({@link StreamOptions}); when it is
 * full, {@link #send(ByteBuffer, long, TimeUnit)} blocks, {@link #offer} refuses; the pressure is the broker's
 * credit; observed by {@link #nextSequence()} - {@link #acknowledgedSequence()} - 1 (sent, not yet durable) and
 * {@link #stream()}'s stats. Acknowledgements cost the producer 8 bytes each and are coalesced by the broker.
 *
 * <p>Thread-safe: sends are serialized (sequence order is send order); acknowledgements arrive on the
 * connection's event loop.
 */
public final class BrokerProducer implements AutoCloseable {

    private final Stream stream;
    private final long firstSequence;
    private final Object sendLock = new Object();
    private final Object ackLock = new Object();
    private long nextSequence;
    private volatile long acknowledged;
    private volatile CloseStatus closeStatus;

    private BrokerProducer(Connection connection, String topic, String producerId, long firstSequence) {
        this.firstSequence = firstSequence;
        this.nextSequence = firstSequence;
        this.acknowledged = firstSequence - 1;
        StreamOptions.Builder b = StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                .metadata(BrokerProtocol.TOPIC, BrokerProtocol.checkTopic(topic))
                .metadata(BrokerProtocol.SEQUENCE, Long.toString(firstSequence))
                .metadata(BrokerProtocol.ACKS, BrokerProtocol.ACKS_DURABLE)
                .listener(new Acknowledgements());
        if (producerId != null) {
            BrokerProtocol.producerId(producerId); // validates the name here rather than as a Reset later
            b.metadata(BrokerProtocol.PRODUCER, producerId);
        }
        this.stream = connection.openStream(b.build());
    }

    /**
     * Opens a producer stream on {@code connection}.
     *
     * @param producerId the producer's id for deduplication on a durable topic (letters, digits, '.', '_', '-'),
     *     or null for none
     * @param firstSequence the sequence of the first message, {@code >= 0}
     */
    public static BrokerProducer open(Connection connection, String topic, String producerId, long firstSequence) {
        if (firstSequence < 0 || firstSequence == Long.MAX_VALUE) {
            throw new IllegalArgumentException("firstSequence: " + firstSequence + " (expected: >= 0)");
        }
        return new BrokerProducer(connection, topic, producerId, firstSequence);
    }

    /**
     * Sends one message, waiting up to the timeout for room in the send queue (the broker's credit).
     *
     * @return the message's sequence number
     * @throws TimeoutException if there was no room in time (nothing sent; the sequence is not used)
     */
    public long send(ByteBuffer payload, long timeout, TimeUnit unit) throws InterruptedException, TimeoutException {
        synchronized (sendLock) {
            stream.send(payload, timeout, unit);
            return nextSequence++;
        }
    }

    /** Sends one message if the send queue has room now; returns its sequence, or -1 if not sent. */
    public long offer(ByteBuffer payload) {
        synchronized (sendLock) {
            return stream.offer(payload) == OfferResult.ACCEPTED ? nextSequence++ : -1;
        }
    }

    /** The sequence the next message will get. */
    public long nextSequence() {
        synchronized (sendLock) {
            return nextSequence;
        }
    }

    /** The sequence of this producer's first message. */
    public long firstSequence() {
        return firstSequence;
    }

    /** The highest sequence up to which every message sent is durable; {@code firstSequence() - 1} before any. */
    public long acknowledgedSequence() {
        return acknowledged;
    }

    /**
     * Waits until every message up to {@code sequence} is acknowledged.
     *
     * @return true if it is, false if the timeout passed or the stream closed first ({@link #closeStatus()})
     */
    public boolean awaitAcknowledged(long sequence, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (ackLock) {
            while (acknowledged < sequence && closeStatus == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(ackLock, left);
            }
            return acknowledged >= sequence;
        }
    }

    /** The stream's close status once it closed, else null. */
    public CloseStatus closeStatus() {
        return closeStatus;
    }

    /** Completes when the stream closes. */
    public CompletionStage<CloseStatus> closeFuture() {
        return stream.closeFuture();
    }

    /** The underlying stream, for its stats. */
    public Stream stream() {
        return stream;
    }

    /**
     * Ends the stream: no more sends. The broker closes it after its last acknowledgement; {@link
     * #awaitAcknowledged} and {@link #closeFuture()} tell when.
     */
    @Override
    public void close() {
        stream.halfClose();
    }

    /** Receives the broker's acknowledgements on the event loop. */
    private final class Acknowledgements implements StreamListener {
        @Override
        public void onOpen(Stream s) {
            // Unlimited demand: acknowledgements are 8 bytes, the broker coalesces them, the stream's byte window
            // bounds them, and each is consumed at once. Demand in small steps would let the receiver's credit
            // batching hold them back (its grant threshold is a fraction of the stream window).
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onMessage(Stream s, Message message) {
            long sequence;
            try {
                sequence = BrokerProtocol.acknowledgedSequence(message.payload());
            } catch (IllegalArgumentException e) {
                s.reset(ErrorCode.PROTOCOL_ERROR, "broker sent a malformed acknowledgement: " + e.getMessage());
                return;
            }
            synchronized (ackLock) {
                if (sequence > acknowledged) {
                    acknowledged = sequence;
                    ackLock.notifyAll();
                }
            }
        }

        @Override
        public void onClose(Stream s, CloseStatus status) {
            synchronized (ackLock) {
                closeStatus = status;
                ackLock.notifyAll();
            }
        }
    }
}
