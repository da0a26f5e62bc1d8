package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A subscription outlives its last consumer for the grace period: a consumer that drops and comes back
 * under the same name within it loses nothing that was still in the broker; after it, the subscription
 * and what it held are dropped and counted, and a newcomer starts at the tail.
 */
@ExtendWith(LeakCheck.class)
class SubscriptionGraceTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** Takes exactly {@code n} messages and returns the sequence of the first one. */
    static long take(Stream consumer, int n, long expectedFirst) throws InterruptedException {
        long first = -1;
        for (int i = 0; i < n; i++) {
            try (Message m = consumer.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                assertThat(m).as("message %d of %d", i + 1, n).isNotNull();
                long seq = BrokerProtocol.sequence(m.payload());
                assertThat(seq).as("no gap").isEqualTo(expectedFirst + i);
                if (i == 0) {
                    first = seq;
                }
            }
        }
        return first;
    }

    static void publish(Broker broker, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(broker.publish("t", new byte[100]).accepted()).isTrue();
        }
    }

    @Test
    void aConsumerThatReconnectsWithinTheGraceResumesWhereItLeftOff() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .subscriptionGrace(Duration.ofSeconds(30))
                .build())) {
            try (Client first = Client.builder().build()) {
                Stream c = first.connect("127.0.0.1", broker.port()).openStream(consume("t", "s", "block"));
                awaitMembers(broker, "t", "s", 1);
                publish(broker, 50);
                take(c, 50, 0);
            } // the consumer's process is gone: its connection closes
            awaitMembers(broker, "t", "s", 0);
            publish(broker, 200); // while nobody is attached
            Await.until(
                    "the detached subscription to queue them",
                    WAIT,
                    () -> TestClients.subscription(broker, "t", "s")
                                    .orElseThrow()
                                    .depthMessages()
                            == 200);
            try (Client second = Client.builder().build()) {
                Stream c = second.connect("127.0.0.1", broker.port()).openStream(consume("t", "s", "block"));
                take(c, 200, 50);
                assertThat(TestClients.topic(broker, "t").orElseThrow().expiredSubscriptions())
                        .isZero();
            }
        }
    }

    @Test
    void afterTheGraceTheSubscriptionIsDroppedCountedAndANewcomerStartsAtTheTail() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .subscriptionGrace(Duration.ofMillis(200))
                .tickInterval(Duration.ofMillis(20))
                .build())) {
            try (Client first = Client.builder().build()) {
                first.connect("127.0.0.1", broker.port()).openStream(consume("t", "s", "block"));
                awaitMembers(broker, "t", "s", 1);
            }
            awaitMembers(broker, "t", "s", 0);
            publish(broker, 10);
            Await.until(
                    "the subscription to expire",
                    WAIT,
                    () -> TestClients.subscription(broker, "t", "s").isEmpty());
            TopicStats t = TestClients.topic(broker, "t").orElseThrow();
            assertThat(t.expiredSubscriptions()).isEqualTo(1);
            assertThat(t.droppedByExpiry()).as("what it still held, counted").isEqualTo(10);
            assertThat(broker.budget().reservedBytes()).as("and released").isZero();
            String metrics = broker.metrics();
            assertThat(PrometheusText.value(metrics, "creditflow_topic_expired_subscriptions_total", "topic", "t"))
                    .isEqualTo(1);
            assertThat(PrometheusText.value(metrics, "creditflow_topic_expired_messages_total", "topic", "t"))
                    .isEqualTo(10);
            try (Client second = Client.builder().build()) {
                Stream c = second.connect("127.0.0.1", broker.port()).openStream(consume("t", "s", "block"));
                awaitMembers(broker, "t", "s", 1);
                publish(broker, 1);
                take(c, 1, 10);
            }
        }
    }

    @Test
    void withNoGraceASubscriptionGoesWithItsLastConsumer() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .subscriptionGrace(Duration.ZERO)
                .build())) {
            try (Client first = Client.builder().build()) {
                first.connect("127.0.0.1", broker.port()).openStream(consume("t", "s", "block"));
                awaitMembers(broker, "t", "s", 1);
            }
            Await.until(
                    "the subscription to go",
                    WAIT,
                    () -> TestClients.subscription(broker, "t", "s").isEmpty());
        }
    }
}
