package io.creditflow.cli;

import io.creditflow.transport.TlsOptions;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The TLS options of {@code broker}, {@code produce} and {@code consume} read from PEM files, with
 * every mistake (a missing, unreadable or malformed file, a key that does not match its certificate) a
 * usage error naming the option and the file.
 */
final class TlsFiles {
    private TlsFiles() {}

    /**
     * Sets this endpoint's identity from {@code --tls-cert} (the chain, leaf first) and {@code --tls-key}
     * (an unencrypted PKCS#8 key). Both or neither must be given; neither leaves {@code b} as it is.
     */
    static void identity(CommandSpec spec, TlsOptions.Builder b, Path cert, Path key) {
        if (cert == null && key == null) {
            return;
        }
        if (key == null) {
            throw Usage.error(
                    spec,
                    "--tls-cert",
                    "given without --tls-key (expected: both, the certificate chain " + "and its private key)");
        }
        if (cert == null) {
            throw Usage.error(
                    spec,
                    "--tls-key",
                    "given without --tls-cert (expected: both, the certificate chain " + "and its private key)");
        }
        Usage.readableFile(spec, "--tls-cert", cert);
        Usage.readableFile(spec, "--tls-key", key);
        try {
            b.keyAndCertificateChain(key, cert);
        } catch (UncheckedIOException e) {
            // The message starts with the file it is about (the base64 check alone does not say which).
            String m = e.getMessage();
            String option = m.startsWith(key.toString())
                    ? "--tls-key"
                    : m.startsWith(cert.toString()) ? "--tls-cert" : "--tls-cert/--tls-key (" + cert + ", " + key + ")";
            throw Usage.error(spec, option, m);
        } catch (IllegalArgumentException e) {
            throw Usage.error(spec, "--tls-key", key + " does not go with --tls-cert " + cert + ": " + e.getMessage());
        }
    }

    /** Sets the trusted CA certificates from {@code --tls-trust}, if given. */
    static void trust(CommandSpec spec, TlsOptions.Builder b, Path trust) {
        if (trust == null) {
            return;
        }
        Usage.readableFile(spec, "--tls-trust", trust);
        try {
            b.trustedCertificates(trust);
        } catch (UncheckedIOException | IllegalArgumentException e) {
            String m = e.getMessage();
            throw Usage.error(spec, "--tls-trust", m.startsWith(trust.toString()) ? m : trust + ": " + m);
        }
    }

    /** {@code tls on (mutual)}, {@code tls on} or {@code tls off}, for status lines. */
    static String describe(TlsOptions tls) {
        return tls == null ? "tls off" : tls.requireClientAuth() ? "tls on (mutual)" : "tls on";
    }
}
