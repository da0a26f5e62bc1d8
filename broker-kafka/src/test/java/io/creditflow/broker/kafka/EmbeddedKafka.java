package io.creditflow.broker.kafka;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker (KRaft, combined broker and controller) in the test JVM, on two free
 * loopback ports and a folder of the caller's; see the project's Kafka notes for why these settings. It can be
 * stopped and started again on the same ports and data (a Kafka outage). One per test class: the first start in
 * a JVM takes about 4-5 s, later ones about 1.5 s. Not thread-safe.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private final Path dir;
    private final int brokerPort;
    private final int controllerPort;
    private final Properties properties;
    private KafkaRaftServer server;

    private EmbeddedKafka(Path dir) throws IOException {
        this.dir = dir;
        this.brokerPort = freePort();
        this.controllerPort = freePort();
        this.properties = properties(dir.resolve("kraft"), brokerPort, controllerPort);
        Path file = dir.resolve("server.properties");
        try (Writer w = Files.newBufferedWriter(file)) {
            properties.store(w, "creditflow tests: embedded Kafka broker");
        }
        int rc = kafka.tools.StorageTool$.MODULE$.execute(
                new String[] {
                    "format", "--ignore-formatted", "-t", Uuid.randomUuid().toString(), "-c", file.toString()
                },
                new PrintStream(OutputStream.nullOutputStream()));
        if (rc != 0) {
            throw new IllegalStateException("kafka-storage format failed: rc " + rc);
        }
    }

    /** Formats {@code dir} and starts a broker on it; returns once it serves clients. */
    public static EmbeddedKafka start(Path dir) throws IOException {
        EmbeddedKafka k = new EmbeddedKafka(dir);
        k.startServer();
        return k;
    }

    /** Single-node KRaft on loopback: small dedupe buffer, 2 network and I/O threads, no topic auto-creation. */
    public static Properties properties(Path logDir, int brokerPort, int controllerPort) {
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
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("group.min.session.timeout.ms", "2000");
        p.put("auto.create.topics.enable", "false");
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 << 20));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "2");
        return p;
    }

    private void startServer() {
        KafkaRaftServer s = new KafkaRaftServer(KafkaConfig.fromProps(properties, false), Time.SYSTEM);
        s.startup();
        server = s;
        awaitReady();
    }

    private void awaitReady() {
        try (Admin a = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            a.describeCluster().nodes().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("embedded Kafka not ready within 30 s", e);
        }
    }

    /** {@code 127.0.0.1:PORT}. */
    public String bootstrap() {
        return "127.0.0.1:" + brokerPort;
    }

    public boolean isRunning() {
        return server != null;
    }

    /** Stops the broker (clean shutdown); its data and ports stay for {@link #restart()}. */
    public void stop() {
        if (server != null) {
            server.shutdown();
            server.awaitShutdown();
            server = null;
        }
    }

    /** Starts the broker again on the same ports and data. */
    public void restart() {
        if (server == null) {
            startServer();
        }
    }

    /** An Admin client on this broker (the caller closes it). */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()));
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() {
        stop();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
