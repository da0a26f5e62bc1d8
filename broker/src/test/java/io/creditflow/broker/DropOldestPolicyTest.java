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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DROP_OLDEST end to end: a slow drop-oldest subscriber does not hold back the topic; the fast
 * subscriber keeps its rate, the slow one loses its oldest queued messages (counted, and visible to it
 * as gaps in the sequence numbers), and delivered + dropped accounts for every message published.
 */
@ExtendWith(LeakCheck.class)
class DropOldestPolicyTest {
    static final int PAYLOAD = 256;
    static final int MESSAGES = 20_000;

    @Test
    void aSlowDropOldestSubscriberLosesItsOldestMessagesAndHoldsNobodyBack() throws Exception {
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
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer fast = new TestClients.Consumer(
                                    "fast",
                                    cc.openStream(consume("t", "fast", "block")),
                                    true,
                                    Duration.ZERO,
                                    Duration.ofSeconds(20))
                            .start();
                    TestClients.Consumer slow = new TestClients.Consumer(
                                    "slow",
                                    cc.openStream(consume("t", "slow", "drop-oldest")),
                                    false,
                                    Duration.ofMillis(20),
                                    Duration.ofSeconds(20))
                            .start()) {
                awaitMembers(broker, "t", "fast", 1);
                awaitMembers(broker, "t", "slow", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer producer = new TestClients.Producer(
                                pc.openStream(produce("t").build()), PAYLOAD, MESSAGES, Duration.ofMillis(1500))
                        .start()) {
                    producer.join();
                    assertThat(producer.failure).isNull();
                    long sent = producer.sent.get();
                    long fastAtStop = fast.received.get();
                    long slowAtStop = slow.received.get();
                    Await.until(
                            "the fast consumer to receive all " + sent + " messages",
                            Duration.ofSeconds(10),
                            () -> fast.received.get() == sent);
                    long fastAtEnd = fast.received.get();
                    long slowWhileFastDone = slow.received.get();

                    // Drain the slow subscription at full speed: what is still queued arrives.
                    slow.pace(Duration.ZERO);
                    Await.until("the slow subscription to drain", Duration.ofSeconds(10), () -> {
                        var s = TestClients.subscription(broker, "t", "slow").orElseThrow();
                        return s.depthMessages() == 0 && s.deliveredMessages() == slow.received.get();
                    });
                    TopicStats t = TestClients.topic(broker, "t").orElseThrow();
                    var slowStats =
                            TestClients.subscription(broker, "t", "slow").orElseThrow();
                    var fastStats =
                            TestClients.subscription(broker, "t", "fast").orElseThrow();
                    System.out.printf(
                            "DROP_OLDEST: sent %d; at producer stop fast %d slow %d; fast done at %d while slow "
                                    + "had %d; slow delivered %d dropped %d, saw %d missing sequence numbers%n",
                            sent,
                            fastAtStop,
                            slowAtStop,
                            fastAtEnd,
                            slowWhileFastDone,
                            slowStats.deliveredMessages(),
                            slowStats.droppedMessages(),
                            slow.missing.get());

                    assertThat(fast.failure).isNull();
                    assertThat(slow.failure).isNull();
                    // The fast consumer got everything, in order, at the producer's pace.
                    assertThat(fast.orderViolation).isNull();
                    assertThat(fast.missing.get()).isZero();
                    assertThat(fastStats.deliveredMessages()).isEqualTo(sent);
                    assertThat(fastAtEnd).isGreaterThan(5 * slowWhileFastDone);
                    // The slow one lost messages: counted, and seen as gaps; what it got is in order.
                    assertThat(slow.orderViolation).isNull();
                    assertThat(slowStats.droppedMessages()).isPositive();
                    assertThat(slow.missing.get()).isEqualTo(slowStats.droppedMessages());
                    assertThat(slow.received.get()).isEqualTo(slowStats.deliveredMessages());
                    // Every published message is accounted for: delivered or dropped.
                    assertThat(t.publishedMessages()).isEqualTo(sent);
                    assertThat(slowStats.deliveredMessages() + slowStats.droppedMessages())
                            .isEqualTo(sent);
                    // The newest message is never the one dropped: the slow consumer ends with the last one.
                    List<Long> seqs = slow.sequences();
                    assertThat(seqs.get(seqs.size() - 1)).isEqualTo(sent - 1);
                    Await.until(
                            "the broker to release every byte",
                            Duration.ofSeconds(5),
                            () -> broker.budget().reservedBytes() == 0);
                    producer.stream.halfClose();
                }
            }
        }
    }
}
