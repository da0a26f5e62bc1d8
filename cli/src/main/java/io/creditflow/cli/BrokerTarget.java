package io.creditflow.cli;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.Connection;
import io.creditflow.transport.TlsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every broker client command shares: where the broker is, which topic, which token, and
 * TLS. Check them with {@link #clientBuilder()} before any work: every mistake is a usage error.
 */
final class BrokerTarget {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    @Option(names = "--host", description = "Broker host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port = 7000;

    @Option(names = "--topic", description = "Topic (default: ${DEFAULT-VALUE}).")
    String topic = "demo";

    @Option(
            names = "--token",
            paramLabel = "TOKEN",
            defaultValue = "${env:CREDITFLOW_TOKEN}",
            description = "Token for a broker with an auth file, sent in the handshake "
                    + "(default: the CREDITFLOW_TOKEN environment variable; none).")
    String token;

    @Option(
            names = "--tls",
            description = "Connect with TLS, trusting the JDK's default CAs unless --tls-trust "
                    + "(implied by every --tls-* option). The broker's certificate must name --host.")
    boolean tls;

    @Option(
            names = "--tls-trust",
            paramLabel = "FILE",
            description = "PEM CA certificates the broker's "
                    + "certificate must chain to (instead of the JDK's default CAs).")
    Path tlsTrust;

    @Option(
            names = "--tls-cert",
            paramLabel = "FILE",
            description = "PEM client certificate chain, leaf first, "
                    + "for a broker that wants one (mutual TLS); needs --tls-key.")
    Path tlsCert;

    @Option(
            names = "--tls-key",
            paramLabel = "FILE",
            description = "PEM PKCS#8 private key of --tls-cert " + "(unencrypted: BEGIN PRIVATE KEY).")
    Path tlsKey;

    /** The TLS settings, or null for plain TCP; set by {@link #clientBuilder()}. */
    private TlsOptions tlsOptions;

    /**
     * Checks the options and returns a client builder with the token and TLS applied.
     *
     * @throws picocli.CommandLine.ParameterException for a bad option (exit code 2)
     */
    Client.Builder clientBuilder() {
        if (host == null || host.isBlank()) {
            throw Usage.error(spec, "--host", "'" + host + "' (expected: a host name or address)");
        }
        Usage.range(spec, "--port", port, 1, 65535, "1 to 65535");
        try {
            BrokerProtocol.checkTopic(topic);
        } catch (IllegalArgumentException e) {
            throw Usage.error(spec, "--topic", e.getMessage().substring("topic: ".length()));
        }
        Client.Builder cb = Client.builder();
        if (token != null && !token.isEmpty()) {
            byte[] credential = token.getBytes(StandardCharsets.UTF_8);
            try {
                cb.credential(credential);
            } catch (IllegalArgumentException e) {
                throw Usage.error(spec, "--token", "a token of " + credential.length + " bytes: " + e.getMessage());
            }
        }
        if (tls || tlsTrust != null || tlsCert != null || tlsKey != null) {
            TlsOptions.Builder tb = TlsOptions.builder();
            TlsFiles.trust(spec, tb, tlsTrust);
            TlsFiles.identity(spec, tb, tlsCert, tlsKey);
            tlsOptions = tb.build();
            cb.tls(tlsOptions);
        }
        return cb;
    }

    /**
     * Connects, or says on stderr why not (one line: a TLS handshake failure names TLS) and returns null;
     * the command then exits with code 1.
     */
    Connection connect(Client client, String command) throws InterruptedException {
        try {
            return client.connect(host, port);
        } catch (IOException e) {
            String why = String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ");
            String said = "connect to " + host + ":" + port + " failed: ";
            if (why.startsWith(said)) {
                why = why.substring(said.length()); // the line says so already
            }
            // A plain client at a TLS port is cut off during the creditflow handshake.
            String hint = tlsOptions == null && why.contains("handshake") ? " (if the broker uses TLS, add --tls)" : "";
            spec.commandLine()
                    .getErr()
                    .printf(
                            "%s: cannot connect to %s:%d (%s): %s%s%n",
                            command, host, port, TlsFiles.describe(tlsOptions), why, hint);
            return null;
        }
    }
}
