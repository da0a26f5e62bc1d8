package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Stream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DISCONNECT end to end: a consumer that stops reading is evicted, by the stall limit or by the lag
 * limit (its queue bound). Its stream is reset with SLOW_CONSUMER and a reason naming the cause, the
 * eviction is counted, its queued bytes leave the broker budget, and the other subscription keeps
 * receiving before and after.
 */
@ExtendWith(LeakCheck.class)
class DisconnectPolicyTest {
    static final int PAYLOAD = 256;

    private static BrokerConfig.Builder config() {
        return BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBuffer(64 * 1024, 1000)
                .subscriptionQueue(64 * 1024, 1000)
                .budgetBytes(1024 * 1024)
                .maxMessageBytes(16 * 1024)
                .producerWindowBytes(32 * 1024);
    }

    @Test
    void aConsumerThatAcceptsNothingForTheStallLimitIsEvicted() throws Exception {
        try (Broker broker = Broker.start(
                        config().disconnectStall(Duration.ofMillis(300)).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            // Never polled: it takes what its receive window allows, then accepts nothing more.
            Stream stuck = cc.openStream(consume("t", "stuck", "disconnect"));
            try (TestClients.Consumer other = new TestClients.Consumer(
                            "other",
                            cc.openStream(consume("t", "other", "block")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(20))
                    .start()) {
                awaitMembers(broker, "t", "stuck", 1);
                awaitMembers(broker, "t", "other", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                Stream ps = pc.openStream(produce("t").build());

                // 200 messages: more than the stuck consumer's window (64 messages), well under its
                // queue bound (about 250), so only the stall limit can evict it.
                long t0 = System.nanoTime();
                for (long i = 0; i < 200; i++) {
                    ps.send(TestClients.payload(i, PAYLOAD), 5, TimeUnit.SECONDS);
                }
                Await.until(
                        "the other consumer to receive the first 200",
                        Duration.ofSeconds(5),
                        () -> other.received.get() == 200);
                // If the eviction has not happened yet (it is due about 300 ms after the window filled),
                // note what the stuck subscription holds: reserved first, then the stats, so that an
                // eviction in between shows as a missing subscription rather than mismatched figures.
                long queuedBeforeEviction = -1;
                long reservedBeforeEviction = broker.budget().reservedBytes();
                var before = TestClients.subscription(broker, "t", "stuck");
                if (before.isPresent()) {
                    queuedBeforeEviction = before.get().depthBytes();
                }

                CloseStatus status = stuck.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
                long evictedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                TopicStats t = TestClients.topic(broker, "t").orElseThrow();
                System.out.printf(
                        "DISCONNECT (stall): evicted after ~%d ms with %s; before eviction the stuck "
                                + "subscription held %d bytes, broker reserved %d; evictions %d, freed %d messages%n",
                        evictedAfterMs,
                        status,
                        queuedBeforeEviction,
                        reservedBeforeEviction,
                        t.evictions(),
                        t.droppedByEvictions());

                assertThat(status.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
                assertThat(status.remote()).isTrue();
                assertThat(status.reason())
                        .contains("evicted from subscription 'stuck'")
                        .contains("accepted nothing for")
                        .contains("limit 300 ms");
                assertThat(evictedAfterMs).isGreaterThanOrEqualTo(300);
                assertThat(t.evictions()).isEqualTo(1);
                assertThat(t.droppedByEvictions()).isPositive(); // it had messages queued when evicted
                assertThat(t.subscriptions())
                        .extracting(TopicStats.SubscriptionStats::name)
                        .containsExactly("other");
                if (queuedBeforeEviction >= 0) {
                    assertThat(queuedBeforeEviction).isPositive();
                    assertThat(reservedBeforeEviction).isGreaterThanOrEqualTo(queuedBeforeEviction);
                }
                // Its queue left the budget: with the other consumer caught up, the broker holds nothing.
                Await.until(
                        "the broker to release the evicted queue",
                        Duration.ofSeconds(5),
                        () -> broker.budget().reservedBytes() == 0);

                // The other subscription keeps flowing after the eviction.
                for (long i = 200; i < 400; i++) {
                    ps.send(TestClients.payload(i, PAYLOAD), 5, TimeUnit.SECONDS);
                }
                Await.until(
                        "the other consumer to receive all 400",
                        Duration.ofSeconds(5),
                        () -> other.received.get() == 400);
                assertThat(other.orderViolation).isNull();
                assertThat(other.failure).isNull();
                Await.until(
                        "the broker to hold nothing",
                        Duration.ofSeconds(5),
                        () -> broker.budget().reservedBytes() == 0);
                assertThat(TestClients.topic(broker, "t").orElseThrow().evictions())
                        .isEqualTo(1);
                ps.halfClose();
            }
        }
    }

    @Test
    void aConsumerThatFallsBehindItsQueueBoundIsEvicted() throws Exception {
        // A stall limit far beyond the test: only the lag limit can evict.
        try (Broker broker = Broker.start(
                        config().disconnectStall(Duration.ofSeconds(60)).build());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            Stream stuck = cc.openStream(consume("t", "stuck", "disconnect"));
            try (TestClients.Consumer other = new TestClients.Consumer(
                            "other",
                            cc.openStream(consume("t", "other", "block")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(20))
                    .start()) {
                awaitMembers(broker, "t", "stuck", 1);
                awaitMembers(broker, "t", "other", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer producer = new TestClients.Producer(
                                pc.openStream(produce("t").build()), PAYLOAD, 2000, Duration.ofSeconds(10))
                        .start()) {
                    CloseStatus status =
                            stuck.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    long sentAtEviction = producer.sent.get();
                    producer.join();
                    assertThat(producer.failure).isNull();
                    Await.until(
                            "the other consumer to receive all 2000",
                            Duration.ofSeconds(5),
                            () -> other.received.get() == 2000);
                    Await.until(
                            "the broker to hold nothing",
                            Duration.ofSeconds(5),
                            () -> broker.budget().reservedBytes() == 0);
                    TopicStats t = TestClients.topic(broker, "t").orElseThrow();
                    System.out.printf(
                            "DISCONNECT (lag): evicted with %s when the producer had sent %d; evictions %d, "
                                    + "freed %d messages; other received %d%n",
                            status, sentAtEviction, t.evictions(), t.droppedByEvictions(), other.received.get());

                    assertThat(status.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
                    assertThat(status.reason())
                            .contains("evicted from subscription 'stuck'")
                            .contains("lagged")
                            .contains("limit 1000 messages / 65536 bytes");
                    assertThat(t.evictions()).isEqualTo(1);
                    assertThat(t.droppedByEvictions()).isPositive();
                    assertThat(t.subscriptions())
                            .extracting(TopicStats.SubscriptionStats::name)
                            .containsExactly("other");
                    assertThat(other.orderViolation).isNull();
                    assertThat(other.missing.get()).isZero();
                    assertThat(other.failure).isNull();
                    producer.stream.halfClose();
                }
            }
        }
    }
}
