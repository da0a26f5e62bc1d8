package io.creditflow.transport.internal;

import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.codec.FrameReader;
import io.creditflow.proto.core.Credits;
import io.creditflow.proto.core.InboundFlowController;
import io.creditflow.proto.wire.Blocked;
import io.creditflow.proto.wire.Credit;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.GoAway;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Ping;
import io.creditflow.proto.wire.Pong;
import io.creditflow.proto.wire.Reset;
import io.creditflow.proto.wire.Revoke;
import io.creditflow.proto.wire.RevokeAck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;

/**
 * Inbound dispatch: the rules of each frame type and where it goes (the stream registry, the flow
 * controllers, the defenses, the closer); a peer's Open goes to {@link StreamAcceptor}. A stream error resets that stream and decoding goes on; a
 * connection error propagates and decoding stops. Model: Netty's DefaultHttp2ConnectionDecoder.
 *
 * <p>Event-loop confined.
 */
final class InboundFrames implements FrameReader.Listener {

    private final StreamHost host;
    private final EndpointSettings settings;
    private final StreamRegistry registry;
    private final InboundFlowController flow;
    private final ConnectionCloser closer;
    private final ConnectionTimers timers;
    private final Channel channel;
    private final PingPolicer pings;
    private final EmptyFrameLimit emptyFrames;
    private final ResetBudgets resets;
    /** Peer-opened streams: refusals, the application's decision, registration. */
    private final StreamAcceptor opens;
    /** Runs once the peer's handshake is accepted (the handler starts its ticks). */
    private final Runnable onHandshaken;

    private final boolean client;

    InboundFrames(
            StreamHost host,
            ConnectionCloser closer,
            ConnectionTimers timers,
            Channel channel,
            boolean client,
            Runnable onHandshaken) {
        this.host = host;
        this.settings = host.settings;
        this.registry = host.registry;
        this.flow = host.flow;
        this.closer = closer;
        this.timers = timers;
        this.channel = channel;
        this.client = client;
        this.onHandshaken = onHandshaken;
        EndpointSettings.Defenses limits = settings.defenses();
        this.pings = new PingPolicer(limits.minPingIntervalNanos(), limits.maxPingStrikes());
        this.emptyFrames = new EmptyFrameLimit(limits.maxConsecutiveEmptyFrames());
        this.resets = new ResetBudgets(limits);
        this.opens = new StreamAcceptor(host, resets);
    }

    @Override
    public void onData(int streamId, ByteBuf payload, int frameBytes) {
        assert channel.eventLoop().inEventLoop();
        try {
            handleData(streamId, payload, frameBytes);
        } catch (ProtocolException e) {
            if (e.isConnectionError()) {
                throw e; // decoding stops; the connection closes
            }
            onProtocolException(e); // a stream error: reset that stream and keep decoding this read
        }
    }

    private void handleData(int streamId, ByteBuf payload, int frameBytes) {
        boolean handedOver = false;
        try {
            if (!host.lifecycle.acceptsInput()) {
                return; // frames after a close in the same read are discarded
            }
            if (!host.connection().handshaken()) {
                throw ErrorCodes.connectionError(ErrorCode.PROTOCOL_ERROR, "expected Handshake as the first frame");
            }
            int size = payload.readableBytes();
            if (size > settings.frames().maxMessageBytes()) {
                throw ErrorCodes.connectionError(
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "message of " + size + " bytes exceeds max_message_bytes "
                                + settings.frames().maxMessageBytes());
            }
            DefaultStream s = registry.get(streamId);
            if (s == null || s.transport.receive == null) {
                registry.classifyUnknownStream(streamId, "Data");
                if (size == 0) {
                    emptyFrames.onEmptyFrame(); // discarded for free: bounded only by this limit
                }
                flow.onDiscardedData(size);
                return;
            }
            if (!s.transport.state.canReceive()) {
                flow.onDiscardedData(size);
                throw ErrorCodes.streamError(ErrorCode.STREAM_CLOSED, streamId, "data after the peer half-closed");
            }
            if (size == 0 && s.transport.receive.windowMessages() == Credits.UNLIMITED) {
                // Empty messages cost no byte credit; with unlimited message credit they would cost nothing.
                emptyFrames.onEmptyFrame();
            } else {
                emptyFrames.onNonEmptyFrame();
            }
            flow.onData(s.transport.receive, size, host.time.now());
            host.connection().onBytesReceived(size);
            host.pressure.onArrived(frameBytes);
            s.transport.unconsumedWireBytes += frameBytes;
            handedOver = true;
            s.transport.onData(payload, frameBytes);
        } finally {
            if (!handedOver) {
                payload.release();
            }
        }
    }

