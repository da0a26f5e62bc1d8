package io.creditflow.transport.internal;

import io.creditflow.transport.TlsOptions;
import io.netty.channel.Channel;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import javax.net.ssl.SSLException;

/**
 * Turns {@link TlsOptions} into Netty {@link SslContext}s (JDK provider) and per-connection
 * {@link SslHandler}s. A Client or Server builds its context once and adds a handler first in each
 * channel's pipeline, ahead of the {@link ConnectionHandler}. Stateless.
 */
public final class TlsContexts {
    private TlsContexts() {}

    /**
     * The server's context.
     *
     * @throws IllegalArgumentException if the options lack a key, or require client certificates without
     *         trusted CAs, or the JDK refuses them
     */
    public static SslContext forServer(TlsOptions o) {
        if (o.privateKey() == null) {
            throw new IllegalArgumentException("tls: a server needs a private key and certificate chain "
                    + "(TlsOptions.Builder.keyAndCertificateChain)");
        }
        if (o.requireClientAuth() && o.trustedCertificates().isEmpty()) {
            throw new IllegalArgumentException("tls: requireClientAuth needs trustedCertificates, the CAs that "
                    + "client certificates must chain to");
        }
        SslContextBuilder b = SslContextBuilder.forServer(o.privateKey(), o.certificateChain())
                .sslProvider(SslProvider.JDK);
        if (!o.trustedCertificates().isEmpty()) {
            b.trustManager(o.trustedCertificates());
            b.clientAuth(o.requireClientAuth() ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        return build(b);
    }

    /**
     * The client's context: trusts the given CAs (or the JDK's defaults), presents the client
     * certificate if one is set, verifies the server's host name unless turned off.
     */
    public static SslContext forClient(TlsOptions o) {
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .endpointIdentificationAlgorithm(o.hostnameVerification() ? "HTTPS" : null);
        if (!o.trustedCertificates().isEmpty()) {
            b.trustManager(o.trustedCertificates());
        }
        if (o.privateKey() != null) {
            b.keyManager(o.privateKey(), o.certificateChain());
        }
        return build(b);
    }

    private static SslContext build(SslContextBuilder b) {
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new IllegalArgumentException("tls: cannot build the TLS context: " + e.getMessage(), e);
        }
    }

    /**
     * A handler for one connection. {@code peerHost} (client side; null on a server) is used for SNI and
     * host name verification. The handler's own handshake timer is off: the {@link ConnectionHandler}'s
     * handshake timeout, started when the TCP connection becomes active, covers the TLS handshake too.
     */
    public static SslHandler newHandler(SslContext context, Channel channel, String peerHost, int peerPort) {
        SslHandler h = peerHost == null
                ? context.newHandler(channel.alloc())
                : context.newHandler(channel.alloc(), peerHost, peerPort);
        h.setHandshakeTimeoutMillis(0);
        return h;
    }
}
