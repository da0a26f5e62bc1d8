package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.core.AdaptiveWindow;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.core.StreamState;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.netty.channel.EventLoop;
import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The streams of one connection: the live ones by id, the ids (parity by role, the next local one, the
 * highest local and last remote ones, for telling a closed stream from one never opened), the open counts
 * per side, and the stream-level transitions that add or remove one (register, finish, reset). Model:
 * Netty's DefaultHttp2Connection.
 *
 * <p>Event-loop confined, except {@link #allocateLocalId}, {@link #localOpen} and {@link #size}, which any
 * thread may call (the local count is atomic, the id allocation is under a lock, the size is a racy read
 * for statistics).
 */
final class StreamRegistry {
    private static final System.Logger LOG = System.getLogger(StreamRegistry.class.getName());

    private final boolean client;
    private final IntObjectHashMap<DefaultStream> streams = new IntObjectHashMap<>();
    private final AtomicInteger localOpen = new AtomicInteger();
    private final Object idLock = new Object();
    private final EndpointSettings settings;
    private final LoopClock time;
    private final InboundFlowController flow;
    private final OutboundFrames out;
    private final StreamWrites writes;
    private final ReadPressure pressure;
    private final ConnectionTimers timers;
    private final EventLoop loop;
    /** Called after a stream is removed: closes a draining connection once no stream is left. */
    private Runnable afterRemove = () -> {};
    /** Guarded by {@link #idLock}. */
    private int nextLocalId;

    private int highestLocalId;
    private int lastRemoteId;
    private int remoteOpen;

    StreamRegistry(
            boolean client,
            EndpointSettings settings,
            LoopClock time,
            InboundFlowController flow,
            OutboundFrames out,
            StreamWrites writes,
            ReadPressure pressure,
            ConnectionTimers timers,
            EventLoop loop) {
        this.client = client;
        this.settings = settings;
        this.time = time;
        this.flow = flow;
        this.out = out;
        this.writes = writes;
        this.pressure = pressure;
        this.timers = timers;
        this.loop = loop;
        this.nextLocalId = client ? 1 : 2;
    }

    /** Wiring: runs after each removal (the closer's drain check). */
    void afterRemove(Runnable action) {
        this.afterRemove = action;
    }

    /** True for ids the peer opens (even ones if we are the client). */
    boolean isRemoteId(int id) {
        return (id & 1) == (client ? 0 : 1);
    }

    /** The live stream with this id, or null. */
    DefaultStream get(int id) {
        return streams.get(id);
    }

    /** The live streams, a copy. */
    List<DefaultStream> snapshot() {
        return new ArrayList<>(streams.values());
    }

    /** Live streams (any thread: a racy read, for statistics). */
    int size() {
        return streams.size();
    }

    /** No stream is live and none is being opened locally. */
    boolean isDrained() {
        return streams.isEmpty() && localOpen.get() == 0;
    }

    /** Streams we opened and that have not ended (any thread). */
    int localOpen() {
        return localOpen.get();
    }

    /** The stream ids the peer opened, as counted for max_concurrent_streams. */
    int remoteOpen() {
        return remoteOpen;
    }

    /** The highest stream id the peer opened (the GoAway's last stream id). */
    int lastRemoteId() {
        return lastRemoteId;
    }

    /**
     * The peer opens stream {@code id}: it must be of the peer's parity and above the last one.
     *
     * @throws ProtocolException a connection error otherwise
     */
    void acceptRemoteId(int id) {
        assert loop.inEventLoop();
        if (id <= 0 || !isRemoteId(id)) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    "Open with stream id " + Integer.toUnsignedString(id) + " (expected: " + (client ? "even" : "odd")
                            + ", > 0)");
        }
        if (id <= lastRemoteId) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR, "Open with stream id " + id + " not above the last one, " + lastRemoteId);
        }
        lastRemoteId = id;
    }

    /**
     * Any thread, under the caller's checks: the id of a new local stream, counted as open.
     *
     * @return the id, or -1 if the ids are exhausted
     */
    int allocateLocalId() {
        synchronized (idLock) {
            if (nextLocalId < 0) {
                return -1;
            }
            int id = nextLocalId;
            nextLocalId += 2;
            return id;
        }
    }

    /** The lock under which local streams are opened, so that their Opens are queued in id order. */
    Object idLock() {
        return idLock;
    }

    /** Any thread: a local stream is being opened. */
    void countLocalOpen() {
        localOpen.incrementAndGet();
    }

    /** A local stream was refused before it was registered. */
    void uncountLocalOpen() {
        localOpen.decrementAndGet();
    }

    /** Our Open for {@code id} is being written. */
    void onLocalOpenWritten(int id) {
        highestLocalId = id;
    }

    /** A stream the peer opened was accepted. */
    void countRemoteOpen() {
        remoteOpen++;
    }

    /**
     * A frame named a stream that is not open: fine if the stream existed and closed (frames in flight),
     * a connection error if it never existed.
     */
    void classifyUnknownStream(int streamId, String frameType) {
        if (streamId <= 0) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    frameType + " on invalid stream id " + Integer.toUnsignedString(streamId));
        }
        boolean idle = isRemoteId(streamId) ? streamId > lastRemoteId : streamId > highestLocalId;
        if (idle) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR, frameType + " on idle stream " + streamId + " (never opened)");
        }
    }

    /** Makes the stream live on this loop: receive accounting, initial credit, pending writes. */
    void register(DefaultStream stream) {
        assert loop.inEventLoop();
        streams.put(stream.id, stream);
        timers.onStreamOpened();
        long now = time.now();
        stream.transport.receive =
                flow.openStream(stream.id, stream.pushMode, stream.transport.stalls, adaptiveSettings(stream), now);
        stream.transport.onWindowTargetChanged();
        stream.transport.register(writes.flow()); // after the handshake: the send side exists
        if (stream.transport.earlyDemand > 0) {
            flow.onDemand(stream.transport.receive, stream.transport.earlyDemand, now);
            stream.transport.earlyDemand = 0;
        }
        if (!stream.sendQueue.isEmpty() || stream.sendQueue.isFinishing()) {
            writes.requestWrite(stream);
        }
    }

    /** The stream's adaptive-window bounds, or null for a fixed window (its options, else the endpoint's). */
    private AdaptiveWindow.Settings adaptiveSettings(DefaultStream stream) {
        boolean adaptive = switch (stream.windowMode) {
            case ADAPTIVE -> true;
            case FIXED -> false;
            case ENDPOINT_DEFAULT -> settings.adaptive().byDefault();
        };
        return adaptive ? settings.adaptive().bounds() : null;
    }

    /** Writes our HalfClose for {@code s} and finishes it if both directions ended. */
    void writeHalfClose(DefaultStream s) {
        assert loop.inEventLoop();
        out.writeControl(Frame.newBuilder()
                .setHalfClose(HalfClose.newBuilder().setStreamId(s.id))
                .build());
        s.transport.onLocalHalfClosed();
        maybeFinish(s);
    }

    /** The application consumed data from {@code s} (push: after onMessage; pull: messages closed). */
    void onConsumed(DefaultStream s, long bytes, long messages, long wireBytes) {
        if (s.transport.receive == null || s.transport.receive.isClosed()) {
            return; // already released in full when the stream was removed
        }
        pressure.onReleased(wireBytes);
        s.transport.unconsumedWireBytes -= wireBytes;
        flow.onConsumed(s.transport.receive, bytes, messages, time.now());
        s.transport.onWindowTargetChanged();
        pressure.maybeResume();
        maybeFinish(s);
    }

    /** Resets a stream: tells the peer, then closes it locally. */
    void resetStream(DefaultStream s, ErrorCode code, String reason) {
        assert loop.inEventLoop();
        if (s.transport.isClosed()) {
            return;
        }
        if (s.transport.registered()) {
            out.writeReset(s.id, code, reason);
            remove(s);
        }
        s.transport.closeWith(new CloseStatus(code, OutboundFrames.truncate(reason), false, 0));
        out.flushIfNeeded();
    }

    /** A listener callback of {@code s} threw: the stream is reset (unless it was already closing). */
    void onListenerFailure(DefaultStream s, String callback, RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "stream " + s.id + ": " + callback + " threw", e);
        if (!"onClose".equals(callback)) {
            resetStream(s, ErrorCode.APPLICATION_ERROR, callback + " threw " + e);
        }
    }

    /** Closes a stream whose both directions ended cleanly once the application took everything. */
    void maybeFinish(DefaultStream s) {
        if (s.transport.state == StreamState.CLOSED && !s.transport.isClosed() && s.transport.receiveDrained()) {
            remove(s);
            s.transport.closeWith(CloseStatus.OK);
        }
    }

    /** Forgets {@code s}: releases its receive accounting and unconsumed bytes; the caller closes it. */
    void remove(DefaultStream s) {
        assert loop.inEventLoop();
        if (streams.remove(s.id) == null) {
            return;
        }
        long now = time.now();
        if (s.transport.receive != null) {
            flow.onStreamClosed(s.transport.receive, now);
        }
        pressure.onReleased(s.transport.unconsumedWireBytes);
        s.transport.unconsumedWireBytes = 0;
        pressure.maybeResume();
        if (streams.isEmpty()) {
            timers.onNoStreams(now);
        }
        if (s.local) {
            localOpen.decrementAndGet();
        } else {
            remoteOpen--;
        }
        afterRemove.run();
    }

    /** Teardown: forgets every stream and returns them, for the caller to close. */
    List<DefaultStream> removeAll() {
        assert loop.inEventLoop();
        List<DefaultStream> all = snapshot();
        streams.clear();
        return all;
    }
}
