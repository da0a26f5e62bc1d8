package io.creditflow.transport.internal;

import io.creditflow.proto.wire.Open;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Accepting a stream the peer opened: the refusals the protocol makes (shutting down, max_concurrent_streams,
 * metadata limits), the application's decision (the {@link io.creditflow.transport.StreamHandler} and the
 * listener's {@code onOpen}), then registration. Every refusal the peer caused counts against the
 * MadeYouReset budget of {@link ResetBudgets}, so a peer cannot make us reset streams without bound.
 *
 * <p>Event-loop confined.
 */
final class StreamAcceptor {
    private static final System.Logger LOG = System.getLogger(StreamAcceptor.class.getName());

    private final StreamHost host;
    private final EndpointSettings settings;
    private final StreamRegistry registry;
    private final ResetBudgets resets;

    StreamAcceptor(StreamHost host, ResetBudgets resets) {
        this.host = host;
        this.settings = host.settings;
        this.registry = host.registry;
        this.resets = resets;
    }

    /** An Open frame: accepts the stream, or answers it with a Reset (a stream-level refusal). */
    void onOpen(Open open) {
        assert host.inEventLoop();
        int id = open.getStreamId();
        registry.acceptRemoteId(id);
        if (host.lifecycle.goAwaySent()) {
            host.out.writeReset(id, ErrorCode.REFUSED_STREAM, "endpoint is shutting down");
            return;
        }
        EndpointSettings.FrameLimits limits = settings.frames();
        if (registry.remoteOpen() >= limits.maxConcurrentStreams()) {
            countPeerCausedReset();
            host.out.writeReset(
                    id,
                    ErrorCode.REFUSED_STREAM,
                    "max_concurrent_streams " + limits.maxConcurrentStreams() + " reached");
            return;
        }
        Map<String, String> metadata = open.getMetadataMap();
        if (metadata.size() > limits.maxMetadataEntries() || metadataBytes(metadata) > limits.maxMetadataBytes()) {
            countPeerCausedReset();
            host.out.writeReset(
                    id,
                    ErrorCode.PROTOCOL_ERROR,
                    "metadata exceeds " + limits.maxMetadataEntries() + " entries or " + limits.maxMetadataBytes()
                            + " bytes");
            return;
        }
        DefaultStream stream = new DefaultStream(host, id, false, metadata, settings.acceptedStreamOptions());
        if (bindToApplication(stream)) {
            registry.countRemoteOpen();
            registry.register(stream);
        }
    }

    /** Asks the application for a listener and binds it; false if the stream was refused (and reset). */
    private boolean bindToApplication(DefaultStream stream) {
        StreamListener listener;
        try {
            listener = settings.streamHandler().onStream(stream);
        } catch (StreamRejectedException e) {
            refuse(stream, e.code(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream handler failed for stream " + stream.id, e);
            refuse(stream, ErrorCode.APPLICATION_ERROR, "stream handler failed: " + e);
            return false;
        }
        if (listener == null) {
            refuse(stream, ErrorCode.REFUSED_STREAM, "refused by the stream handler");
            return false;
        }
        try {
            stream.bind(listener);
        } catch (StreamRejectedException e) {
            refuse(stream, e.code(), e.getMessage()); // onOpen refused it, with its own code
            return false;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stream " + stream.id + ": onOpen threw", e);
            refuse(stream, ErrorCode.APPLICATION_ERROR, "onOpen threw " + e);
            return false;
        }
        return true;
    }

    /**
     * The application refused a stream the peer opened. The refusal is a reset the peer caused (bad
     * metadata, a denied permission): it counts against the same budget as the protocol's own refusals, so
     * a client cannot make us reset streams without bound by asking for what it may not have.
     */
    private void refuse(DefaultStream stream, ErrorCode code, String reason) {
        stream.transport.closeWith(new CloseStatus(code, reason, false, 0));
        countPeerCausedReset();
        host.out.writeReset(stream.id, code, reason);
    }

    /** A reset the peer made us send (a refusal or its stream error): budgeted against MadeYouReset. */
    void countPeerCausedReset() {
        resets.onPeerCausedReset(host.time.now());
    }

    /** The UTF-8 size of the keys and values, as max_metadata_bytes counts it. */
    static int metadataBytes(Map<String, String> metadata) {
        int bytes = 0;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            bytes += e.getKey().getBytes(StandardCharsets.UTF_8).length
                    + e.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return bytes;
    }
}
