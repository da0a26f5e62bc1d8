package io.creditflow.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 one of two gateways (a separate JVM) mid-stream: the other keeps serving; the killed one's producer
 * reconnects to the survivor and resends from its last acknowledgement, its consumer rejoins the group there, and
 * Kafka hands the dead gateway's partitions over from their committed offsets. Afterwards every acknowledged
 * message was delivered at least once, and the duplicates are bounded by what was in flight.
 */
@Tag("kafka")
class GatewayCrashTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int PER_PRODUCER = 3_000;
    static final int SIZE = 200;

    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;
    static Broker survivor;
    static Process child;
    static Client client;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir);
        survivor = Gateways.start(kafka.bootstrap(), k -> k.sessionTimeout(Duration.ofSeconds(6)), c -> c);
        client = Gateways.consumerClient();
    }

    @AfterAll
    static void stop() {
        if (child != null) {
            child.destroyForcibly();
        }
        if (client != null) {
            client.close();
        }
        if (survivor != null) {
            survivor.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    static int startChild() throws Exception {
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                GatewayChildMain.class.getName(),
                kafka.bootstrap());
        child = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        for (int i = 0; i < 1_000; i++) {
            String line = r.readLine(); // the child prints little before @PORT; bounded by the line count
            if (line == null) {
                throw new AssertionError("the gateway child exited before listening");
            }
            if (line.startsWith("@PORT ")) {
                return Integer.parseInt(line.substring(6).trim());
            }
        }
        throw new AssertionError("no @PORT line from the gateway child");
    }

    /** Sends {@code from} to {@code to} (exclusive); stops quietly when its stream goes away. */
    static Thread sender(BrokerProducer p, int producer, long from, long to, AtomicLong sent) {
        Thread t = new Thread(
                () -> {
                    try {
                        for (long i = from; i < to; i++) {
                            p.send(Gateways.payload(producer, i, SIZE), 30, TimeUnit.SECONDS);
                            sent.set(i + 1);
                            if (i % 100 == 0) {
                                TimeUnit.MILLISECONDS.sleep(10); // a steady producer, not a synchronisation
                            }
                        }
                    } catch (Exception e) {
                        // the gateway died under it: the test resends from the last acknowledgement
                    }
                },
                "test-producer-" + producer);
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void killedGatewayMidStream_everyAcknowledgedMessageDeliveredAtLeastOnce() throws Exception {
        String topic = "crash";
        int childPort = startChild();
        Connection sc = client.connect("127.0.0.1", survivor.port());
        Connection cc = client.connect("127.0.0.1", childPort);
        List<Gateways.Consumer> members = new ArrayList<>();
        members.add(new Gateways.Consumer(
                "on-survivor",
                sc.openStream(Gateways.consume(topic, "g", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2)));
        members.add(new Gateways.Consumer(
                "on-child",
                cc.openStream(Gateways.consume(topic, "g", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2)));
        Await.until("the group spread over both gateways", WAIT, () -> {
            int a = KafkaGatewayTest.assigned(survivor, topic, "g");
            return a > 0 && a < 4;
        });

        Connection ps = client.connect("127.0.0.1", survivor.port());
        Connection pc = client.connect("127.0.0.1", childPort);
        BrokerProducer onSurvivor = BrokerProducer.open(ps, topic, "p1", 0);
        BrokerProducer onChild = BrokerProducer.open(pc, topic, "p2", 0);
        AtomicLong sent1 = new AtomicLong();
        AtomicLong sent2 = new AtomicLong();
        Thread t1 = sender(onSurvivor, 1, 0, PER_PRODUCER, sent1);
        Thread t2 = sender(onChild, 2, 0, PER_PRODUCER, sent2);
        Await.until(
                "the child's producer is a third through",
                WAIT,
                () -> onChild.acknowledgedSequence() >= PER_PRODUCER / 3);

        child.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, no leave-group
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
        long acked2 = onChild.acknowledgedSequence();
        t2.join(WAIT.toMillis());
        long sentBeforeCrash = sent2.get();

        // The producer resends from its last acknowledgement, to the survivor; the consumer rejoins there.
        BrokerProducer resend = BrokerProducer.open(ps, topic, "p2", acked2 + 1);
        Thread t3 = sender(resend, 2, acked2 + 1, PER_PRODUCER, new AtomicLong());
        members.add(new Gateways.Consumer(
                "rejoined",
                sc.openStream(Gateways.consume(topic, "g", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2)));
        t1.join(WAIT.toMillis());
        t3.join(WAIT.toMillis());
        assertThat(onSurvivor.awaitAcknowledged(PER_PRODUCER - 1, 30, TimeUnit.SECONDS))
                .isTrue();
        assertThat(resend.awaitAcknowledged(PER_PRODUCER - 1, 30, TimeUnit.SECONDS))
                .isTrue();
        Await.until(
                "the survivor took over every partition",
                WAIT,
                () -> KafkaGatewayTest.assigned(survivor, topic, "g") == 4);
        Gateways.await(
                "every acknowledged message delivered",
                WAIT,
                () -> distinct(members, 1) == PER_PRODUCER && distinct(members, 2) == PER_PRODUCER,
                () -> "p1 " + distinct(members, 1) + ", p2 " + distinct(members, 2) + " of " + PER_PRODUCER + "; "
                        + Gateways.stats(survivor));

        long received = 0;
        for (Gateways.Consumer m : members) {
            m.close();
            received += m.counters(1).size() + m.counters(2).size();
        }
        long duplicates = received - 2L * PER_PRODUCER;
        // In flight at the crash: what the child's producer had sent and not had acknowledged (resent), and what
        // the child had delivered to its consumer and not committed (its window: 64 messages, plus one commit
        // interval of deliveries at most, which the window bounds too).
        long inFlightBound =
                (sentBeforeCrash - (acked2 + 1)) + 2 * 64 + survivor.config().producerWindowBytes() / SIZE;
        assertThat(duplicates)
                .as("duplicates (in flight at the crash: " + inFlightBound + ")")
                .isBetween(0L, inFlightBound);
        resend.close();
        onSurvivor.close();
        sc.close();
        ps.close();
    }

    static long distinct(List<Gateways.Consumer> members, int producer) {
        Set<Long> s = new HashSet<>();
        for (Gateways.Consumer m : members) {
            s.addAll(m.counters(producer));
        }
        return s.size();
    }
}
