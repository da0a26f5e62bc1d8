package io.creditflow.transport.internal;

import com.google.protobuf.ByteString;
import io.creditflow.proto.ProtocolException;
import io.creditflow.proto.codec.FrameWriter;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Handshake;
import io.creditflow.proto.wire.Settings;
import io.creditflow.transport.ErrorCode;
import java.net.SocketAddress;

/**
 * The connection preface: our Handshake frame, and the checks of the peer's (magic, version, settings,
 * and on the accepting side the credential and its authentication). Model: Netty's Http2ConnectionHandler
 * preface and the decoder's {@code onSettingsRead}.
 *
 * <p>Stateless apart from the settings; thread-safe. The authenticator runs on the caller's thread (the
 * event loop).
 */
final class Handshakes {
    private static final System.Logger LOG = System.getLogger(Handshakes.class.getName());
    /** The protocol version this implementation speaks. */
    static final int PROTOCOL_VERSION = 1;

    static final String MAGIC = "creditflow";

    private Handshakes() {}

    /** Our Handshake: our settings, and the credential if {@code client}. */
    static Frame ours(EndpointSettings settings, boolean client) {
        Settings ours = Settings.newBuilder()
                .setMaxFrameBytes(settings.frames().maxFrameBytes())
                .setMaxMessageBytes(settings.frames().maxMessageBytes())
                .setMaxConcurrentStreams(settings.frames().maxConcurrentStreams())
                .setInitialConnectionWindowBytes(settings.flow().connectionWindowBytes())
                .setInitialStreamWindowBytes(settings.flow().streamWindowBytes())
                .setInitialStreamWindowMessages(settings.flow().streamWindowMessages())
                .setMaxMetadataBytes(settings.frames().maxMetadataBytes())
                .setMaxMetadataEntries(settings.frames().maxMetadataEntries())
                .build();
        return Frame.newBuilder()
                .setHandshake(Handshake.newBuilder()
                        .setMagic(MAGIC)
                        .setProtocolVersion(PROTOCOL_VERSION)
                        .setSettings(ours)
                        .setCredential(
                                ByteString.copyFrom(client ? settings.security().credential() : new byte[0])))
                .build();
    }

    /**
     * Checks the peer's magic, version and settings.
     *
     * @return the peer's max_message_bytes
     * @throws ProtocolException a connection error if any is wrong
     */
    static int checkPeer(Handshake h) {
        if (!MAGIC.equals(h.getMagic())) {
            throw ErrorCodes.connectionError(ErrorCode.PROTOCOL_ERROR, "not a creditflow peer");
        }
        if (h.getProtocolVersion() != PROTOCOL_VERSION) {
            throw ErrorCodes.connectionError(
                    ErrorCode.UNSUPPORTED_VERSION,
                    "peer speaks protocol version " + h.getProtocolVersion() + ", this endpoint speaks "
                            + PROTOCOL_VERSION);
        }
        Settings s = h.getSettings();
        long maxFrame = Integer.toUnsignedLong(s.getMaxFrameBytes());
        long maxMessage = Integer.toUnsignedLong(s.getMaxMessageBytes());
        if (maxMessage == 0
                || maxMessage > EndpointSettings.MAX_MESSAGE_BYTES_LIMIT
                || maxFrame < maxMessage + FrameWriter.MAX_DATA_HEADER_BYTES
                || Long.compareUnsigned(s.getInitialConnectionWindowBytes(), maxMessage) < 0
                || s.getMaxMetadataBytes() == 0) {
            throw ErrorCodes.connectionError(
                    ErrorCode.PROTOCOL_ERROR,
                    "bad settings: max_frame_bytes="
                            + maxFrame + ", max_message_bytes=" + maxMessage + ", initial_connection_window_bytes="
                            + s.getInitialConnectionWindowBytes() + ", max_metadata_bytes=" + s.getMaxMetadataBytes());
        }
        return (int) maxMessage;
    }

    /**
     * Accepting side: authenticates the client's credential.
     *
     * @return the principal
     * @throws ProtocolException AUTHENTICATION_FAILED if the credential is too large or rejected
     */
    static String authenticate(EndpointSettings settings, Handshake h, SocketAddress remote) {
        if (h.getCredential().size() > EndpointSettings.MAX_CREDENTIAL_BYTES) {
            throw ErrorCodes.connectionError(
                    ErrorCode.AUTHENTICATION_FAILED,
                    "credential of "
                            + h.getCredential().size() + " bytes exceeds the limit of "
                            + EndpointSettings.MAX_CREDENTIAL_BYTES);
        }
        String who;
        try {
            who = settings.security()
                    .authenticator()
                    .authenticate(h.getCredential().toByteArray(), remote);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "authenticator failed for " + remote, e);
            who = null;
        }
        if (who == null) {
            throw ErrorCodes.connectionError(ErrorCode.AUTHENTICATION_FAILED, "credential rejected");
        }
        return who;
    }
}
