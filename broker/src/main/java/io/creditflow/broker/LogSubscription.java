package io.creditflow.broker;

import io.creditflow.log.CorruptRecordException;
import io.creditflow.log.LogRecord;
import io.creditflow.log.ReadResult;
import io.creditflow.log.TopicLog;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.StreamStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A durable subscription: a cursor in its topic's log and the consumer streams that share it (one member:
 * fan-out; several: a consumer group, served round robin). Nothing is queued per subscription: records are
 * read from the log only while a member has credit, a read-ahead of at most {@link #READ_AHEAD_BYTES} at a time
 * (and one largest record), so its memory is the consumer's credit plus that read-ahead, however far behind
 * it is.
 *
 * <p>Commit (at least once): the broker learns what a member consumed from the credit it returned. With
 * {@code W0} its message credit before the first delivery, {@code consumed = sentMessages +
 * sendCreditMessages - W0}, clamped to {@code [0, sentMessages]}; each member keeps the offsets it was sent,
 * in order, in a bounded ring, and drops the first {@code consumed} of them. The committed offset is the
 * lowest offset not known to be consumed: the smallest offset still in any member's ring, or the next offset
 * to deliver if every ring is empty. A member that leaves hands its unconsumed offsets back: the cursor
 * rewinds to the smallest, and they are delivered again (possibly duplicates for the other members).
 *
 * <p>Guarded by the {@link LogTopic}'s lock.
 */
final class LogSubscription {
    /** Records read ahead of the consumers' credit at most (plus one largest record). */
    static final int READ_AHEAD_BYTES = 64 * 1024;
    /** Records one read takes at most. */
    static final int READ_AHEAD_RECORDS = 1024;
    /** Offsets one member may have in flight (sent, not known consumed); beyond, it gets nothing more. */
    static final int MAX_IN_FLIGHT = 65_536;

    private static final System.Logger LOG = System.getLogger(LogSubscription.class.getName());

    final String name;
    final List<Member> members = new ArrayList<>();
    /** The next offset to read from the log. */
    long position;
    /** The offset last committed to the cursor store. */
    long committed;

    long delivered;
    long skippedRecords;
    long corruptRecords;
    private final TopicLog log;
    private final TailCache tail;
    private final String topic;
    private final int largestRecordBytes;
    private final ArrayDeque<LogRecord> readAhead = new ArrayDeque<>();
    private long readAheadBytes;
    private int nextMember;
    private boolean ioErrorLogged;

    LogSubscription(TopicLog log, TailCache tail, String topic, String name, long start, int largestRecordBytes) {
        this.log = log;
        this.tail = tail;
        this.topic = topic;
        this.name = name;
        this.position = start;
        this.committed = start;
        this.largestRecordBytes = largestRecordBytes;
    }

    /** One consumer stream of the subscription and the offsets it was sent and has not consumed yet. */
    static final class Member {
        final ConsumerLink link;
        /** W0: its message credit before the first delivery; -1 until then. */
        long initialCredit = -1;
        /** Offsets sent (accepted by offer) and not yet known consumed, in order: a ring. */
        private long[] ring;

        private int head;
        private int size;
        /** Messages known consumed so far (removed from the ring). */
        private long consumed;

        Member(ConsumerLink link) {
            this.link = link;
        }

        boolean ringFull() {
            return ring != null && size == ring.length;
        }

        void sent(long offset) {
            ring[(head + size) % ring.length] = offset;
            size++;
        }

        long lowestInFlight() {
            long low = Long.MAX_VALUE;
            for (int i = 0; i < size; i++) {
                low = Math.min(low, ring[(head + i) % ring.length]); // not sorted after a rewind
            }
            return low;
        }

        /** Learns from the stream's figures how many more messages were consumed; drops them from the ring. */
        void settle() {
            if (initialCredit < 0 || size == 0) {
                return;
            }
            // Two snapshots: credit read after the sent count can only make the sum too small, never too large
            // (a message sent between the two reads lowers the credit and raises the count by the same one).
            StreamStats first = link.stream.stats();
            StreamStats second = link.stream.stats();
            if (second.sendCreditMessages() == Long.MAX_VALUE) {
                return; // unlimited message credit tells nothing: never commit past what was delivered to it
            }
            long sent = first.sentMessages();
            long returned = second.sendCreditMessages() + sent - initialCredit;
            long known = Math.max(0, Math.min(returned, sent));
            while (consumed < known && size > 0) {
                head = (head + 1) % ring.length;
                size--;
                consumed++;
            }
        }
    }

    void attach(ConsumerLink c) {
        members.add(new Member(c));
    }

    /**
     * A member left: learn what it consumed, and rewind the cursor to the first offset it had not, so that
     * it is delivered again.
     */
    void detach(ConsumerLink c) {
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (m.link == c) {
                m.settle();
                long low = m.lowestInFlight();
                members.remove(i);
                nextMember = 0;
                if (low < frontier()) {
                    readAhead.clear();
                    readAheadBytes = 0;
                    position = low;
                }
                return;
            }
        }
    }

    /** The next offset to deliver: the first read-ahead record, or the read position. */
    long frontier() {
        LogRecord r = readAhead.peekFirst();
        return r != null ? r.offset() : position;
    }

    /** Every offset below this was delivered and consumed (or skipped): what may be committed. */
    long commitPoint() {
        long p = frontier();
        for (Member m : members) {
            p = Math.min(p, m.lowestInFlight());
        }
        return p;
    }

    /** Settles every member and returns the offset to commit if it moved past the committed one, else -1. */
    long advanceCommit() {
        for (Member m : members) {
            m.settle();
        }
        long p = commitPoint();
        if (p > committed) {
            committed = p;
            return p;
        }
        return -1;
    }

    boolean caughtUp() {
        return readAhead.isEmpty() && position >= log.endOffset();
    }

    long readAheadBytes() {
        return readAheadBytes;
    }

    /** Message credit the members granted the broker and it has not used yet (racy snapshot; saturating). */
    long consumerCreditMessages() {
        long credit = 0;
        for (Member m : members) {
            long c = m.link.stream.stats().sendCreditMessages();
            credit = c == Long.MAX_VALUE || credit + c < 0 ? Long.MAX_VALUE : credit + c;
        }
        return credit;
    }

    /** Credit the members granted the broker and it has not used yet (racy snapshot). */
    long consumerCreditBytes() {
        long credit = 0;
        for (Member m : members) {
            credit += m.link.stream.stats().sendCreditBytes();
        }
        return credit;
    }

    /**
     * Offers records to members whose streams have credit, round robin, reading from the log as needed.
     * Returns how many were delivered (at most {@code max}).
     */
    int deliver(int max) {
        int moved = 0;
        while (moved < max) {
            Member m = nextReadyMember();
            if (m == null) {
                break;
            }
            if (m.initialCredit < 0) {
                StreamStats st = m.link.stream.stats();
                m.initialCredit = st.sendCreditMessages();
                long cap = Math.min(MAX_IN_FLIGHT, Math.max(16, Math.min(m.initialCredit, MAX_IN_FLIGHT / 2) * 2));
                m.ring = new long[(int) cap];
            }
            if (m.ringFull()) {
                m.settle(); // learn now what it consumed: waiting for the tick would cap the rate at ring / tick
                if (m.ringFull()) {
                    m.link.skip = true; // too much in flight: wait for its credit (onReady) or the tick
                    continue;
                }
            }
            LogRecord r = readAhead.peekFirst();
            if (r == null) {
                if (!fill()) {
                    break;
                }
                continue;
            }
            OfferResult result;
            try {
                result = m.link.stream.offer(frame(r));
            } catch (MessageTooLargeException e) {
                members.remove(m);
                nextMember = 0;
                m.link.evicted = true;
                m.link.stream.reset(
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "evicted from subscription '" + name + "': cannot take message " + r.offset() + ": "
                                + e.getMessage());
                continue;
            }
            if (result == OfferResult.ACCEPTED) {
                readAhead.pollFirst();
                readAheadBytes -= r.sizeBytes();
                m.sent(r.offset());
                m.link.delivered++;
                delivered++;
                moved++;
            } else {
                m.link.skip = true; // isReady was optimistic; wait for onReady
            }
        }
        for (Member m : members) {
            m.link.skip = false;
        }
        return moved;
    }

    /**
     * The record as a consumer's message: its offset (8 bytes), then its payload. Without a copy when the
     * payload lies in a heap buffer right after an 8-byte slot that holds its offset already (a {@link TailCache}
     * record, framed when appended, or a record offered before) or its producer sequence: the last 8 bytes of its
     * 42-byte header in a read buffer, which is this subscription's own (fill reads into a new one each time), the
     * header checked when read; they become the offset. Otherwise a copy. The send queue then references slices of
     * read buffers: a buffer lives until its last record is written, so what is pinned exceeds the queued bytes by
     * at most a read buffer at each end ({@link #READ_AHEAD_BYTES} each); a tail-cache record's array is its own.
     */
    static ByteBuffer frame(LogRecord r) {
        ByteBuffer payload = r.payload();
        int at = payload.hasArray() && !payload.isReadOnly()
                ? payload.arrayOffset() + payload.position() - BrokerProtocol.HEADER_BYTES
                : -1;
        if (at >= 0) {
            ByteBuffer frame = ByteBuffer.wrap(payload.array(), at, BrokerProtocol.HEADER_BYTES + payload.remaining())
                    .slice();
            long slot = frame.getLong(0);
            if (slot == r.offset()) {
                return frame; // framed already: a tail-cache record, or this record offered before
            }
            if (slot == r.sequence()) {
                frame.putLong(0, r.offset());
                return frame;
            }
        }
        ByteBuffer copy = ByteBuffer.allocate(BrokerProtocol.HEADER_BYTES + payload.remaining());
        copy.putLong(r.offset()).put(payload.duplicate()).flip();
        return copy;
    }

    /** Reads the next records into the read-ahead (a member with credit asked); false if nothing came. */
    private boolean fill() {
        long end = log.endOffset();
        if (position >= end) {
            return false;
        }
        // A whole read-ahead, whatever the member's credit: a read sized to a little credit (a consumer returning
        // credit in small steps) costs a buffer and a positioned read for a few records; the bound is the same.
        int maxBytes = READ_AHEAD_BYTES;
        int maxRecords = READ_AHEAD_RECORDS;
        // Not below the log's start: records retention or drop-oldest deleted are gone, cached or not (the read
        // below reports the skip).
        if (position >= log.startOffset() && tail.copyFrom(position, maxBytes, maxRecords, this::addReadAhead) > 0) {
            position = readAhead.peekLast().offset() + 1;
            return true;
        }
        try {
            ReadResult r = log.read(position, maxBytes, maxRecords);
            if (r.isEmpty() && r.nextRecordBytes() > maxBytes) {
                r = log.read(position, Math.min(r.nextRecordBytes(), largestRecordBytes), 1);
            }
            skippedRecords += r.skippedRecords();
            r.records().forEach(this::addReadAhead);
            long before = position;
            position = r.nextOffset();
            return !r.isEmpty() || position != before;
        } catch (CorruptRecordException e) {
            if (corruptRecords++ == 0) {
                LOG.log(
                        System.Logger.Level.WARNING,
                        "topic '" + topic + "' subscription '" + name + "': skipping a corrupt record: "
                                + e.getMessage() + "; continuing at " + e.resumeOffset());
            }
            skippedRecords += Math.max(0, e.resumeOffset() - position);
            position = Math.max(position + 1, e.resumeOffset());
            return true;
        } catch (IOException | RuntimeException e) {
            if (!ioErrorLogged) {
                ioErrorLogged = true;
                LOG.log(
                        System.Logger.Level.WARNING,
                        "topic '" + topic + "' subscription '" + name + "': read at " + position
                                + " failed (retried on the tick): " + e);
            }
            return false;
        }
    }

    private void addReadAhead(LogRecord rec) {
        readAhead.addLast(rec);
        readAheadBytes += rec.sizeBytes();
    }

    private Member nextReadyMember() {
        int n = members.size();
        for (int i = 0; i < n; i++) {
            Member m = members.get((nextMember + i) % n);
            if (!m.link.skip && m.link.stream.isReady()) {
                nextMember = (nextMember + i + 1) % n;
                return m;
            }
        }
        return null;
    }
}