    @Override
    public void onControl(Frame frame, int frameBytes) {
        assert channel.eventLoop().inEventLoop();
        try {
            handleControl(frame, frameBytes);
        } catch (ProtocolException e) {
            if (e.isConnectionError()) {
                throw e;
            }
            onProtocolException(e);
        }
    }

    private void handleControl(Frame frame, int frameBytes) {
        if (!host.lifecycle.acceptsInput()) {
            return; // frames after a close in the same read are discarded
        }
        if (!host.connection().handshaken()) {
            if (frame.hasGoAway()) {
                onGoAway(frame.getGoAway()); // refused before the handshake (authentication, version)
                return;
            }
            if (!frame.hasHandshake()) {
                throw ErrorCodes.connectionError(
                        ErrorCode.PROTOCOL_ERROR, "expected Handshake as the first frame, got " + frame.getBodyCase());
            }
            onHandshake(frame.getHandshake());
            return;
        }
        switch (frame.getBodyCase()) {
            case HANDSHAKE -> throw ErrorCodes.connectionError(ErrorCode.PROTOCOL_ERROR, "second Handshake");
            case OPEN -> opens.onOpen(frame.getOpen());
            case DATA -> handleData(frame.getData().getStreamId(), FrameReader.payloadOf(frame), frameBytes);
            case CREDIT -> onCredit(frame.getCredit());
            case HALF_CLOSE -> onHalfClose(frame.getHalfClose().getStreamId());
            case RESET -> onReset(frame.getReset());
            case PING -> onPing(frame.getPing());
            case PONG -> timers.onPong();
            case GO_AWAY -> onGoAway(frame.getGoAway());
            case REVOKE -> onRevoke(frame.getRevoke());
            case REVOKE_ACK -> onRevokeAck(frame.getRevokeAck());
            case BLOCKED -> onBlocked(frame.getBlocked());
            case BODY_NOT_SET -> {
                // An empty frame or a frame type from a newer version: ignored (extension point), but counted
                // like empty data frames: they cost parsing and carry nothing, so a run of them is bounded.
                emptyFrames.onEmptyFrame();
            }
        }
    }

    private void onHandshake(Handshake h) {
        int peerMaxMessageBytes = Handshakes.checkPeer(h);
        String principal = "";
        if (!client) {
            principal = Handshakes.authenticate(settings, h, channel.remoteAddress());
            host.out.writeControl(Handshakes.ours(settings, false));
        }
        host.writes.start(h.getSettings().getInitialConnectionWindowBytes());
        onHandshaken.run(); // before the handshake future completes: its callbacks see a running connection
        host.connection().onHandshake(h.getSettings(), peerMaxMessageBytes, principal);
    }

    private void onCredit(Credit credit) {
        int id = credit.getStreamId();
        long bytes = Credits.fromUint64(credit.getBytes());
        long messages = Credits.fromUint64(credit.getMessages());
        if (bytes == 0 && messages == 0) {
            throw ErrorCodes.connectionError(ErrorCode.PROTOCOL_ERROR, "Credit of zero on stream " + id);
        }
        if (id == 0) {
            if (messages != 0) {
                throw ErrorCodes.connectionError(ErrorCode.PROTOCOL_ERROR, "connection-scope Credit with messages");
            }
            host.writes.addConnectionCredit(bytes);
            return;
        }
        DefaultStream s = registry.get(id);
        if (s == null) {
            registry.classifyUnknownStream(id, "Credit");
            return;
        }
        s.transport.onCredit(bytes, messages);
        host.writes.onStreamChanged(s);
    }

    private void onHalfClose(int id) {
        DefaultStream s = registry.get(id);
        if (s == null) {
            registry.classifyUnknownStream(id, "HalfClose");
            return;
        }
        if (!s.transport.state.canReceive()) {
            throw ErrorCodes.streamError(ErrorCode.STREAM_CLOSED, id, "second HalfClose");
        }
        s.transport.onRemoteHalfClosed();
        flow.onRemoteHalfClosed(s.transport.receive, host.time.now());
        s.transport.onRemoteHalfClose();
        registry.maybeFinish(s);
    }

