package io.creditflow.proto.core;

import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/**
 * The sending half of flow control for one connection: decides which queued messages may be written
 * now. A message is written only if it fits its stream's byte and message credit, the connection's
 * byte credit, and the channel is writable. Streams take turns ({@link WriteScheduler}), each turn
 * worth {@code quantumBytes}; a stream without credit leaves the turn order until credit arrives, so
 * it never holds back the others.
 *
 * <p>Not thread-safe; event-loop confined. It never touches the network: it calls
 * {@link Source#writeMessage()} and the caller flushes once per pass.
 *
 * @param <S> the stream type
 */
public final class OutboundFlowController<S extends OutboundFlowController.Source> {

    /**
     * Fixed cost charged against a turn's quantum per message, in addition to its payload, so that
     * streams of empty or tiny messages also take bounded turns.
     */
    static final int PER_MESSAGE_TURN_COST = 32;

    /** One stream's sending side, as the controller sees it. Event-loop confined. */
    public interface Source {
        SendWindow sendWindow();

        /**
         * Payload bytes of the next queued message, or -1 if nothing is queued. If the message is at
         * most {@code limitBytes} (what credit allows now; -1 when no message credit is left), the
         * source also takes it out of its queue for {@link #writeMessage()}; otherwise it stays queued,
         * where the application's overflow policy still governs it.
         */
        int peekMessageBytes(long limitBytes);

        /** Writes (without flushing) the message {@link #peekMessageBytes} took. */
        void writeMessage();

        /**
         * The next message ({@code neededBytes}) waits for credit. {@code streamBytesShort} is true when
         * it lacks stream bytes while it has stream message credit (a Blocked frame is then worth
         * sending; connection credit may be short as well); otherwise it waits for stream messages or
         * only for connection bytes.
         */
        void onCreditStall(long neededBytes, boolean streamBytesShort);

        boolean isScheduled();

        void setScheduled(boolean scheduled);
    }

    private final WriteScheduler<S> scheduler;
    private final int quantumBytes;
    private final ArrayDeque<S> waitingForConnectionCredit = new ArrayDeque<>();
    private long connectionAvailableBytes;
    private long connectionSentBytes;

    public OutboundFlowController(WriteScheduler<S> scheduler, int quantumBytes, long initialConnectionCreditBytes) {
        if (quantumBytes <= 0) {
            throw new IllegalArgumentException("quantumBytes: " + quantumBytes + " (expected: > 0)");
        }
        this.scheduler = scheduler;
        this.quantumBytes = quantumBytes;
        this.connectionAvailableBytes = initialConnectionCreditBytes;
    }

    /** The stream may be able to send: it has new data or new credit. Idempotent. */
    public void onStreamReady(S stream) {
        if (!stream.isScheduled()) {
            stream.setScheduled(true);
            scheduler.add(stream);
        }
    }

    /** Adds connection-scope credit from the peer and wakes streams that waited for it. */
    public void addConnectionCredit(long bytes) {
        connectionAvailableBytes = Credits.saturatedAdd(connectionAvailableBytes, bytes);
        S stream;
        while ((stream = waitingForConnectionCredit.pollFirst()) != null) {
            scheduler.add(stream); // still marked scheduled
        }
    }

    /**
     * Writes as many messages as credit and writability allow, in turn order.
     *
     * @param writable the channel's writability, checked before every message
     * @return the number of messages written (the caller flushes if non-zero)
     */
    public int writePass(BooleanSupplier writable) {
        int written = 0;
        while (!scheduler.isEmpty() && writable.getAsBoolean()) {
            S stream = scheduler.poll();
            stream.setScheduled(false);
            long quantum = quantumBytes;
            for (; ; ) {
                SendWindow window = stream.sendWindow();
                long limit = window.availableMessages() > 0
                        ? Math.min(window.availableBytes(), connectionAvailableBytes)
                        : -1;
                int size = stream.peekMessageBytes(limit);
                if (size < 0) {
                    break;
                }
                if (!window.canSend(size)) {
                    // Only bytes are worth reporting: without message credit, more bytes would not help.
                    stream.onCreditStall(size, size > window.availableBytes() && window.availableMessages() > 0);
                    break;
                }
                if (size > connectionAvailableBytes) {
                    stream.onCreditStall(size, false);
                    stream.setScheduled(true);
                    waitingForConnectionCredit.addLast(stream);
                    break;
                }
                stream.writeMessage();
                window.onSent(size);
                connectionAvailableBytes -= size;
                connectionSentBytes += size;
                written++;
                quantum -= size + PER_MESSAGE_TURN_COST;
                if (quantum <= 0 || !writable.getAsBoolean()) {
                    onStreamReady(stream); // back of the line; it will be dropped if it is empty
                    break;
                }
            }
        }
        return written;
    }

    public long connectionAvailableBytes() {
        return connectionAvailableBytes;
    }

    public long connectionSentBytes() {
        return connectionSentBytes;
    }

    /** Streams waiting for a turn (they have data and, when last checked, credit). */
    public int scheduledStreams() {
        return scheduler.size() + waitingForConnectionCredit.size();
    }

    /** True if some stream waits for connection-scope credit. */
    public boolean isConnectionCreditStalled() {
        return !waitingForConnectionCredit.isEmpty();
    }
}
