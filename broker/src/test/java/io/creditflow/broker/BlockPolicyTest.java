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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * BLOCK end to end: one producer at full speed, a fast and a slow (about 150 msg/s) BLOCK consumer.
 * The pressure chain carries the slow consumer's pace back to the producer: its rate converges to the
 * slow consumer's, its {@code offer} says QUEUE_FULL, the broker never holds more than its budget, and
 * both consumers get every message in order.
 */
@ExtendWith(LeakCheck.class)
class BlockPolicyTest {
    static final int PAYLOAD = 256;
    static final int MESSAGE = PAYLOAD + BrokerProtocol.HEADER_BYTES;
    /** Smaller than topic buffer + subscription queue (128 KiB): the budget is a real bound here. */
    static final long BUDGET = 96 * 1024;

    static final int SLOW_RATE = 150;
    static final Duration RUN = Duration.ofMillis(3000);
    static final Duration WINDOW = Duration.ofSeconds(1);

    @Test
    void theSlowestBlockSubscriberSetsTheProducersPaceWithinTheBudget() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBuffer(64 * 1024, 1000)
                .subscriptionQueue(64 * 1024, 1000)
                .budgetBytes(BUDGET)
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
                                    cc.openStream(consume("t", "slow", "block")),
                                    true,
                                    Duration.ofNanos(1_000_000_000L / SLOW_RATE),
                                    Duration.ofSeconds(20))
                            .start()) {
                awaitMembers(broker, "t", "fast", 1);
                awaitMembers(broker, "t", "slow", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                try (TestClients.Producer producer = new TestClients.Producer(
                                pc.openStream(produce("t")
                                        .sendQueueBytes(8 * 1024)
                                        .sendQueueMessages(32)
                                        .build()),
                                PAYLOAD,
                                10_000_000,
                                Duration.ofSeconds(20))
                        .start()) {

                    // Sample the counts and the broker's reserved bytes every 10 ms for RUN.
                    List<long[]> samples = new ArrayList<>(); // nanos, produced, fast, slow, queueFull
                    long maxReserved = 0;
                    long start = System.nanoTime();
                    for (int i = 0; i < 10_000 && System.nanoTime() - start < RUN.toNanos(); i++) {
                        maxReserved = Math.max(maxReserved, broker.budget().reservedBytes());
                        samples.add(new long[] {
                            System.nanoTime(),
                            producer.sent.get(),
                            fast.received.get(),
                            slow.received.get(),
                            producer.queueFull.get()
                        });
                        Thread.sleep(10); // sampling period, not synchronisation
                    }
                    long[] last = samples.get(samples.size() - 1);
                    long[] first = samples.get(0);
                    for (long[] s : samples) {
                        if (last[0] - s[0] <= WINDOW.toNanos()) {
                            first = s;
                            break;
                        }
                    }
                    double seconds = (last[0] - first[0]) / 1e9;
                    long producedInWindow = last[1] - first[1];
                    long fastInWindow = last[2] - first[2];
                    long slowInWindow = last[3] - first[3];
                    long queueFullInWindow = last[4] - first[4];
                    TopicStats during = TestClients.topic(broker, "t").orElseThrow();
                    System.out.printf(
                            "BLOCK: over the last %.2f s produced %d, fast %d, slow %d, QUEUE_FULL %d; "
                                    + "totals produced %d fast %d slow %d; peak reserved %d of budget %d (sampled max %d); "
                                    + "stalls topic_full %d ms, subscription_full %d ms, budget_exhausted %d ms%n",
                            seconds,
                            producedInWindow,
                            fastInWindow,
                            slowInWindow,
                            queueFullInWindow,
                            last[1],
                            last[2],
                            last[3],
                            broker.budget().peakReservedBytes(),
                            BUDGET,
                            maxReserved,
                            TimeUnit.NANOSECONDS.toMillis(during.topicFullNanos()),
                            TimeUnit.NANOSECONDS.toMillis(during.subscriptionFullNanos()),
                            TimeUnit.NANOSECONDS.toMillis(during.budgetExhaustedNanos()));

                    assertThat(producer.failure).isNull();
                    assertThat(fast.failure).isNull();
                    assertThat(slow.failure).isNull();
                    // The slow consumer reads at its pace (at most SLOW_RATE/s; a loaded machine may be slower).
                    assertThat(slowInWindow).isBetween(20L, (long) (SLOW_RATE * seconds) + 5);
                    // The producer's rate converged to the slow consumer's: credit comes back in batches
                    // (half the consumer window, about 32 messages), so allow a generous factor.
                    assertThat(producedInWindow).isBetween(slowInWindow / 3, slowInWindow * 3 + 100);
                    // Unthrottled, the producer would have sent far more: the fast consumer never runs ahead.
                    assertThat(fastInWindow).isLessThanOrEqualTo(producedInWindow + 200);
                    assertThat(last[1]).isGreaterThan(last[3]); // the pipeline holds what the slow one has not read
                    // While stalled, offer says QUEUE_FULL (the producer then falls back to a blocking send).
                    assertThat(queueFullInWindow).isPositive();
                    // Memory: never more than the budget, and the budget was actually reached.
                    assertThat(maxReserved).isLessThanOrEqualTo(BUDGET);
                    assertThat(broker.budget().peakReservedBytes())
                            .isLessThanOrEqualTo(BUDGET)
                            .isGreaterThan(BUDGET - 2L * MESSAGE);

                    // Stop the producer, let the slow consumer run at full speed, and check nothing was lost.
                    producer.stop();
                    assertThat(producer.failure).isNull();
                    long sent = producer.sent.get();
                    slow.pace(Duration.ZERO);
                    Await.until(
                            "both consumers to receive all " + sent + " messages",
                            Duration.ofSeconds(15),
                            () -> fast.received.get() == sent && slow.received.get() == sent);
                    for (TestClients.Consumer c : List.of(fast, slow)) {
                        assertThat(c.orderViolation).as(c.name).isNull();
                        assertThat(c.missing.get()).as(c.name).isZero();
                        assertThat(c.sequences().get(0)).as(c.name).isZero();
                        assertThat(c.sequences().get((int) sent - 1)).as(c.name).isEqualTo(sent - 1);
                    }
                    Await.until(
                            "the broker to release every byte",
                            Duration.ofSeconds(5),
                            () -> broker.budget().reservedBytes() == 0);
                    TopicStats t = TestClients.topic(broker, "t").orElseThrow();
                    assertThat(t.publishedMessages()).isEqualTo(sent);
                    assertThat(t.subscriptions()).allSatisfy(s -> {
                        assertThat(s.deliveredMessages()).isEqualTo(sent);
                        assertThat(s.droppedMessages()).isZero();
                        assertThat(s.depthMessages()).isZero();
                    });
                    assertThat(broker.budget().peakReservedBytes()).isLessThanOrEqualTo(BUDGET);
                    producer.stream.halfClose();
                }
            }
        }
    }
}
