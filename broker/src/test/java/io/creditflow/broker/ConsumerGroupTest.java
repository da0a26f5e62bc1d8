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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A consumer group: two consumers with the same subscription name share its messages. Every message
 * goes to exactly one of them (none twice, none missing), each sees its share in order, and the slow
 * member, having less credit to offer, gets fewer.
 */
@ExtendWith(LeakCheck.class)
class ConsumerGroupTest {
    static final int PAYLOAD = 256;
    static final int MESSAGES = 3000;

    @Test
    void membersShareTheSubscriptionExactlyOnceAndTheSlowOneGetsLess() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBuffer(64 * 1024, 1000)
                .subscriptionQueue(64 * 1024, 1000)
                .budgetBytes(1024 * 1024)
                .maxMessageBytes(16 * 1024)
                .producerWindowBytes(32 * 1024)
                .build();
        try (Broker broker = Broker.start(config);
                Client fastClient = TestClients.smallWindowClient();
                Client slowClient = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection fc = fastClient.connect("127.0.0.1", broker.port());
            Connection sc = slowClient.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer fast = new TestClients.Consumer(
                                    "fast",
                                    fc.openStream(consume("t", "group", "block")),
                                    false,
                                    Duration.ZERO,
                                    Duration.ofSeconds(20))
                            .start();
                    TestClients.Consumer slow = new TestClients.Consumer(
                                    "slow",
                                    sc.openStream(consume("t", "group", "block")),
                                    false,
                                    Duration.ofMillis(5),
                                    Duration.ofSeconds(20))
                            .start()) {
                awaitMembers(broker, "t", "group", 2);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer producer = new TestClients.Producer(
                                pc.openStream(produce("t").build()), PAYLOAD, MESSAGES, Duration.ofSeconds(10))
                        .start()) {
                    producer.join();
                    assertThat(producer.failure).isNull();
                    assertThat(producer.sent.get()).isEqualTo(MESSAGES);
                    Await.until(
                            "the group to receive all " + MESSAGES + " messages",
                            Duration.ofSeconds(10),
                            () -> fast.received.get() + slow.received.get() >= MESSAGES);
                    assertThat(fast.failure).isNull();
                    assertThat(slow.failure).isNull();

                    List<Long> all = new ArrayList<>(fast.sequences());
                    all.addAll(slow.sequences());
                    Set<Long> distinct = new HashSet<>(all);
                    System.out.printf(
                            "GROUP: %d messages; fast member got %d, slow member got %d%n",
                            MESSAGES, fast.received.get(), slow.received.get());
                    assertThat(all).hasSize(MESSAGES); // nothing twice
                    assertThat(distinct).hasSize(MESSAGES);
                    for (long seq = 0; seq < MESSAGES; seq++) { // nothing missing
                        assertThat(distinct).contains(seq);
                    }
                    // Each member's share arrives in topic order.
                    assertThat(fast.orderViolation).isNull();
                    assertThat(slow.orderViolation).isNull();
                    assertThat(slow.received.get()).isPositive().isLessThan(fast.received.get());

                    var group = TestClients.subscription(broker, "t", "group").orElseThrow();
                    assertThat(group.consumers()).isEqualTo(2);
                    assertThat(group.deliveredMessages()).isEqualTo(MESSAGES);
                    assertThat(group.droppedMessages()).isZero();
                    // Nothing more arrives afterwards (no duplicate redelivery).
                    Await.until(
                            "the broker to hold nothing",
                            Duration.ofSeconds(5),
                            () -> broker.budget().reservedBytes() == 0);
                    assertThat(fast.received.get() + slow.received.get()).isEqualTo(MESSAGES);
                    producer.stream.halfClose();
                }
            }
        }
    }
}
