package io.creditflow.proto.core;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.wire.ErrorCode;
import java.util.ArrayList;

/**
 * The receiving half of flow control for one connection: decides when and how much credit to grant,
 * checks that the peer stays within it, and takes unused credit back when memory is short.
 *
 * <h2>Rules (docs/protocol.md, "Flow control")</h2>
 * <ul>
 * <li>Each stream holds {@code granted - revoked - consumed} bytes: credit the peer has not used plus
 *     data that arrived and the application has not consumed. Credit is re-granted only as the
 *     application <em>consumes</em>, never because data arrived.</li>
 * <li>Grants are batched: bytes once the stream can be topped up by at least half its target window
 *     (or a blocked message needs them), messages once half the message window was consumed (or, for
 *     demand-driven streams, once the application's demand at least doubles what is outstanding), and
 *     on the {@link #tick(long)} all consumed message credit of a stream whose application is caught up.</li>
 * <li>The connection window is never over-committed: the holds of all streams on the connection stay
 *     within {@link Config#connectionWindowBytes()}, so a stalled stream can only ever sit on its own
 *     credit and never on credit another stream needs.</li>
 * <li>Every byte held is reserved in the process-wide {@link MemoryBudget} first. When the budget or
 *     the connection window runs short, targets shrink to a fair share and the starved streams wait
 *     in order: first this connection's FIFO, then the budget's tickets (oldest first, across all
 *     connections). A stream that is blocked on a message larger than its window and is not first in
 *     line gets all it needs or nothing. Credit is taken back (Revoke / RevokeAck) from streams idle
 *     for {@link Config#revokeIdleNanos()}, and from blocked streams not first in line, whose partial
 *     credit they cannot use; without that, streams each holding part of what their next message
 *     needs could wait on each other forever.</li>
 * <li>A stream's byte target is the configured window, or, for an adaptive stream, its
 *     {@link AdaptiveWindow} target (grown to the path's bandwidth-delay product, shrunk to the
 *     application's drain rate), above the configured window only within the stream's shares of the
 *     budget and of the connection window. A smaller target means granting less, never revoking.</li>
 * <li>A peer that sends beyond stream or connection credit is a connection error, FLOW_CONTROL_ERROR.</li>
 * </ul>
 *
 * <p>The grant decision itself (targets, what is due, all-or-nothing) is {@link GrantPolicy}, pure
 * functions of the figures this class gathers; the starved streams, their order and priority are a
 * {@link StarvationQueue}; the per-stream totals are {@link ReceiveStream}. This class orchestrates them
 * and runs the revoke tick.
 *
 * <p>Time is always passed in: every entry point that can start a stall, end one or feed an adaptive window
 * takes the caller's {@code nowNanos} (read once per event by the event loop), and this class reads no clock,
 * so tests drive it with plain numbers (as {@link AdaptiveWindow}).
 *
 * <p>Not thread-safe; event-loop confined. It writes nothing itself: it tells a {@link CreditSink}.
 */
public final class InboundFlowController {

    /** Receives the frames the controller decides to send. Event-loop confined. */
    public interface CreditSink {
        void writeStreamCredit(int streamId, long bytes, long messages);

        void writeConnectionCredit(long bytes);

        void writeRevoke(int streamId, long keepBytes);
    }

