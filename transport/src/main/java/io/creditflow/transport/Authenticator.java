package io.creditflow.transport;

import java.net.SocketAddress;

/**
 * Checks the credential a client puts in its handshake (for example a bearer token), on the server,
 * before any stream of the connection opens. A failure closes the connection with
 * {@code AUTHENTICATION_FAILED}; the client's {@code connect} fails with that status.
 *
 * <p>Called on the connection's event loop: it must be quick and must not block (look the credential up
 * in memory; do slow checks before issuing credentials, not per connection).
 */
@FunctionalInterface
public interface Authenticator {
    /** Accepts every connection, with an empty principal. The default. */
    Authenticator NONE = (credential, remote) -> "";

    /**
     * @param credential the bytes the client sent (empty if it sent none)
     * @param remote the peer's address
     * @return the principal (a name for whom the connection acts, see {@link Connection#principal()}),
     *         or null to refuse the connection
     */
    String authenticate(byte[] credential, SocketAddress remote);
}
