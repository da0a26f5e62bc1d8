package io.creditflow.bench.kafka;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real Kafka broker (KRaft, combined broker and controller, one node) as a child JVM of the comparison.
 * Arguments: {@code DATA_DIR BROKER_PORT CONTROLLER_PORT FLUSH}, where {@code FLUSH} is {@code default}
 * (Kafka's own: no fsync on the produce path; the page cache and replication are its durability) or
 * {@code each} ({@code log.flush.interval.messages=1}: an fsync after every append, before the ack).
 * Formats the storage ({@code StorageTool}), starts {@link KafkaRaftServer}, prints {@code @READY PORT} once
 * it is unfenced, then runs until its stdin closes and shuts down. Both listeners are on 127.0.0.1.
 */
public final class KafkaBrokerMain {
    private KafkaBrokerMain() {}

    /** The broker's settings: single-node KRaft on loopback, small dedupe buffer, 2 network and I/O threads. */
    static Properties properties(Path logDir, int brokerPort, int controllerPort, String flush) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 << 20));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        switch (flush) {
            case "default" -> {}
            case "each" -> p.put("log.flush.interval.messages", "1");
            default -> throw new IllegalArgumentException("flush: " + flush + " (expected: default or each)");
        }
        return p;
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Properties p = properties(dir.resolve("kraft"), Integer.parseInt(args[1]), Integer.parseInt(args[2]), args[3]);
        Path file = dir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "creditflow bench: Kafka broker");
        }
        int rc = kafka.tools.StorageTool$.MODULE$.execute(
                new String[] {
                    "format", "--ignore-formatted", "-t", Uuid.randomUuid().toString(), "-c", file.toString()
                },
                new PrintStream(OutputStream.nullOutputStream()));
        if (rc != 0) {
            throw new IllegalStateException("kafka-storage format failed: rc " + rc);
        }
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(p, false), Time.SYSTEM);
        server.startup();
        System.out.println("@READY " + args[1]);
        System.out.flush();
        BrokerChild.awaitStdinClosed();
        server.shutdown();
        server.awaitShutdown();
        System.out.println("@CLOSED");
        System.exit(0);
    }
}
