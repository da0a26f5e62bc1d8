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
 * <p>Each stream is {@link #register registered} once; the {@link OutboundStream} handle owns its
 * {@link SendWindow} and its scheduled flag, and its {@link Source} only answers what it has to send.
 *
 * <p>Not thread-safe; event-loop confined. It never touches the network: it calls
 * {@link Source#write()} and the caller flushes once per pass.
 *
 * @param <S> the stream type
 */
public final class OutboundFlowController<S extends OutboundFlowController.Source> {

    /**
     * Fixed cost charged against a turn's quantum per message, in addition to its payload, so that
     * streams of empty or tiny messages also take bounded turns.
     */
    static final int PER_MESSAGE_TURN_COST = 32;

    /**
     * One stream's sending side, as the controller asks it: what it has to send and how to send it. Its
     * credit and its place in the turn order are the controller's, in the {@link OutboundStream} that
     * {@link #register} returns. Event-loop confined.
     */
    public interface Source {
        /**
         * Payload bytes of the next queued message, or -1 if nothing is queued. If the message is at
         * most {@code limitBytes} (what credit allows now; -1 when no message credit is left), the
         * source also takes it out of its queue for {@link #write()}; otherwise it stays queued,
         * where the application's overflow policy still governs it. Asked again before {@link #write()},
         * it returns the size of the message it took.
         */
        int takeIfFits(long limitBytes);

        /** Writes (without flushing) the message {@link #takeIfFits} took. */
        void write();

        /**
         * The next message ({@code neededBytes}) waits for credit. {@code reportBlocked} is true once per
         * stall, when the message lacks stream bytes while it has stream message credit: a Blocked frame is
         * then worth sending (connection credit may be short as well). Otherwise it waits for stream
         * messages, only for connection bytes, or the stall was already reported.
         */
        void onCreditStall(long neededBytes, boolean reportBlocked);
    }

    /**
     * A registered stream, as the controller keeps it: its {@link Source}, its send credit, and whether it
     * holds a place in the turn order (scheduled, or waiting for connection credit). The stream's owner
     * keeps the handle to add credit ({@link #window()}) and to say it may send ({@link #onStreamReady}).
     *
     * <p>Event-loop confined.
     */
    public static final class OutboundStream<S> {
        private final S source;
        private final SendWindow window = new SendWindow();
        private boolean scheduled;

        private OutboundStream(S source) {
            this.source = source;
        }

        public S source() {
            return source;
        }

        /** The stream's send credit, granted by the peer. */
        public SendWindow window() {
            return window;
        }

        /** True while the stream holds a place in the turn order (it then is not added again). */
        public boolean isScheduled() {
            return scheduled;
        }
    }

    private final WriteScheduler<OutboundStream<S>> scheduler;
    private final int quantumBytes;
    private final ArrayDeque<OutboundStream<S>> waitingForConnectionCredit = new ArrayDeque<>();
    private long connectionAvailableBytes;
    private long connectionSentBytes;

    public OutboundFlowController(
            WriteScheduler<OutboundStream<S>> scheduler, int quantumBytes, long initialConnectionCreditBytes) {
        if (quantumBytes <= 0) {
            throw new IllegalArgumentException("quantumBytes: " + quantumBytes + " (expected: > 0)");
        }
        this.scheduler = scheduler;
        this.quantumBytes = quantumBytes;
        this.connectionAvailableBytes = initialConnectionCreditBytes;
    }

    /**
     * A stream that will send through this controller: the handle owns its credit and its place in the turn
     * order, so the source keeps no bookkeeping for the controller. Nothing is scheduled until
     * {@link #onStreamReady}.
     */
    public OutboundStream<S> register(S source) {
        return new OutboundStream<>(source);
    }

    /** The stream may be able to send: it has new data or new credit. Idempotent. */
    public void onStreamReady(OutboundStream<S> stream) {
        if (!stream.scheduled) {
            stream.scheduled = true;
            scheduler.add(stream);
        }
    }

    /** Adds connection-scope credit from the peer and wakes streams that waited for it. */
    public void addConnectionCredit(long bytes) {
        connectionAvailableBytes = Credits.saturatedAdd(connectionAvailableBytes, bytes);
        OutboundStream<S> stream;
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
            OutboundStream<S> stream = scheduler.poll();
            stream.scheduled = false;
            S source = stream.source;
            SendWindow window = stream.window;
            long quantum = quantumBytes;
            for (; ; ) {
                long limit = window.availableMessages() > 0
                        ? Math.min(window.availableBytes(), connectionAvailableBytes)
                        : -1;
                int size = source.takeIfFits(limit);
                if (size < 0) {
                    break;
                }
                if (!window.canSend(size)) {
                    // Only bytes are worth reporting: without message credit, more bytes would not help.
                    boolean bytesShort = size > window.availableBytes() && window.availableMessages() > 0;
                    source.onCreditStall(size, bytesShort && window.markBlockedReported());
                    break;
                }
                if (size > connectionAvailableBytes) {
                    source.onCreditStall(size, false);
                    stream.scheduled = true;
                    waitingForConnectionCredit.addLast(stream);
                    break;
                }
                source.write();
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
