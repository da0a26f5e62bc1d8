package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import java.time.Duration;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No message waits for the broker's timer while credit and room exist: every move is driven by the
 * transport's readable and ready events. With the timer set to an hour, a producer at full speed, a fast
 * consumer and a slow lossy one (100 msg/s with a default window, so its own credit comes back rarely and
 * drives almost nothing) must still move every message; a single lost wake-up (the one behind the
 * 2,540 msg/s stalls: 256 KiB per 100 ms tick) stops the flow for good here, and the test fails.
 */
@ExtendWith(LeakCheck.class)
class LostWakeupTest {
    static final int MESSAGES = 100_000;

    @ParameterizedTest(name = "slow subscriber {0}")
    @ValueSource(strings = {"drop-oldest", "drop-newest"})
    void everyMessageMovesWithoutTheTimer(String slowPolicy) throws Exception {
        // One event loop for every connection: a pump driven by a ready or readable event runs on the loop that
        // writes the consumers' queues out, so a consumer's send queue fills within the pump, the way it does
        // when a broker has more connections than cores; the offer that does not fit then depends on onReady.
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .tickInterval(Duration.ofHours(1))
                .ioThreads(1)
                .build();
        try (Broker broker = Broker.start(config);
                // A window far above the broker's 256 KiB send queue: credit never says "not ready", so only the
                // send queue's room decides, and the offer that does not fit is the only thing asking for onReady.
                Client consumers = Client.builder()
                        .connectionWindowBytes(64L << 20)
                        .streamWindowBytes(32L << 20)
                        .streamWindowMessages(1_000_000)
                        .build();
                Client slowClient = Client.builder().build();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer fast = new TestClients.Consumer(
                                    "fast",
                                    cc.openStream(consume("t", "fast", "block")),
                                    true,
                                    Duration.ZERO,
                                    Duration.ofSeconds(60))
                            .start();
                    TestClients.Consumer slow = new TestClients.Consumer(
                                    "slow",
                                    slowClient
                                            .connect("127.0.0.1", broker.port())
                                            .openStream(consume("t", "slow", slowPolicy)),
                                    false,
                                    Duration.ofMillis(10),
                                    Duration.ofSeconds(60))
                            .start()) {
                awaitMembers(broker, "t", "fast", 1);
                awaitMembers(broker, "t", "slow", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer producer = new TestClients.Producer(
                                pc.openStream(produce("t").build()), 1024, MESSAGES, Duration.ofSeconds(60))
                        .start()) {
                    Await.until(
                            "the fast consumer to receive all " + MESSAGES + " messages (sent " + producer.sent.get()
                                    + ", fast has " + fast.received.get() + ")",
                            Duration.ofSeconds(60),
                            () -> fast.received.get() == MESSAGES);
                    producer.join();
                    assertThat(producer.failure).isNull();
                }
                assertThat(fast.failure).isNull();
                assertThat(fast.orderViolation).isNull();
                assertThat(fast.missing.get()).isZero();
                assertThat(slow.failure).isNull();
                assertThat(slow.orderViolation).isNull();
                var slowStats = TestClients.subscription(broker, "t", "slow").orElseThrow();
                assertThat(slowStats.droppedMessages())
                        .as("the slow subscriber lost messages, counted")
                        .isPositive();
            }
        }
    }
}
