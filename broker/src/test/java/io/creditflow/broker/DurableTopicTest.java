package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.EndpointBuilder;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durable topics end to end, on real files: producers append to the topic log, subscriptions are cursors that
 * read it at their own pace, commit what their consumers consumed, and resume there after a restart; the disk
 * bound holds producers (block) or makes laggards skip (drop-oldest).
 */
@ExtendWith(LeakCheck.class)
class DurableTopicTest {
    static final int PAYLOAD = 100;
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    private BrokerConfig.Builder config() {
        return BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .maxMessageBytes(16 * 1024)
                .dataDir(dataDir);
    }

    static StreamOptions consume(String topic, String subscription, String from) {
        StreamOptions.Builder b = StreamOptions.builder()
                .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                .metadata(BrokerProtocol.TOPIC, topic)
                .metadata(BrokerProtocol.SUBSCRIPTION, subscription);
        if (from != null) {
            b.metadata(BrokerProtocol.FROM, from);
        }
        return b.build();
    }

    static LogTopicStats logStats(Broker broker, String topic) {
        return broker.logStats().stream()
                .filter(t -> t.name().equals(topic))
                .findFirst()
                .orElseThrow();
    }

    static long endOffset(Broker broker, String topic) {
        return broker.logStats().stream()
                .filter(t -> t.name().equals(topic))
                .mapToLong(LogTopicStats::endOffset)
                .findFirst()
                .orElse(0);
    }

    static LogTopicStats.CursorStats cursor(Broker broker, String topic, String subscription) {
        return logStats(broker, topic).cursors().stream()
                .filter(c -> c.name().equals(subscription))
                .findFirst()
                .orElseThrow();
    }

    /** Produces {@code count} numbered messages and waits until all are in the log. */
    static void produceAll(Broker broker, Client client, String topic, long count) throws Exception {
        long before = endOffset(broker, topic);
        Connection pc = client.connect("127.0.0.1", broker.port());
        try (TestClients.Producer p =
                new TestClients.Producer(pc.openStream(produce(topic).build()), PAYLOAD, count, WAIT).start()) {
            p.join();
            assertThat(p.failure).isNull();
            assertThat(p.sent.get()).isEqualTo(count);
        }
        Await.until(count + " records in the log", WAIT, () -> endOffset(broker, topic) == before + count);
    }

    /** A consumer of {@code subscription} from earliest that takes nothing until unpaused, attached when returned. */
    static TestClients.Consumer pausedConsumer(
            Broker broker, Connection cc, String topic, String subscription, boolean consecutive) throws Exception {
        TestClients.Consumer c = new TestClients.Consumer(
                subscription,
                cc.openStream(consume(topic, subscription, "earliest")),
                consecutive,
                Duration.ZERO,
                Duration.ofSeconds(30));
        c.pause(true);
        c.start();
        try {
            awaitMembers(broker, topic, subscription, 1);
        } catch (Throwable t) {
            c.close();
            throw t;
        }
        return c;
    }

    /** A producer of {@code count} messages with a small send queue, so that a held producer stalls in its sends. */
    static TestClients.Producer smallQueueProducer(Connection pc, String topic, long count) throws Exception {
        return new TestClients.Producer(
                        pc.openStream(produce(topic)
                                .sendQueueBytes(4 * 1024)
                                .sendQueueMessages(16)
                                .build()),
                        PAYLOAD,
                        count,
                        Duration.ofSeconds(20))
                .start();
    }

    /**
     * Unpauses {@code consumer}, waits for the producer to send its {@code n} messages and for the consumer to
     * receive all of them, in order, none missing.
     */
    static void resumeAndDeliverAll(TestClients.Producer p, TestClients.Consumer consumer, long n) throws Exception {
        consumer.pause(false);
        p.join();
        assertThat(p.failure).isNull();
        assertThat(p.sent.get()).isEqualTo(n);
        Await.until("every message to reach " + consumer.name, WAIT, () -> consumer.received.get() == n);
        assertThat(consumer.orderViolation).isNull();
        assertThat(consumer.missing.get()).isZero();
    }

    @Test
    void aThousandMessagesRoundTripThroughTheLogInOrderExactlyOnce() throws Exception {
        try (Broker broker = Broker.start(config().build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer c = new TestClients.Consumer(
                            "c", cc.openStream(consume("t", "s", "earliest")), true, Duration.ZERO, WAIT)
                    .start()) {
                awaitMembers(broker, "t", "s", 1);
                produceAll(broker, producers, "t", 1000);
                Await.until("1,000 messages", WAIT, () -> c.received.get() == 1000);
                assertThat(c.failure).isNull();
                assertThat(c.orderViolation).isNull();
                assertThat(c.sequences())
                        .containsExactlyElementsOf(
                                LongStream.range(0, 1000).boxed().toList());
            }
        }
    }

