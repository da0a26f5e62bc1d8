package io.creditflow.bench.kafka;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.log.FsyncMode;
import java.nio.file.Path;

/**
 * The creditflow broker as a child JVM of the comparison, with a durable topic log. Arguments:
 * {@code DATA_DIR LOG_MAX_BYTES FSYNC}. Listens on 127.0.0.1, an ephemeral port, HTTP edge off, every other
 * setting default; prints {@code @READY PORT}, then runs until its stdin closes, and closes the broker.
 */
public final class CfLogBrokerMain {
    private CfLogBrokerMain() {}

    public static void main(String[] args) throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .host("127.0.0.1")
                .port(0)
                .httpPort(-1)
                .dataDir(Path.of(args[0]))
                .logMaxBytes(Long.parseLong(args[1]))
                .fsync(FsyncMode.parse(args[2]))
                .build();
        try (Broker broker = Broker.start(config)) {
            System.out.println("@READY " + broker.port());
            System.out.flush();
            BrokerChild.awaitStdinClosed();
        }
        System.out.println("@CLOSED");
    }
}
