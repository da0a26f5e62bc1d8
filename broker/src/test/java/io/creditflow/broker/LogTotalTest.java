package io.creditflow.broker;

import static io.creditflow.broker.DurableTopicTest.PAYLOAD;
import static io.creditflow.broker.DurableTopicTest.consume;
import static io.creditflow.broker.DurableTopicTest.cursor;
import static io.creditflow.broker.DurableTopicTest.logStats;
import static io.creditflow.broker.DurableTopicTest.pausedConsumer;
import static io.creditflow.broker.DurableTopicTest.produceAll;
import static io.creditflow.broker.DurableTopicTest.resumeAndDeliverAll;
import static io.creditflow.broker.DurableTopicTest.smallQueueProducer;
import static io.creditflow.broker.TestClients.awaitMembers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker-wide disk total ({@link BrokerConfig#logTotalMaxBytes()}): every durable topic's log counts in it,
 * and an append that would take it over is handled by the topic's disk policy, in its own log, as for its own
 * bound: block holds the producers (reason total_full) and reclaims only what cursors have passed, in this topic
 * and the others; drop-oldest drops the topic's own oldest segments.
 */
@ExtendWith(LeakCheck.class)
class LogTotalTest {
    static final Duration WAIT = Duration.ofSeconds(10);
    /** Five 4 KiB segments for all topics together; each topic alone could hold 64 KiB. */
    static final long TOTAL = 5 * 4096;

    @TempDir
    Path dataDir;

    private BrokerConfig.Builder config(DiskPolicy policy) {
        return BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .dataDir(dataDir)
                .maxMessageBytes(1024)
                .logSegmentBytes(4096)
                .logMaxBytes(64 * 1024)
                .logTotalMaxBytes(TOTAL)
                .producerWindowBytes(8 * 1024)
                .diskPolicy(policy);
    }

    @Test
    void underBlockAFullTotalHoldsTheProducersUntilTheSlowestCursorMovesAndLosesNothing() throws Exception {
        int n = 400; // 142 bytes on disk each: nearly three times the total
        try (Broker broker = Broker.start(config(DiskPolicy.BLOCK).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = pausedConsumer(broker, cc, "a", "slow", true)) {
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer p = smallQueueProducer(pc, "a", n)) {
                    Await.until(
                            "the producers to be held by the total",
                            WAIT,
                            () -> logStats(broker, "a").held().equals("total_full"));
                    LogTopicStats held = logStats(broker, "a");
                    assertThat(held.heldReason())
                            .contains("broker-wide log total full")
                            .contains("of " + TOTAL)
                            .contains("disk policy block");
                    assertThat(held.totalMaxBytes()).isEqualTo(TOTAL);
                    assertThat(held.totalBytes()).isEqualTo(held.sizeBytes()).isLessThanOrEqualTo(TOTAL);
                    assertThat(held.sizeBytes()).isLessThan(held.maxBytes());
                    assertThat(held.endOffset()).isLessThan(n);
                    String metrics = broker.metrics();
                    assertThat(PrometheusText.value(metrics, "creditflow_log_total_max_bytes"))
                            .isEqualTo(TOTAL);
                    assertThat(PrometheusText.value(
                                    metrics, "creditflow_log_appends_held", "topic", "a", "reason", "total_full"))
                            .isEqualTo(1);

                    // Another topic shares the total: it gets at most the room a's held batch (up to 256 KiB, a
                    // whole read batch) could not use, then it is refused too, and the total holds.
                    boolean refused = false;
                    for (int i = 0; i < 200 && !refused; i++) {
                        refused = !broker.publish("b", new byte[PAYLOAD]).accepted();
                    }
                    assertThat(refused).as("b refused once the total is full").isTrue();
                    assertThat(logStats(broker, "b").totalBytes()).isLessThanOrEqualTo(TOTAL);

                    resumeAndDeliverAll(p, slow, n);
                    LogTopicStats after = logStats(broker, "a");
                    assertThat(after.holdEvents().get("total_full")).isPositive();
                    assertThat(after.held()).isEqualTo("none");
                    assertThat(after.unreadRecordsDropped()).isZero();
                    assertThat(after.totalBytes()).isLessThanOrEqualTo(TOTAL);
                }
            }
        }
    }

    @Test
    void aTopicHeldByTheTotalReclaimsWhatTheOtherTopicsCursorsHavePassed() throws Exception {
        try (Broker broker = Broker.start(config(DiskPolicy.BLOCK).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            // "b" fills most of the total and its only subscription reads everything.
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer reader = new TestClients.Consumer(
                            "reader",
                            cc.openStream(consume("b", "reader", "earliest")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(30))
                    .start()) {
                awaitMembers(broker, "b", "reader", 1);
                produceAll(broker, producers, "b", 100);
                // The client returns credit in steps of a quarter window: the commit gets within a window of the end,
                // past b's first segment (28 records).
                Await.until(
                        "b's cursor to commit what its consumer consumed",
                        WAIT,
                        () -> reader.received.get() == 100
                                && cursor(broker, "b", "reader").lag() <= TestClients.CONSUMER_WINDOW_MESSAGES);
            }
            long bBefore = logStats(broker, "b").sizeBytes();
            assertThat(bBefore).isGreaterThan(TOTAL / 2);

            // "a", with a subscription that reads nothing, still gets more than what b left free.
            try (TestClients.Consumer slow = pausedConsumer(broker, cc, "a", "slow", true)) {
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer p = smallQueueProducer(pc, "a", 400)) {
                    Await.until(
                            "a to be held by the total",
                            WAIT,
                            () -> logStats(broker, "a").held().equals("total_full"));
                    LogTopicStats a = logStats(broker, "a");
                    LogTopicStats b = logStats(broker, "b");
                    assertThat(a.sizeBytes())
                            .as("a used room b's passed segments held")
                            .isGreaterThan(TOTAL - bBefore);
                    assertThat(b.startOffset()).isPositive();
                    assertThat(slow.received.get())
                            .as("a's own data is all unread")
                            .isZero();
                    assertThat(b.unreadRecordsDropped()).isZero();
                    assertThat(a.totalBytes())
                            .isEqualTo(a.sizeBytes() + b.sizeBytes())
                            .isLessThanOrEqualTo(TOTAL);
                    p.stop();
                }
            }
        }
    }

    @Test
    void underDropOldestAFullTotalMakesTheLaggardSkipACountedGap() throws Exception {
        int n = 400;
        try (Broker broker = Broker.start(config(DiskPolicy.DROP_OLDEST).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = pausedConsumer(broker, cc, "a", "slow", false)) {
                produceAll(broker, producers, "a", n);
                LogTopicStats ls = logStats(broker, "a");
                assertThat(ls.sizeBytes()).isLessThanOrEqualTo(TOTAL);
                assertThat(ls.totalBytes()).isLessThanOrEqualTo(TOTAL);
                assertThat(ls.unreadRecordsDropped()).isPositive();
                assertThat(ls.holdEvents().get("total_full")).isZero();
                slow.pause(false);
                Await.until(
                        "the slow consumer to reach the end",
                        WAIT,
                        () -> slow.sequences().contains((long) n - 1));
                assertThat(slow.orderViolation).isNull();
                assertThat(slow.missing.get())
                        .isEqualTo(cursor(broker, "a", "slow").skippedRecords())
                        .isPositive();
                assertThat(slow.received.get() + slow.missing.get()).isEqualTo(n);
            }
        }
    }

    @Test
    void theTotalIsValidatedAndOffByDefault() {
        assertThat(BrokerConfig.builder().build().logTotalMaxBytes()).isZero();
        assertThatThrownBy(() -> BrokerConfig.builder().logTotalMaxBytes(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected: >= 0");
        assertThatThrownBy(() -> BrokerConfig.builder()
                        .logSegmentBytes(4096)
                        .logTotalMaxBytes(8192)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logTotalMaxBytes: 8192 (expected: 0 for no broker-wide total, or >= 3 * "
                        + "logSegmentBytes = 12288");
        BrokerConfig c = BrokerConfig.builder().logTotalMaxBytes(64L << 20).build();
        assertThat(c.logSegmentBytes()).as("a quarter of the tighter bound").isEqualTo(16 << 20);
    }
}
