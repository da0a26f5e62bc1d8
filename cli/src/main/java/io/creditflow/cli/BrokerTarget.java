package io.creditflow.cli;

import io.creditflow.client.Client;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Option;

/** The options every broker client command shares: where the broker is, which topic, which token. */
final class BrokerTarget {
    @Option(names = "--host", description = "Broker host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Broker port (default: ${DEFAULT-VALUE}).")
    int port = 7000;

    @Option(names = "--topic", description = "Topic (default: ${DEFAULT-VALUE}).")
    String topic = "demo";

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:CREDITFLOW_TOKEN}",
            description = "Token for a broker with an auth file, sent in the handshake "
                    + "(default: the CREDITFLOW_TOKEN environment variable; none).")
    String token;

    /** A client that presents the token, if one was given. */
    Client newClient() {
        Client.Builder cb = Client.builder();
        if (token != null && !token.isEmpty()) {
            cb.credential(token.getBytes(StandardCharsets.UTF_8));
        }
        return cb.build();
    }
}
