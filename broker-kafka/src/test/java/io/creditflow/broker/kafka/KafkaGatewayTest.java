package io.creditflow.broker.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.transport.Connection;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways in front of one real Kafka broker (KRaft, in this JVM; one for the class): producers on both, a
 * consumer group spread over both, a fan-out subscription; and a slow consumer that never grows a gateway's heap,
 * is never evicted from its group, and does not slow a fast one.
 */
@Tag("kafka")
class KafkaGatewayTest {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final int MAX_POLL_INTERVAL_MS = 5_000;

    @TempDir
    static Path dir;

    static EmbeddedKafka kafka;
    static Broker a;
    static Broker b;
    static Client client;
    static Client fastClient;

    @BeforeAll
    static void start() throws Exception {
        kafka = EmbeddedKafka.start(dir);
        // Kafka evicts a member that does not poll for max.poll.interval.ms (default 5 minutes): lowered to 5 s, the
        // slow-consumer test's 20 s cover four of those intervals (and two 10 s session timeouts).
        a = Gateways.start(
                kafka.bootstrap(), k -> k.consumerProperty("max.poll.interval.ms", MAX_POLL_INTERVAL_MS), c -> c);
        b = Gateways.start(
                kafka.bootstrap(), k -> k.consumerProperty("max.poll.interval.ms", MAX_POLL_INTERVAL_MS), c -> c);
        client = Gateways.consumerClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (fastClient != null) {
            fastClient.close();
        }
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void twoGatewaysShareOneKafka_groupSpreadOverBoth_fanOutSeesAll() throws Exception {
        String topic = "orders";
        int perProducer = 2_000;
        Connection ca = client.connect("127.0.0.1", a.port());
        Connection cb = client.connect("127.0.0.1", b.port());
        List<Gateways.Consumer> group = new ArrayList<>();
        group.add(new Gateways.Consumer(
                "group-a",
                ca.openStream(Gateways.consume(topic, "g", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2)));
        group.add(new Gateways.Consumer(
                "group-b",
                cb.openStream(Gateways.consume(topic, "g", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2)));
        Gateways.Consumer fanOut = new Gateways.Consumer(
                "fan-out",
                cb.openStream(Gateways.consume(topic, "f", "earliest")),
                Duration.ZERO,
                WAIT.multipliedBy(2));
        // The group's four partitions end up split over the two gateways' consumers.
        Await.until(
                "group g assigned over both gateways",
                WAIT,
                () -> assigned(a, topic, "g") > 0
                        && assigned(b, topic, "g") > 0
                        && assigned(a, topic, "g") + assigned(b, topic, "g") == 4);

        Connection pa = client.connect("127.0.0.1", a.port());
        Connection pb = client.connect("127.0.0.1", b.port());
        try (BrokerProducer p1 = BrokerProducer.open(pa, topic, "p1", 0);
                BrokerProducer p2 = BrokerProducer.open(pb, topic, "p2", 0)) {
            Thread t = new Thread(() -> send(p2, 2, perProducer));
            t.start();
            send(p1, 1, perProducer);
            t.join(WAIT.toMillis());
            assertThat(p1.awaitAcknowledged(perProducer - 1, 30, TimeUnit.SECONDS))
                    .isTrue();
            assertThat(p2.awaitAcknowledged(perProducer - 1, 30, TimeUnit.SECONDS))
                    .isTrue();
        }
        Await.until(
                "the group and the fan-out subscription received everything",
                WAIT,
                () -> group.get(0).received.get() + group.get(1).received.get() >= 2L * perProducer
                        && fanOut.received.get() >= 2L * perProducer);
        for (Gateways.Consumer c : group) {
            c.close();
            assertThat(c.failure).as(c.name).isNull();
        }
        fanOut.close();
        assertThat(fanOut.failure).isNull();

        for (int producer = 1; producer <= 2; producer++) {
            // One producer's records share a key, so one partition, so one group member: in order there.
            List<Long> fromA = group.get(0).counters(producer);
            List<Long> fromB = group.get(1).counters(producer);
            assertThat(fromA.isEmpty() || fromB.isEmpty())
                    .as("producer " + producer + " went to one partition")
                    .isTrue();
            List<Long> got = fromA.isEmpty() ? fromB : fromA;
            assertThat(got)
                    .as("group: producer " + producer + " in order, nothing lost, nothing twice")
                    .hasSize(perProducer);
            assertThat(Gateways.increasing(got))
                    .as("group: producer " + producer + " in order")
                    .isTrue();
            assertThat(new HashSet<>(got)).hasSize(perProducer);
            List<Long> fan = fanOut.counters(producer);
            assertThat(fan).as("fan-out: producer " + producer).hasSize(perProducer);
            assertThat(Gateways.increasing(fan))
                    .as("fan-out: producer " + producer + " in order")
                    .isTrue();
        }
        assertThat(group.get(0).received.get() + group.get(1).received.get()).isEqualTo(2L * perProducer);
        assertThat(Gateways.stats(a).acknowledgedRecords() + Gateways.stats(b).acknowledgedRecords())
                .isGreaterThanOrEqualTo(2L * perProducer);
        assertThat(Gateways.stats(a).failedRecords() + Gateways.stats(b).failedRecords())
                .isZero();
        ca.close();
        cb.close();
        pa.close();
        pb.close();
    }

    static int assigned(Broker gw, String topic, String sub) {
        KafkaGatewayStats.SubscriptionStats s = Gateways.stats(gw).subscription(topic, sub);
        return s == null ? 0 : s.assignedPartitions();
    }

    static void send(BrokerProducer p, int producer, int count) {
        try {
            for (long i = 0; i < count; i++) {
                p.send(Gateways.payload(producer, i, 100), 10, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A slow consumer (100 msg/s) for 20 s, with {@code max.poll.interval.ms} at 5 s: a Kafka consumer that stopped
     * polling while its application lagged would be evicted four times over (the 60 s under Kafka's default
     * 5-minute interval would not reach one; the read-ahead reaches its bound within the first second). The
     * gateway's heap after GC stays within 16 MiB of where it was after 3 s
     * while Kafka's lag grows; the slow subscription is never revoked (no rebalance, still assigned); the fast
     * consumer on the same topic keeps up with the producer.
     */
    @Test
    void slowConsumerNeverGrowsTheGatewayNorIsEvicted() throws Exception {
        String topic = "slow-topic";
        Connection c = client.connect("127.0.0.1", a.port());
        Gateways.Consumer slow = new Gateways.Consumer(
                "slow",
                c.openStream(Gateways.consume(topic, "slow", "earliest")),
                Duration.ofMillis(10),
                Duration.ofSeconds(60));
        // The fast consumer on a client with the default (larger) window: its pace is the gateway's, not its own.
        fastClient = Client.builder().build();
        Connection fc = fastClient.connect("127.0.0.1", a.port());
        Gateways.Consumer fast = new Gateways.Consumer(
                "fast",
                fc.openStream(Gateways.consume(topic, "fast", "earliest")),
                Duration.ZERO,
                Duration.ofSeconds(60));
        Await.until(
                "both subscriptions assigned",
                WAIT,
                () -> assigned(a, topic, "slow") == 4 && assigned(a, topic, "fast") == 4);
        Connection pc = client.connect("127.0.0.1", a.port());
        long produced = 0;
        long heapAt3s = -1;
        long heapMax = 0;
        long slowAtEnd;
        double slowSeconds;
        try (BrokerProducer p = BrokerProducer.open(pc, topic, "steady", 0)) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(20);
            // 1 KiB at 1,000 msg/s: 20,000 messages, of which the slow consumer takes about 2,000.
            while (System.nanoTime() < end && produced < 100_000) {
                long due = start + produced * 1_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                p.send(Gateways.payload(9, produced, 1024), 10, TimeUnit.SECONDS);
                produced++;
                if (produced % 1_000 == 0) {
                    long heap = heapAfterGc();
                    if (heapAt3s < 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(3)) {
                        heapAt3s = heap;
                    }
                    if (heapAt3s >= 0) {
                        heapMax = Math.max(heapMax, heap);
                    }
                }
            }
            slowAtEnd = slow.received.get();
            slowSeconds = (System.nanoTime() - start) / 1e9;
            assertThat(p.awaitAcknowledged(produced - 1, 30, TimeUnit.SECONDS)).isTrue();
        }
        long total = produced;
        Gateways.await(
                "the fast consumer got everything",
                WAIT,
                () -> fast.received.get() >= total,
                () -> "fast got " + fast.received.get() + " of " + total + "; " + Gateways.stats(a));
        KafkaGatewayStats.SubscriptionStats s = Gateways.stats(a).subscription(topic, "slow");
        // At most 100/s (its pace) and still moving: fewer on a busy machine, with a full GC a second for the heap.
        assertThat(slowAtEnd)
                .as("slow consumer at <= 100/s, still moving")
                .isBetween(400L, (long) (100 * (slowSeconds + 3)) + 64);
        assertThat(s.rebalances())
                .as("slow subscription never lost its partitions")
                .isZero();
        assertThat(s.assignedPartitions()).isEqualTo(4);
        // Paused whenever its read-ahead is full: at any one moment it may have just resumed to top it up.
        assertThat(s.pauseChanges())
                .as("paused while its consumer had no credit: %s", s)
                .isPositive();
        assertThat(s.readAheadPeakBytes())
                .as("read-ahead bound plus one poll")
                .isLessThanOrEqualTo(2L * KafkaGatewayConfig.DEFAULT_READ_AHEAD_BYTES + 64 * 1024);
        assertThat(heapMax - heapAt3s).as("heap after GC growth, bytes").isLessThan(16L << 20);
        assertThat(fast.counters(9)).hasSize((int) total);
        assertThat(Gateways.increasing(fast.counters(9)))
                .as("fast consumer in order")
                .isTrue();
        assertThat(slow.failure).isNull();
        assertThat(fast.failure).isNull();
        slow.close();
        fast.close();
        c.close();
        fc.close();
        pc.close();
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }
}