    /**
     * Receive-side settings.
     *
     * @param connectionWindowBytes bound on the bytes all streams of the connection hold
     * @param streamWindowBytes target bytes held per stream (credit plus unconsumed data)
     * @param streamWindowMessages target messages per stream for pull-mode streams, or
     *        {@link Credits#UNLIMITED}
     * @param minGrantBytes the smallest target a stream is cut to when memory is short
     * @param revokeIdleNanos how long a stream may hold unused credit, with no data received and no
     *        grant made, before it may be revoked (only while some other stream is starved)
     * @param adaptive the adaptive-window bounds streams use by default ({@link AdaptiveWindow}), or
     *        null for fixed windows of {@code streamWindowBytes}
     */
    public record Config(
            long connectionWindowBytes,
            long streamWindowBytes,
            long streamWindowMessages,
            long minGrantBytes,
            long revokeIdleNanos,
            AdaptiveWindow.Settings adaptive) {
        /** Fixed windows. */
        public Config(
                long connectionWindowBytes,
                long streamWindowBytes,
                long streamWindowMessages,
                long minGrantBytes,
                long revokeIdleNanos) {
            this(connectionWindowBytes, streamWindowBytes, streamWindowMessages, minGrantBytes, revokeIdleNanos, null);
        }

        public Config {
            requirePositive("connectionWindowBytes", connectionWindowBytes);
            requirePositive("streamWindowBytes", streamWindowBytes);
            requirePositive("streamWindowMessages", streamWindowMessages);
            requirePositive("minGrantBytes", minGrantBytes);
            if (revokeIdleNanos < 0) {
                throw new IllegalArgumentException("revokeIdleNanos: " + revokeIdleNanos + " (expected: >= 0)");
            }
        }

        private static void requirePositive(String name, long value) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0)");
            }
        }
    }

    private final Config config;
    private final MemoryBudget budget;
    private final CreditSink sink;
    /** Data was discarded since the last {@link #onReadComplete()}: its connection credit is due. */
    private boolean discardedSinceReadComplete;

    private final MemoryBudget.Waiter budgetWaiter;
    private final ArrayList<ReceiveStream> streams = new ArrayList<>();
    /** The starved streams: FIFO, tickets, priority, serving order. */
    private final StarvationQueue starved;

    /** Streams still receiving (the peer has not half-closed them): the denominator of fair shares. */
    private int acceptingStreams;
    /** Open streams with an adaptive window (the tick measures their drain side). */
    private int adaptiveStreams;

    private long connectionGrantedBytes;
    private long connectionReceivedBytes;
    private long connectionReturnableBytes;
    private long connectionHoldBytes;
    private boolean closed;

    /**
     * @param budgetAvailable run (from any thread) when budget memory is released while this
     *        connection waits for it; it must schedule {@link #onBudgetAvailable(long)} on the event loop
     */
    public InboundFlowController(Config config, MemoryBudget budget, CreditSink sink, Runnable budgetAvailable) {
        this.config = config;
        this.budget = budget;
        this.starved = new StarvationQueue(budget, this::maybeGrant);
        this.sink = sink;
        this.budgetWaiter = new MemoryBudget.Waiter() {
            @Override
            protected void onBudgetReleased() {
                budgetAvailable.run();
            }
        };
        // The handshake grants the whole connection window; it is a cap, not a reservation: bytes are
        // reserved from the budget per stream, when stream credit is granted.
        this.connectionGrantedBytes = config.connectionWindowBytes();
    }

    public Config config() {
        return config;
    }

    /**
     * Starts receive-side accounting for a stream and grants its initial credit.
     *
     * @param demandDriven true if message credit follows the application's {@code request(n)}
     *        (push mode, Flow subscribers); false to keep {@link Config#streamWindowMessages()} granted
     *        (pull mode)
     */
    public ReceiveStream openStream(int streamId, boolean demandDriven, StallTimer stalls, long nowNanos) {
        return openStream(streamId, demandDriven, stalls, config.adaptive(), nowNanos);
    }

    /**
     * As {@link #openStream(int, boolean, StallTimer, long)}, with this stream's own adaptive-window bounds
     * (null: a fixed window of {@link Config#streamWindowBytes()}).
     */
    public ReceiveStream openStream(
            int streamId, boolean demandDriven, StallTimer stalls, AdaptiveWindow.Settings adaptive, long nowNanos) {
        ReceiveStream s = openStreamUnchecked(streamId, demandDriven, stalls, adaptive, nowNanos);
        assert checkInvariants() : "after openStream";
        return s;
    }

    private ReceiveStream openStreamUnchecked(
            int streamId, boolean demandDriven, StallTimer stalls, AdaptiveWindow.Settings adaptive, long now) {
        ReceiveStream s = new ReceiveStream(streamId, demandDriven, stalls);
        s.messageLimit = demandDriven ? 0 : config.streamWindowMessages();
        s.lastActivityNanos = now;
        if (adaptive != null) {
            s.adaptive = new AdaptiveWindow(adaptive, config.streamWindowBytes(), s.lastActivityNanos);
        }
        s.index = streams.size();
        streams.add(s);
        acceptingStreams++;
        if (s.adaptive != null) {
            adaptiveStreams++;
        }
        budget.registerStream();
        maybeGrant(s, now);
        return s;
    }

    /**
     * Accounts a data frame of {@code payloadBytes} on {@code s}.
     *
     * @throws ProtocolException FLOW_CONTROL_ERROR (connection scope) if the peer exceeded its credit
     */
    public void onData(ReceiveStream s, int payloadBytes, long nowNanos) {
        onDataUnchecked(s, payloadBytes, nowNanos);
        assert checkInvariants() : "after onData";
    }

    private void onDataUnchecked(ReceiveStream s, int payloadBytes, long now) {
        checkConnectionCredit(payloadBytes);
        if (payloadBytes > s.windowBytes() || s.windowMessages() < 1) {
            throw ProtocolException.connectionError(
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "stream " + s.id + ": message of " + payloadBytes + " bytes beyond credit (window "
                            + s.windowBytes() + " bytes, " + s.windowMessages() + " messages)");
        }
        connectionReceivedBytes += payloadBytes;
        s.receivedBytes += payloadBytes;
        s.receivedMessages++;
        s.neededBytes = 0;
        if (s.adaptive != null && s.adaptive.answersProbe(s.receivedBytes)) {
            s.adaptive.onProbeAnswered(now);
        }
        if (s.windowBytes() == 0 || s.windowMessages() == 0) {
            s.lastActivityNanos = now;
            s.stalls.set(StallReason.APPLICATION_NOT_READING, true, now);
        } else {
            s.lastActivityNanos = Long.MIN_VALUE; // "active now": refreshed lazily, see isIdle
        }
    }

    /** Accounts data for a stream that is already closed: discarded at once, its credit returned. */
    public void onDiscardedData(int payloadBytes) {
        onDiscardedDataUnchecked(payloadBytes);
        assert checkInvariants() : "after onDiscardedData";
    }

    private void onDiscardedDataUnchecked(int payloadBytes) {
        checkConnectionCredit(payloadBytes);
        connectionReceivedBytes += payloadBytes;
        connectionReturnableBytes += payloadBytes;
        discardedSinceReadComplete = true;
        flushConnectionCredit(false);
    }

    /**
     * The end of a read batch: the connection credit of data discarded in it ({@link #onDiscardedData})
     * goes back now, in one {@code Credit} for the whole batch rather than one per discarded frame (a
     * producer whose stream was reset with many small messages in flight would otherwise make us answer
     * each of them).
     */
    public void onReadComplete() {
        onReadCompleteUnchecked();
        assert checkInvariants() : "after onReadComplete";
    }

    private void onReadCompleteUnchecked() {
        if (discardedSinceReadComplete) {
            discardedSinceReadComplete = false;
            flushConnectionCredit(true);
        }
    }

    private void checkConnectionCredit(int payloadBytes) {
        if (payloadBytes > connectionGrantedBytes - connectionReceivedBytes) {
            throw ProtocolException.connectionError(
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "message of " + payloadBytes + " bytes beyond connection credit ("
                            + (connectionGrantedBytes - connectionReceivedBytes) + " bytes)");
        }
    }

    /** The application consumed {@code messages} messages totalling {@code bytes} from {@code s}. */
    public void onConsumed(ReceiveStream s, long bytes, long messages, long nowNanos) {
        onConsumedUnchecked(s, bytes, messages, nowNanos);
        assert checkInvariants() : "after onConsumed";
    }

    private void onConsumedUnchecked(ReceiveStream s, long bytes, long messages, long now) {
        assert bytes <= s.bufferedBytes() && messages <= s.bufferedMessages()
                : "consumed more than buffered on stream " + s.id;
        s.consumedBytes += bytes;
        s.consumedMessages += messages;
        connectionHoldBytes -= bytes;
        connectionReturnableBytes += bytes;
        if (!s.demandDriven && s.messageLimit != Credits.UNLIMITED) {
            s.messageLimit = GrantPolicy.pullMessageLimit(s.consumedMessages, config.streamWindowMessages());
        }
        if (s.closed) {
            return;
        }
        if (s.adaptive != null) {
            s.adaptive.onConsumed(now, s.consumedBytes, s.bufferedBytes());
        }
        starved.serve(now);
        maybeGrant(s, now);
        if (!s.acceptingData || isUnderPressure()) {
            releaseUnheld(s);
        }
        flushConnectionCredit(false);
    }

    /** The application asked for {@code n} more messages on a demand-driven stream. */
    public void onDemand(ReceiveStream s, long n, long nowNanos) {
        onDemandUnchecked(s, n, nowNanos);
        assert checkInvariants() : "after onDemand";
    }

    private void onDemandUnchecked(ReceiveStream s, long n, long now) {
        if (n <= 0 || s.closed) {
            return;
        }
        s.messageLimit = Credits.saturatedAdd(s.messageLimit, n);
        maybeGrant(s, now);
    }

    /** The peer reports a message of {@code neededBytes} waiting for byte credit on {@code s}. */
    public void onBlocked(ReceiveStream s, long neededBytes, long nowNanos) {
        onBlockedUnchecked(s, neededBytes, nowNanos);
        assert checkInvariants() : "after onBlocked";
    }

    private void onBlockedUnchecked(ReceiveStream s, long neededBytes, long now) {
        s.neededBytes = neededBytes;
        s.idleRevoked = false;
        s.lastActivityNanos = Long.MIN_VALUE;
        if (s.adaptive != null && s.acceptingData) {
            s.adaptive.onBlocked(now, s.bufferedBytes(), growLimitBytes());
        }
        maybeGrant(s, now);
    }

    /**
     * The peer answered our Revoke: it gave back {@code returnedBytes} of unused credit.
     *
     * @throws ProtocolException if no revoke was outstanding or more came back than the peer held
     */
    public void onRevokeAck(ReceiveStream s, long returnedBytes, long nowNanos) {
        onRevokeAckUnchecked(s, returnedBytes, nowNanos);
        assert checkInvariants() : "after onRevokeAck";
    }

    private void onRevokeAckUnchecked(ReceiveStream s, long returnedBytes, long now) {
        if (!s.revokePending) {
            throw ProtocolException.connectionError(
                    ErrorCode.PROTOCOL_ERROR, "stream " + s.id + ": RevokeAck without a Revoke");
        }
        if (returnedBytes < 0 || returnedBytes > s.windowBytes()) {
            throw ProtocolException.connectionError(
                    ErrorCode.FLOW_CONTROL_ERROR,
                    "stream " + s.id + ": RevokeAck returned " + returnedBytes + " bytes, window is "
                            + s.windowBytes());
        }
        s.revokePending = false;
        s.revokedBytes += returnedBytes;
        if (s.adaptive != null) {
            s.adaptive.onRevoked();
        }
        // Stay quiet until the peer says it is blocked: a sender whose credit was revoked reports its
        // need again (a Blocked that crossed the Revoke is superseded by that report).
        s.idleRevoked = true;
        s.neededBytes = 0;
        connectionHoldBytes -= returnedBytes;
        releaseUnheld(s);
        starved.serve(now);
        maybeGrant(s, now); // message credit that came due while the revoke was out (bytes stay quiet)
    }

    /** The peer half-closed {@code s}: it will send nothing more, so its unused credit is freed. */
    public void onRemoteHalfClosed(ReceiveStream s, long nowNanos) {
        onRemoteHalfClosedUnchecked(s, nowNanos);
        assert checkInvariants() : "after onRemoteHalfClosed";
    }

    private void onRemoteHalfClosedUnchecked(ReceiveStream s, long now) {
        if (s.closed || !s.acceptingData) {
            return;
        }
        stopAccepting(s);
        long unused = s.windowBytes();
        s.revokedBytes += unused;
        connectionHoldBytes -= unused;
        starved.set(s, false, false, now);
        releaseUnheld(s);
        starved.serve(now);
    }

    private void stopAccepting(ReceiveStream s) {
        if (s.acceptingData) {
            s.acceptingData = false;
            acceptingStreams--;
            budget.unregisterStream();
        }
    }

    /**
     * The stream is gone (closed, reset, or the connection ended): unconsumed data is discarded and
     * everything the stream held is released. Idempotent.
     */
    public void onStreamClosed(ReceiveStream s, long nowNanos) {
        onStreamClosedUnchecked(s, nowNanos);
        assert checkInvariants() : "after onStreamClosed";
    }

    private void onStreamClosedUnchecked(ReceiveStream s, long now) {
        if (s.closed) {
            return;
        }
        long discarded = s.bufferedBytes();
        connectionReturnableBytes += discarded;
        connectionHoldBytes -= s.holdBytes();
        s.consumedBytes = s.receivedBytes;
        s.consumedMessages = s.receivedMessages;
        s.revokedBytes = s.grantedBytes - s.receivedBytes; // the unused credit is void
        stopAccepting(s);
        s.closed = true;
        starved.set(s, false, false, now);
        budget.release(s.reservedBytes);
        s.reservedBytes = 0;
        removeFromList(s);
        s.stalls.stopAll(now);
        if (!closed) {
            starved.serve(now);
            flushConnectionCredit(discarded > 0);
        }
    }

    /** The connection is gone: release every stream. Idempotent. */
    public void close(long nowNanos) {
        closeUnchecked(nowNanos);
        assert checkInvariants() : "after close";
    }

    private void closeUnchecked(long now) {
        if (closed) {
            return;
        }
        closed = true;
        while (!streams.isEmpty()) {
            onStreamClosed(streams.get(streams.size() - 1), now);
        }
    }

    /** Budget memory was released while this connection waited: retry the starved streams. */
    public void onBudgetAvailable(long nowNanos) {
        onBudgetAvailableUnchecked(nowNanos);
        assert checkInvariants() : "after onBudgetAvailable";
    }

    private void onBudgetAvailableUnchecked(long now) {
        if (!closed) {
            starved.serve(now);
        }
    }

    /**
     * Periodic housekeeping: while some stream is starved, revokes credit from streams that have held it
     * unused for {@link Config#revokeIdleNanos()} and from blocked streams that are not first in line,
     * then retries the starved. Cheap when nothing is starved.
     */
    public void tick(long nowNanos) {
        tickUnchecked(nowNanos);
        assert checkInvariants() : "after tick";
    }

    private void tickUnchecked(long now) {
        if (closed) {
            return;
        }
        if (adaptiveStreams > 0) {
            tickAdaptive(now);
        }
        returnCaughtUpMessageCredit();
        if (!isUnderPressure()) {
            return;
        }
        for (int i = 0; i < streams.size(); i++) {
            ReceiveStream s = streams.get(i);
            if (s.lastActivityNanos == Long.MIN_VALUE) {
                s.lastActivityNanos = now; // active since the last tick: the idle clock starts now
                continue;
            }
            if (s.revokePending || !s.acceptingData || s.windowBytes() <= 0) {
                continue;
            }
            boolean idle = !s.wanting && now - s.lastActivityNanos >= config.revokeIdleNanos();
            // A stream waiting for more than it holds cannot use what it holds; unless it is first in
            // line, that credit goes back to whoever is.
            boolean uselessPartial = s.wanting && s.neededBytes > s.windowBytes() && !starved.hasPriority(s);
            if (idle || uselessPartial) {
                s.revokePending = true;
                sink.writeRevoke(s.id, 0);
            }
        }
        starved.serve(now);
    }

    /**
     * A stream whose application consumed everything that arrived gets back all the message credit it
     * consumed, below the half-window batch too. Batching saves frames while messages flow; once the
     * receiver is caught up, credit held back would only tell a sender that uses returned credit as its
     * signal of consumption (the broker's log commits, which free disk for blocked producers) less than the
     * truth, and nothing more would arrive to complete the batch. At most one frame per such stream per tick.
     */
    private void returnCaughtUpMessageCredit() {
        for (int i = 0; i < streams.size(); i++) {
            ReceiveStream s = streams.get(i);
            if (!s.acceptingData
                    || s.revokePending
                    || s.bufferedMessages() != 0
                    || s.demandDriven
                    || s.messageLimit == Credits.UNLIMITED) {
                continue;
            }
            long room = s.messageLimit - s.grantedMessages;
            if (room > 0) {
                s.grantedMessages = Credits.saturatedAdd(s.grantedMessages, room);
                sink.writeStreamCredit(s.id, 0, room);
            }
        }
    }

    /** Lets the drain side of every adaptive stream measure, even one whose application consumes nothing. */
    private void tickAdaptive(long now) {
        for (int i = 0; i < streams.size(); i++) {
            ReceiveStream s = streams.get(i);
            if (s.adaptive != null && s.acceptingData && s.adaptive.onTick(now, s.consumedBytes, s.bufferedBytes())) {
                maybeGrant(s, now);
            }
        }
    }

    /**
     * How far an adaptive stream may grow: the configured window, or more up to its share of the memory
     * budget and of the connection window (streams that grew past their share of the connection window
     * would only take turns starving each other for it).
     */
    private long growLimitBytes() {
        long connectionShare = config.connectionWindowBytes() / Math.max(1, acceptingStreams);
        return Math.max(config.streamWindowBytes(), Math.min(budget.fairShareBytes(), connectionShare));
    }

    private boolean isUnderPressure() {
        return !starved.isEmpty() || budget.isUnderPressure();
    }

    /**
     * The byte target for {@code s} ({@link GrantPolicy#targetBytes}): its window, cut to a fair share while
     * memory is short, then raised to a blocked message's size. Records the target and its reason on the stream.
     */
    private long targetBytes(ReceiveStream s) {
        long window = s.adaptive == null ? config.streamWindowBytes() : s.adaptive.targetBytes();
        // Growth past the configured window stays within the stream's shares of the budget and connection.
        long growLimit = s.adaptive != null ? growLimitBytes() : GrantPolicy.NO_LIMIT;
        long connectionShare = !starved.isEmpty() || starved.isServing(s)
                ? config.connectionWindowBytes() / Math.max(1, acceptingStreams)
                : GrantPolicy.NO_LIMIT;
        long budgetShare = (starved.isServing(s) && s.ticket != 0) || budget.isUnderPressure()
                ? budget.fairShareBytes()
                : GrantPolicy.NO_LIMIT;
        long target = GrantPolicy.targetBytes(
                window,
                config.connectionWindowBytes(),
                growLimit,
                connectionShare,
                budgetShare,
                config.minGrantBytes());
        s.targetBytes = target;
        s.targetReason =
                GrantPolicy.reason(s.adaptive != null, target, window, s.adaptive == null ? null : s.adaptive.reason());
        return GrantPolicy.raisedTarget(target, s.neededBytes);
    }

    private void maybeGrant(ReceiveStream s, long now) {
        if (!s.acceptingData || s.revokePending) {
            return;
        }
        long messages = GrantPolicy.messagesDue(
                s.messageLimit, s.grantedMessages, s.windowMessages(), s.demandDriven, config.streamWindowMessages());
        long bytes = 0;
        long due = GrantPolicy.bytesDue(targetBytes(s), s.holdBytes(), s.windowBytes(), s.neededBytes, s.idleRevoked);
        boolean bytesDue = due > 0;
        boolean budgetShort = false;
        if (bytesDue) {
            // A blocked stream that is not first in line takes all its message needs or nothing: partial
            // credit it cannot use would only hold memory that the first in line is waiting for.
            long required = GrantPolicy.requiredBytes(s.neededBytes, s.windowBytes());
            boolean allOrNothing = required > 0 && !starved.hasPriority(s);
            long allowed = GrantPolicy.allowedBytes(
                    due, config.connectionWindowBytes() - connectionHoldBytes, required, allOrNothing);
            long unheld = s.reservedBytes - s.holdBytes();
            long fromReserve = Math.min(allowed, unheld);
            long extra = allowed - fromReserve;
            long reserved = allOrNothing ? (budget.tryReserveExactly(extra) ? extra : 0) : budget.tryReserve(extra);
            budgetShort = reserved < extra;
            s.reservedBytes += reserved;
            bytes = allOrNothing && budgetShort ? 0 : fromReserve + reserved;
            if (bytes == 0 && allOrNothing) {
                releaseUnheld(s);
            }
        }
        if (bytes > 0 || messages > 0) {
            if (bytes > 0) {
                s.lastActivityNanos = Long.MIN_VALUE; // just granted: not idle
                if (s.adaptive != null) {
                    s.adaptive.onGrant(now, s.grantedBytes);
                }
            }
            s.grantedBytes += bytes;
            s.grantedMessages = Credits.saturatedAdd(s.grantedMessages, messages);
            connectionHoldBytes += bytes;
            flushConnectionCredit(true);
            sink.writeStreamCredit(s.id, bytes, messages);
            if (s.windowBytes() > 0 && s.windowMessages() > 0) {
                s.stalls.set(StallReason.APPLICATION_NOT_READING, false, now);
            }
        }
        if (bytesDue) {
            boolean stillShort = s.windowBytes() < Math.max(1, s.neededBytes);
            starved.set(s, stillShort, stillShort && budgetShort, now);
            if (stillShort && budgetShort) {
                budget.awaitRelease(budgetWaiter);
            }
        }
    }

    /** Gives back budget memory the stream reserved but does not hold. */
    private void releaseUnheld(ReceiveStream s) {
        long unheld = s.reservedBytes - s.holdBytes();
        if (unheld > 0) {
            s.reservedBytes -= unheld;
            budget.release(unheld);
        }
    }

    private void flushConnectionCredit(boolean force) {
        long bytes = connectionReturnableBytes;
        if (bytes > 0 && (force || bytes >= config.connectionWindowBytes() / 2)) {
            connectionReturnableBytes = 0;
            connectionGrantedBytes = Credits.saturatedAdd(connectionGrantedBytes, bytes);
            sink.writeConnectionCredit(bytes);
        }
    }

    /**
     * The accounting invariants of docs/protocol.md 6.1, checked after every public mutator behind {@code assert}
     * (tests and the soak run with {@code -ea}; production pays nothing). A violation is a bug in this class, never
     * the peer's fault: the peer's violations are {@link ProtocolException}s raised before any total moves.
     *
     * @return true (so that it can sit in an {@code assert}); throws {@link AssertionError} naming the broken rule
     */
    boolean checkInvariants() {
        long hold = 0;
        for (int i = 0; i < streams.size(); i++) {
            ReceiveStream s = streams.get(i);
            require(s.index == i && !s.closed, s, "a listed stream is closed or misplaced");
            require(s.bufferedBytes() >= 0 && s.bufferedMessages() >= 0, s, "consumed more than received");
            require(s.windowBytes() >= 0, s, "received or revoked more than granted");
            require(s.holdBytes() >= 0, s, "negative hold");
            require(s.reservedBytes >= 0, s, "negative reservation");
            hold += s.holdBytes();
        }
        require(
                hold == connectionHoldBytes,
                null,
                "the streams hold " + hold + " bytes, the connection counts " + connectionHoldBytes);
        require(connectionGrantedBytes >= connectionReceivedBytes, null, "received beyond the connection grant");
        require(connectionReturnableBytes >= 0, null, "negative returnable connection credit");
        require(starved.allStarvedAndOpen(), null, "the starved queue holds a stream that is not starved");
        require(budget.reservedBytes() <= budget.limitBytes(), null, "the budget is over its limit");
        return true;
    }

    private static void require(boolean rule, ReceiveStream s, String what) {
        if (!rule) {
            throw new AssertionError((s == null ? "connection" : "stream " + s.id) + ": " + what);
        }
    }

    private void removeFromList(ReceiveStream s) {
        if (s.adaptive != null) {
            adaptiveStreams--;
        }
        int i = s.index;
        ReceiveStream last = streams.remove(streams.size() - 1);
        if (last != s) {
            streams.set(i, last);
            last.index = i;
        }
        s.index = -1;
    }

    /** Connection credit the peer still has, as far as this receiver knows. */
    public long connectionWindowBytes() {
        return connectionGrantedBytes - connectionReceivedBytes;
    }

    /** Bytes all streams of this connection hold (unused credit plus unconsumed data). */
    public long connectionHoldBytes() {
        return connectionHoldBytes;
    }

    public long connectionReceivedBytes() {
        return connectionReceivedBytes;
    }

    /** Streams waiting for credit that memory could not yet provide. */
    public int starvedStreams() {
        return starved.size();
    }

    public int openStreams() {
        return streams.size();
    }
}