    private void onReset(Reset reset) {
        resets.onResetReceived(host.time.now());
        int id = reset.getStreamId();
        DefaultStream s = registry.get(id);
        if (s == null) {
            registry.classifyUnknownStream(id, "Reset");
            return;
        }
        registry.remove(s);
        s.transport.closeWith(new CloseStatus(
                ErrorCodes.fromWire(reset.getCodeValue()),
                ErrorCodes.describe(reset.getCodeValue(), OutboundFrames.truncate(reset.getReason())),
                true,
                0));
    }

    private void onPing(Ping ping) {
        pings.onPing(host.time.now());
        host.out.writeControl(Frame.newBuilder()
                .setPong(Pong.newBuilder().setPayload(ping.getPayload()))
                .build());
    }

    private void onGoAway(GoAway goAway) {
        host.lifecycle.onGoAwayReceived();
        int last = goAway.getLastStreamId();
        String reason = OutboundFrames.truncate(goAway.getReason());
        for (DefaultStream s : registry.snapshot()) {
            if (s.local && Integer.compareUnsigned(s.id, last) > 0) {
                registry.remove(s);
                s.transport.closeWith(
                        new CloseStatus(ErrorCode.REFUSED_STREAM, "peer is going away: " + reason, true, 0));
            }
        }
        ErrorCode code = ErrorCodes.fromWire(goAway.getCodeValue());
        if (goAway.getCodeValue() != ErrorCode.NO_ERROR.wireValue()) {
            closer.closeWith(new CloseStatus(code, ErrorCodes.describe(goAway.getCodeValue(), reason), true, 0), false);
        } else {
            closer.recordIfAbsent(new CloseStatus(ErrorCode.NO_ERROR, reason, true, 0));
            closer.closeIfDrained();
        }
    }

    private void onRevoke(Revoke revoke) {
        int id = revoke.getStreamId();
        DefaultStream s = registry.get(id);
        long returned = 0;
        if (s == null) {
            registry.classifyUnknownStream(id, "Revoke");
        } else if (s.transport.state.canSend()) {
            returned = s.transport.sendWindow().revoke(Credits.fromUint64(revoke.getKeepBytes()));
            host.writes.onStreamChanged(s); // re-evaluate: a waiting message is reported as Blocked again
        }
        host.out.writeControl(Frame.newBuilder()
                .setRevokeAck(RevokeAck.newBuilder().setStreamId(id).setReturnedBytes(returned))
                .build());
    }

    private void onRevokeAck(RevokeAck ack) {
        int id = ack.getStreamId();
        DefaultStream s = registry.get(id);
        if (s == null) {
            registry.classifyUnknownStream(id, "RevokeAck");
            return;
        }
        flow.onRevokeAck(s.transport.receive, Credits.fromUint64(ack.getReturnedBytes()), host.time.now());
    }

    private void onBlocked(Blocked blocked) {
        int id = blocked.getStreamId();
        long needed = Credits.fromUint64(blocked.getNeededBytes());
        if (needed > settings.frames().maxMessageBytes()) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    "Blocked for " + needed + " bytes, more than max_message_bytes "
                            + settings.frames().maxMessageBytes());
        }
        DefaultStream s = registry.get(id);
        if (s == null) {
            registry.classifyUnknownStream(id, "Blocked");
            return;
        }
        if (s.transport.state.canReceive()) {
            flow.onBlocked(s.transport.receive, needed, host.time.now());
        }
    }

    /** A protocol error: a connection error closes the connection, a stream error resets its stream. */
    void onProtocolException(ProtocolException e) {
        assert channel.eventLoop().inEventLoop();
        if (e.isConnectionError()) {
            closer.connectionError(e);
            return;
        }
        opens.countPeerCausedReset(); // its stream error made us send a reset
        DefaultStream s = registry.get(e.streamId());
        if (s != null) {
            registry.resetStream(s, ErrorCodes.fromWire(e.code()), e.getMessage());
        } else {
            host.out.writeReset(e.streamId(), ErrorCodes.fromWire(e.code()), e.getMessage());
        }
        host.out.flushIfNeeded();
    }
}