    /**
     * A member's in-flight ring holds twice its message credit; it must learn what its consumer consumed as
     * soon as the ring fills, not on the broker tick, or catch-up runs at ring / tick. With a tick that never
     * comes during the test, a backlog of five rings still reaches the consumer.
     */
    @Test
    void aBacklogLargerThanTheInFlightRingIsDeliveredWithoutWaitingForTheTick() throws Exception {
        int n = 5 * 2 * (int) EndpointBuilder.DEFAULT_STREAM_WINDOW_MESSAGES;
        try (Broker broker =
                        Broker.start(config().tickInterval(Duration.ofHours(1)).build());
                Client consumers = Client.builder().build();
                Client producers = Client.builder().build()) {
            produceAll(broker, producers, "t", n);
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer c = new TestClients.Consumer(
                            "c", cc.openStream(consume("t", "s", "earliest")), true, Duration.ZERO, WAIT)
                    .start()) {
                Await.until(n + " messages without a tick", Duration.ofSeconds(30), () -> c.received.get() == n);
                assertThat(c.failure).isNull();
                assertThat(c.orderViolation).isNull();
                assertThat(c.missing.get()).isZero();
            }
        }
    }

    /**
     * The block policy frees disk only below what consumers are known to have consumed, and the broker learns
     * that from returned message credit, which a receiver batches by half its window (2,048 messages by
     * default). A log quota far smaller than that: a consumer that has read everything must still hand its
     * credit back (the receiver does on its tick once caught up), or the log stays full and the producer
     * waits forever.
     */
    @Test
    void aQuotaSmallerThanHalfTheConsumersWindowStillDrainsUnderBlock() throws Exception {
        int n = 2000;
        try (Broker broker = Broker.start(config().maxMessageBytes(1024)
                        .logSegmentBytes(8 * 1024)
                        .logMaxBytes(3 * 8 * 1024)
                        .diskPolicy(DiskPolicy.BLOCK)
                        .build());
                Client consumers = Client.builder().build();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer c = new TestClients.Consumer(
                            "c",
                            cc.openStream(consume("t", "s", "earliest")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(30))
                    .start()) {
                awaitMembers(broker, "t", "s", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer p = new TestClients.Producer(
                                pc.openStream(produce("t").build()), PAYLOAD, n, Duration.ofSeconds(30))
                        .start()) {
                    Await.until(
                            n + " messages through a 24 KiB log", Duration.ofSeconds(30), () -> c.received.get() == n);
                    p.join();
                    assertThat(p.failure).isNull();
                }
                assertThat(c.orderViolation).isNull();
                assertThat(c.missing.get()).isZero();
                assertThat(logStats(broker, "t").sizeBytes()).isLessThanOrEqualTo(3 * 8 * 1024);
            }
        }
    }

    @Test
    void aDurableSubscriptionResumesAtItsCommittedOffsetAfterARestart() throws Exception {
        int n = 500;
        int k = 200;
        long committed;
        try (Broker broker = Broker.start(config().build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            produceAll(broker, producers, "t", n);
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            Stream s = cc.openStream(consume("t", "s", "earliest"));
            for (int i = 0; i < k; i++) {
                try (Message m = s.poll(5, TimeUnit.SECONDS)) {
                    assertThat(m).as("message " + i).isNotNull();
                    assertThat(BrokerProtocol.sequence(m.payload())).isEqualTo(i);
                }
            }
            // The client returns credit in steps of a quarter window: the commit gets within a window of k.
            Await.until(
                    "the commit to reach what the consumer consumed",
                    WAIT,
                    () -> cursor(broker, "t", "s").committedOffset() >= k - TestClients.CONSUMER_WINDOW_MESSAGES);
            s.cancel("done");
            Await.until(
                    "the consumer to leave",
                    WAIT,
                    () -> cursor(broker, "t", "s").consumers() == 0);
            committed = cursor(broker, "t", "s").committedOffset();
            assertThat(committed).isBetween((long) k - TestClients.CONSUMER_WINDOW_MESSAGES, (long) k);
        }

        try (Broker broker = Broker.start(config().build());
                Client consumers = TestClients.smallWindowClient()) {
            assertThat(cursor(broker, "t", "s").committedOffset()).isEqualTo(committed);
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            // "latest" is ignored: a subscription with a committed offset resumes there.
            try (TestClients.Consumer resumed = new TestClients.Consumer(
                                    "resumed", cc.openStream(consume("t", "s", "latest")), true, Duration.ZERO, WAIT)
                            .start();
                    TestClients.Consumer all = new TestClients.Consumer(
                                    "all", cc.openStream(consume("t", "all", "earliest")), true, Duration.ZERO, WAIT)
                            .start()) {
                Await.until(
                        "the rest after the committed offset",
                        WAIT,
                        () -> resumed.received.get() == n - committed && all.received.get() == n);
                assertThat(resumed.failure).isNull();
                assertThat(resumed.orderViolation).isNull();
                assertThat(resumed.sequences().get(0)).isEqualTo(committed).isLessThanOrEqualTo(k);
                assertThat(resumed.sequences().get(resumed.sequences().size() - 1))
                        .isEqualTo(n - 1);
                assertThat(all.orderViolation).isNull();
                assertThat(all.sequences().get(0)).isZero();
            }
        }
    }

    @Test
    void aPausedSubscriptionHoldsNobodyBackAndLaterCatchesUpLosingNothing() throws Exception {
        int n = 3000;
        try (Broker broker = Broker.start(config().build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = new TestClients.Consumer(
                            "slow",
                            cc.openStream(consume("t", "slow", null)),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(30));
                    TestClients.Consumer fast = new TestClients.Consumer(
                                    "fast",
                                    cc.openStream(consume("t", "fast", null)),
                                    true,
                                    Duration.ZERO,
                                    Duration.ofSeconds(30))
                            .start()) {
                slow.pause(true);
                slow.start();
                awaitMembers(broker, "t", "slow", 1);
                awaitMembers(broker, "t", "fast", 1);
                produceAll(broker, producers, "t", n);
                Await.until("the fast consumer to get everything", WAIT, () -> fast.received.get() == n);
                assertThat(slow.received.get()).isZero();
                assertThat(cursor(broker, "t", "slow").lag()).isEqualTo(n);
                assertThat(fast.orderViolation).isNull();
                // The fast one read behind the head, from the tail cache; the paused one, 3,000 records behind,
                // will read the log. The cache stays within its bound and the broker budget holds its bytes.
                LogTopicStats near = logStats(broker, "t");
                assertThat(near.tailCacheHits()).isPositive();
                assertThat(near.tailCacheBytes()).isBetween(1L, LogTopic.TAIL_CACHE_BYTES);
                assertThat(broker.budget().reservedBytes()).isGreaterThanOrEqualTo(near.tailCacheBytes());

                slow.pause(false);
                Await.until("the paused consumer to catch up", WAIT, () -> slow.received.get() == n);
                assertThat(slow.orderViolation).isNull();
                assertThat(slow.missing.get()).isZero();
                Await.until(
                        "both cursors committed near the end",
                        WAIT,
                        () -> cursor(broker, "t", "slow").lag() <= TestClients.CONSUMER_WINDOW_MESSAGES
                                && cursor(broker, "t", "fast").lag() <= TestClients.CONSUMER_WINDOW_MESSAGES);
            }
        }
    }

    private BrokerConfig.Builder smallLog(DiskPolicy policy) {
        // 4 KiB segments, 3 of them: about 48 records of 100 bytes in the log at most.
        // A small producer window, so that held producers stall in their sends.
        return config().maxMessageBytes(1024)
                .logSegmentBytes(4096)
                .logMaxBytes(3 * 4096 + 1024)
                .producerWindowBytes(8 * 1024)
                .diskPolicy(policy);
    }

    @Test
    void aFullLogAnswersHttpWith503AndARetryAfterFromTheSlowestCursorsRate() throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        try (Broker broker = Broker.start(smallLog(DiskPolicy.BLOCK).httpPort(0).build());
                Client consumers = TestClients.smallWindowClient()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = new TestClients.Consumer(
                    "slow",
                    cc.openStream(consume("t", "slow", "earliest")),
                    true,
                    Duration.ZERO,
                    Duration.ofSeconds(30))) {
                slow.pause(true);
                slow.start();
                awaitMembers(broker, "t", "slow", 1);
                java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + broker.httpPort() + "/topics/t");
                java.net.http.HttpResponse<String> r = null;
                for (int i = 0; i < 1000; i++) { // the log holds about 120 records: it fills well before
                    r = http.send(
                            java.net.http.HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(5))
                                    .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                                            TestClients.payload(i, PAYLOAD)))
                                    .build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 202) {
                        break;
                    }
                }
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                // The subscription protecting the oldest data reads nothing: no rate, the longest wait.
                assertThat(r.headers().firstValue("Retry-After")).hasValue("60");
                long accepted = logStats(broker, "t").endOffset();
                slow.pause(false);
                Await.until("the slow consumer to read everything", WAIT, () -> slow.received.get() == accepted);
                Await.until("room again: 202", WAIT, () -> {
                    try {
                        return http.send(
                                                java.net.http.HttpRequest.newBuilder(uri)
                                                        .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(
                                                                TestClients.payload(accepted, PAYLOAD)))
                                                        .build(),
                                                java.net.http.HttpResponse.BodyHandlers.ofString())
                                        .statusCode()
                                == 202;
                    } catch (java.io.IOException | InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                assertThat(logStats(broker, "t").unreadRecordsDropped()).isZero();
            }
        }
    }

    @Test
    void aFullLogUnderBlockHoldsTheProducersUntilTheSlowestCursorMoves() throws Exception {
        int n = 400;
        try (Broker broker = Broker.start(smallLog(DiskPolicy.BLOCK).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = pausedConsumer(broker, cc, "t", "slow", true)) {
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer p = smallQueueProducer(pc, "t", n)) {
                    Await.until(
                            "the producers to be held",
                            WAIT,
                            () -> logStats(broker, "t").held().equals("log_full"));
                    long sentWhileHeld = p.sent.get();
                    long endWhileHeld = logStats(broker, "t").endOffset();
                    assertThat(endWhileHeld).isLessThan(n);
                    assertThat(sentWhileHeld).isLessThan(n);
                    assertThat(cursor(broker, "t", "slow").committedOffset()).isZero();

                    resumeAndDeliverAll(p, slow, n);
                    LogTopicStats ls = logStats(broker, "t");
                    assertThat(ls.holdEvents().get("log_full")).isPositive();
                    assertThat(ls.unreadRecordsDropped()).isZero();
                    assertThat(ls.sizeBytes()).isLessThanOrEqualTo(ls.maxBytes());
                }
            }
        }
    }

    @Test
    void aFullLogUnderDropOldestMakesTheLaggardSkipACountedGap() throws Exception {
        int n = 400;
        try (Broker broker = Broker.start(smallLog(DiskPolicy.DROP_OLDEST).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = pausedConsumer(broker, cc, "t", "slow", false)) {
                produceAll(broker, producers, "t", n);
                slow.pause(false);
                Await.until(
                        "the slow consumer to reach the end",
                        WAIT,
                        () -> slow.sequences().contains((long) n - 1));
                LogTopicStats ls = logStats(broker, "t");
                LogTopicStats.CursorStats c = cursor(broker, "t", "slow");
                assertThat(slow.orderViolation).isNull();
                assertThat(ls.unreadRecordsDropped()).isPositive();
                assertThat(c.skippedRecords()).isPositive();
                assertThat(slow.missing.get()).isEqualTo(c.skippedRecords());
                assertThat(slow.received.get() + slow.missing.get()).isEqualTo(n);
                assertThat(PrometheusText.value(
                                broker.metrics(),
                                "creditflow_log_skipped_records_total",
                                "topic",
                                "t",
                                "subscription",
                                "slow"))
                        .isEqualTo(c.skippedRecords());
            }
        }
    }

    @Test
    void aBadFromOrANonLogPolicyOnADurableTopicIsRefusedWithInvalidArgument() throws Exception {
        try (Broker broker = Broker.start(config().build());
                Client client = Client.builder().build()) {
            Connection c = client.connect("127.0.0.1", broker.port());
            List<String[]> cases = new ArrayList<>();
            cases.add(new String[] {"from", "sometime", "from: 'sometime'"});
            cases.add(new String[] {"from", "offset:-1", "from: 'offset:-1'"});
            cases.add(new String[] {"policy", "block", "topic 't' is durable: subscriptions are cursors, policy log"});
            for (String[] kv : cases) {
                Stream s = c.openStream(StreamOptions.builder()
                        .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                        .metadata(BrokerProtocol.TOPIC, "t")
                        .metadata(BrokerProtocol.SUBSCRIPTION, "s")
                        .metadata(kv[0], kv[1])
                        .build());
                CloseStatus status = BrokerWireContractTest.closed(s);
                assertThat(status).as(kv[1]).isNotNull();
                assertThat(status.code()).as(kv[1]).isEqualTo(ErrorCode.INVALID_ARGUMENT);
                assertThat(status.reason()).as(kv[1]).contains(kv[2]);
            }
            assertThat(c.isActive()).isTrue();
        }
        try (Broker memory =
                        Broker.start(BrokerConfig.builder().port(0).httpPort(-1).build());
                Client client = Client.builder().build()) {
            Stream s = client.connect("127.0.0.1", memory.port()).openStream(TestClients.consume("t", "s", "log"));
            CloseStatus status = BrokerWireContractTest.closed(s);
            assertThat(status.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(status.reason()).contains("policy: log needs a durable topic");
        }
    }
}
