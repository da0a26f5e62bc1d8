package io.creditflow.broker.kafka;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A producer stream of a Kafka-backed broker. Each message is taken from the stream, sent to Kafka, and closed
 * (consumed, so its credit goes back to the producer) only in Kafka's acknowledgement callback: the bytes a
 * producer has unacknowledged never exceed its stream's receive window, and a stalled Kafka stops its credit.
 * Every record of one stream carries the same key (the producer name, or a random id), so it lands in one
 * partition and Kafka keeps the stream's order; the idempotent producer keeps it across Kafka's own retries.
 *
 * <p>The four questions: <b>bound</b> the stream's window (messages in flight stay unconsumed) and, for the
 * gateway, the broker budget each record reserves before it is sent; <b>when full</b> nothing more is taken from
 * the stream; <b>pressure</b> to the producer's credit; <b>observed</b> {@link KafkaGatewayStats#inFlightRecords()}
 * and the gateway's held reason.
 *
 * <p>Acknowledgements ({@code acks=durable}): the 8-byte value sent back is the highest sequence such that Kafka
 * acknowledged it and everything before it on this stream. A record Kafka finally fails (after its delivery
 * timeout) resets the stream with UNAVAILABLE-like INTERNAL_ERROR: the producer resends from its last
 * acknowledgement (at least once).
 *
 * <p>Thread-safe: {@link #drain} runs on the stream's event loop or the gateway timer, the callbacks on Kafka's
 * I/O thread; the state is guarded by this object's lock, held briefly and never across a wait.
 */
final class KafkaProducerLink implements PullListener {
    private final KafkaGateway gateway;
    final String topic;
    private final byte[] key;
    private final boolean acks;
    private Stream stream;

    /** Records sent and not yet acknowledged, in send order (callbacks of one partition come in that order). */
    private final ArrayDeque<InFlight> inFlight = new ArrayDeque<>();
    /** A message taken from the stream whose send could not start; sent again before anything else. */
    private Message retry;

    private long retrySequence;
    private int retryReserved;
    private boolean waitingForBudget;
    private long nextSequence;
    private long acknowledged;
    private long sentAcknowledgement;
    private boolean inputEnded;
    private boolean outputEnded;
    private boolean failed;
    private boolean closed;

    private static final class InFlight {
        final Message message;
        final long sequence;
        final int reserved;
        final long sentNanos;

        InFlight(Message message, long sequence, int reserved, long sentNanos) {
            this.message = message;
            this.sequence = sequence;
            this.reserved = reserved;
            this.sentNanos = sentNanos;
        }
    }

    KafkaProducerLink(KafkaGateway gateway, String topic, byte[] key, long firstSequence, boolean acks) {
        this.gateway = gateway;
        this.topic = topic;
        this.key = key;
        this.acks = acks;
        this.nextSequence = firstSequence;
        this.acknowledged = firstSequence - 1;
        this.sentAcknowledgement = firstSequence - 1;
    }

    @Override
    public void onOpen(Stream s) {
        synchronized (this) {
            this.stream = s;
        }
        gateway.addProducer(this);
    }

    @Override
    public void onReadable(Stream s) {
        drain();
    }

    /** Takes messages from the stream and sends them while the budget has room and sends can start. */
    synchronized void drain() {
        while (!closed && !failed) {
            Message m;
            long sequence;
            int reserved;
            if (retry != null) {
                m = retry;
                sequence = retrySequence;
                reserved = retryReserved;
                retry = null;
            } else {
                int size;
                try {
                    size = stream.peekSize();
                } catch (IllegalStateException e) {
                    size = -1;
                }
                if (size < 0) {
                    break;
                }
                reserved = size + KafkaGateway.RECORD_OVERHEAD_BYTES;
                if (!gateway.budget.tryReserveExactly(reserved)) {
                    waitingForBudget = true; // the timer tries again
                    break;
                }
                waitingForBudget = false;
                m = poll();
                if (m == null) {
                    gateway.budget.release(reserved);
                    break;
                }
                sequence = nextSequence++;
                gateway.inFlightRecords.incrementAndGet();
                gateway.inFlightBytes.addAndGet(reserved);
            }
            InFlight f = new InFlight(m, sequence, reserved, System.nanoTime());
            inFlight.addLast(f);
            byte[] value = m.toByteArray();
            if (gateway.send(topic, key, value, (md, e) -> onCompletion(f, e))
                    == KafkaGateway.SendOutcome.RETRY_LATER) {
                inFlight.pollLast();
                retry = m;
                retrySequence = sequence;
                retryReserved = reserved;
                break;
            }
        }
        if (inputEnded) {
            flushAcknowledgement();
        }
    }

    private Message poll() {
        try {
            return stream.poll(0, TimeUnit.SECONDS);
        } catch (StreamClosedException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Gateway timer: sends again what could not start, or takes more once the budget has room. */
    void retryIfStalled() {
        boolean again;
        synchronized (this) {
            again = (retry != null || waitingForBudget) && !closed && !failed;
        }
        if (again) {
            drain();
        }
    }

    /** When the oldest record now in flight was sent (nanoTime), or Long.MAX_VALUE if none. */
    synchronized long oldestUnacknowledgedNanos() {
        InFlight f = inFlight.peekFirst();
        return f == null ? Long.MAX_VALUE : f.sentNanos;
    }

    synchronized boolean waitsForBudget() {
        return waitingForBudget;
    }

    /** Kafka's I/O thread: the record was acknowledged ({@code e} null) or finally failed. */
    private void onCompletion(InFlight f, Exception e) {
        int payload = f.message.size();
        f.message.close(); // consumed: the stream's credit goes back to the producer now
        gateway.budget.release(f.reserved);
        gateway.inFlightRecords.decrementAndGet();
        gateway.inFlightBytes.addAndGet(-f.reserved);
        synchronized (this) {
            inFlight.remove(f);
            if (e == null) {
                gateway.onAcknowledged(payload);
                if (!failed) {
                    acknowledged = Math.max(acknowledged, f.sequence);
                    flushAcknowledgement();
                }
                return;
            }
            gateway.failedRecords.incrementAndGet();
            if (!failed) {
                failed = true;
                Stream s = stream;
                if (s != null) {
                    s.reset(
                            ErrorCode.INTERNAL_ERROR,
                            "Kafka did not acknowledge sequence " + f.sequence
                                    + " of topic '" + topic + "': " + e.getMessage()
                                    + "; resend from the last acknowledgement ("
                                    + acknowledged + ")");
                }
            }
        }
    }

    /** Sends the newest acknowledgement if it is new; ends our direction once everything was acknowledged. */
    private void flushAcknowledgement() {
        if (!acks || outputEnded || stream == null) {
            if (!acks
                    && inputEnded
                    && inFlight.isEmpty()
                    && retry == null
                    && !outputEnded
                    && stream != null
                    && stream.isReceiveFinished()) {
                outputEnded = true;
                stream.halfClose();
            }
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
            if (inputEnded
                    && inFlight.isEmpty()
                    && retry == null
                    && stream.isReceiveFinished()
                    && sentAcknowledgement == nextSequence - 1) {
                outputEnded = true;
                stream.halfClose();
            }
        } catch (StreamClosedException | IllegalStateException e) {
            outputEnded = true;
        }
    }

    @Override
    public synchronized void onReady(Stream s) {
        flushAcknowledgement();
    }

    @Override
    public void onHalfClose(Stream s) {
        synchronized (this) {
            inputEnded = true;
        }
        drain();
    }

    /**
     * The stream closed: what was never sent goes back (the producer resends it); records already with Kafka
     * complete on their own and release their budget then.
     */
    @Override
    public void onClose(Stream s, CloseStatus status) {
        synchronized (this) {
            closed = true;
            outputEnded = true;
            if (retry != null) {
                retry.close();
                gateway.budget.release(retryReserved);
                gateway.inFlightRecords.decrementAndGet();
                gateway.inFlightBytes.addAndGet(-retryReserved);
                retry = null;
            }
        }
        gateway.removeProducer(this);
    }
}
