package io.creditflow.transport;

import io.creditflow.transport.internal.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * TLS for a {@code Client} or a {@code Server} ({@link EndpointBuilder#tls(TlsOptions)}), on the JDK's
 * TLS implementation (TLS 1.3 and 1.2). Immutable; build with {@link #builder()}.
 *
 * <ul>
 * <li>Server: {@link Builder#keyAndCertificateChain} is required. With
 *     {@link Builder#trustedCertificates} the server asks for a client certificate and verifies one if
 *     sent; with {@link Builder#requireClientAuth(boolean) requireClientAuth(true)} (mutual TLS) a
 *     client without a certificate signed by a trusted CA is refused.</li>
 * <li>Client: {@link Builder#trustedCertificates} are the CAs the server's certificate must chain to
 *     (none given: the JDK's default trust store). The server's certificate must also name the host
 *     passed to {@code connect} (a DNS or IP subject alternative name) unless
 *     {@link Builder#hostnameVerification(boolean) hostnameVerification(false)}. A client certificate
 *     for mutual TLS is set with {@link Builder#keyAndCertificateChain}.</li>
 * </ul>
 *
 * <p>The TLS handshake counts against the endpoint's handshake timeout. A failed one fails
 * {@code Client.connect} with an {@link javax.net.ssl.SSLHandshakeException} (an {@code IOException})
 * whose message says "TLS handshake failed" and why; one that does not finish in time, with an
 * {@code IOException} naming HANDSHAKE_TIMEOUT and "TLS handshake not complete". A server just closes
 * such a connection: no authenticator or stream handler sees it. See docs/protocol.md, section 12.
 */
public final class TlsOptions {
    private final PrivateKey privateKey;
    private final List<X509Certificate> certificateChain;
    private final List<X509Certificate> trustedCertificates;
    private final boolean requireClientAuth;
    private final boolean hostnameVerification;

    private TlsOptions(Builder b) {
        this.privateKey = b.privateKey;
        this.certificateChain = b.certificateChain;
        this.trustedCertificates = b.trustedCertificates;
        this.requireClientAuth = b.requireClientAuth;
        this.hostnameVerification = b.hostnameVerification;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** This endpoint's private key, or null (a client without a certificate). */
    public PrivateKey privateKey() {
        return privateKey;
    }

    /** This endpoint's certificate chain, leaf first; empty without a key. */
    public List<X509Certificate> certificateChain() {
        return certificateChain;
    }

    /** The CA certificates the peer's certificate must chain to; empty: see the class comment. */
    public List<X509Certificate> trustedCertificates() {
        return trustedCertificates;
    }

    /** Server side: refuse clients without a trusted certificate (mutual TLS). Ignored by clients. */
    public boolean requireClientAuth() {
        return requireClientAuth;
    }

    /** Client side: the server's certificate must name the host connected to. Ignored by servers. */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    @Override
    public String toString() {
        return "TlsOptions(certificate="
                + (certificateChain.isEmpty()
                        ? "none"
                        : certificateChain.get(0).getSubjectX500Principal().getName())
                + ", trusted=" + trustedCertificates.size() + " CA(s), requireClientAuth=" + requireClientAuth
                + ", hostnameVerification=" + hostnameVerification + ')';
    }

    /** Builder; not thread-safe. Every setter validates at once. */
    public static final class Builder {
        private PrivateKey privateKey;
        private List<X509Certificate> certificateChain = List.of();
        private List<X509Certificate> trustedCertificates = List.of();
        private boolean requireClientAuth;
        private boolean hostnameVerification = true;

        private Builder() {}

        /**
         * This endpoint's identity: its private key and its certificate chain (leaf first, then any
         * intermediate CAs). Required on a server; on a client, the certificate for mutual TLS.
         *
         * @throws IllegalArgumentException if the chain is empty or the key does not match the leaf
         */
        public Builder keyAndCertificateChain(PrivateKey key, X509Certificate... chain) {
            if (key == null || chain == null) {
                throw new NullPointerException(key == null ? "key" : "chain");
            }
            if (chain.length == 0 || Arrays.asList(chain).contains(null)) {
                throw new IllegalArgumentException("certificate chain: " + Arrays.toString(chain)
                        + " (expected: the leaf certificate first, no nulls)");
            }
            requireMatch(key, chain[0].getPublicKey(), chain[0]);
            this.privateKey = key;
            this.certificateChain = List.of(chain);
            return this;
        }

        /**
         * As {@link #keyAndCertificateChain(PrivateKey, X509Certificate...)}, from PEM files: an
         * unencrypted PKCS#8 key ({@code BEGIN PRIVATE KEY}) and certificates (leaf first). The files
         * are read now.
         *
         * @throws UncheckedIOException if a file cannot be read or parsed (the message names it)
         */
        public Builder keyAndCertificateChain(Path privateKeyPem, Path certificateChainPem) {
            return keyAndCertificateChain(privateKeyPem, null, certificateChainPem);
        }

        /** As {@link #keyAndCertificateChain(Path, Path)} for an encrypted PKCS#8 key ({@code BEGIN ENCRYPTED PRIVATE KEY}). */
        public Builder keyAndCertificateChain(Path privateKeyPem, char[] keyPassword, Path certificateChainPem) {
            if (privateKeyPem == null || certificateChainPem == null) {
                throw new NullPointerException(privateKeyPem == null ? "privateKeyPem" : "certificateChainPem");
            }
            try {
                PrivateKey key = Pem.readPrivateKey(privateKeyPem, keyPassword);
                List<X509Certificate> chain = Pem.readCertificates(certificateChainPem);
                return keyAndCertificateChain(key, chain.toArray(X509Certificate[]::new));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        /**
         * The CA certificates the peer's certificate must chain to. A client without them trusts the JDK's
         * default CAs; a server without them does not ask for client certificates.
         */
        public Builder trustedCertificates(X509Certificate... caCertificates) {
            if (caCertificates == null
                    || caCertificates.length == 0
                    || Arrays.asList(caCertificates).contains(null)) {
                throw new IllegalArgumentException("trustedCertificates: " + Arrays.toString(caCertificates)
                        + " (expected: at least one certificate, no nulls)");
            }
            this.trustedCertificates = List.of(caCertificates);
            return this;
        }

        /** As {@link #trustedCertificates(X509Certificate...)}, from a PEM file of one or more certificates (read now). */
        public Builder trustedCertificates(Path caCertificatesPem) {
            if (caCertificatesPem == null) {
                throw new NullPointerException("caCertificatesPem");
            }
            try {
                return trustedCertificates(
                        Pem.readCertificates(caCertificatesPem).toArray(X509Certificate[]::new));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        /** Server side, mutual TLS: clients must present a certificate that chains to a trusted CA. Default false. */
        public Builder requireClientAuth(boolean require) {
            this.requireClientAuth = require;
            return this;
        }

        /**
         * Client side: check that the server's certificate names the host connected to. Default true;
         * turning it off accepts any certificate from a trusted CA, whoever it was issued to (tests only).
         */
        public Builder hostnameVerification(boolean verify) {
            this.hostnameVerification = verify;
            return this;
        }

        public TlsOptions build() {
            return new TlsOptions(this);
        }

        /** A signature with the key must verify with the certificate's public key. */
        private static void requireMatch(PrivateKey key, PublicKey publicKey, X509Certificate leaf) {
            String algorithm = switch (key.getAlgorithm()) {
                case "RSA" -> "SHA256withRSA";
                case "EC" -> "SHA256withECDSA";
                case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
                default -> null; // not checked here; the TLS handshake would fail instead
            };
            if (algorithm == null) {
                return;
            }
            boolean matches;
            try {
                byte[] probe = "creditflow key check".getBytes(StandardCharsets.US_ASCII);
                Signature signer = Signature.getInstance(algorithm);
                signer.initSign(key);
                signer.update(probe);
                byte[] signature = signer.sign();
                Signature verifier = Signature.getInstance(algorithm);
                verifier.initVerify(publicKey);
                verifier.update(probe);
                matches = verifier.verify(signature);
            } catch (GeneralSecurityException e) {
                matches = false;
            }
            if (!matches) {
                throw new IllegalArgumentException(
                        "private key (" + key.getAlgorithm() + ") does not match the certificate of "
                                + leaf.getSubjectX500Principal().getName());
            }
        }
    }
}
