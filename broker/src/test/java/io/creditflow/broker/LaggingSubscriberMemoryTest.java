package io.creditflow.broker;

import static io.creditflow.broker.DurableTopicTest.consume;
import static io.creditflow.broker.DurableTopicTest.cursor;
import static io.creditflow.broker.DurableTopicTest.endOffset;
import static io.creditflow.broker.DurableTopicTest.logStats;
import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.log.FsyncMode;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.Memory;
import io.creditflow.transport.Connection;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lagging durable subscriber costs the broker no memory: with 1 GiB of lag on disk (a subscription whose consumer
 * takes nothing while a producer writes 1 GiB to the topic), the heap after GC grows by at most 16 MiB and direct
 * memory by at most the subscription's read-ahead, and a fast subscriber of the same topic receives everything,
 * in order, as it comes. Direct memory is two figures: the JDK's direct buffers outside Netty's pool (the log's
 * staging buffers, the NIO temporary buffers), held to the read-ahead exactly; and Netty's pool, which moves by
 * whole chunks with the peak of what the connections had in flight at once, not with the lag (held to the
 * read-ahead plus {@link #NETTY_POOL_SLACK}; a lag kept in direct memory would be 1 GiB). Figures are taken after a
 * warm-up (128 MiB through the same path) so that pools, caches and windows are full on both sides of the
 * comparison; the whole test runs in one JVM, so the clients' memory is inside the figures too (an upper bound on
 * the broker's).
 */
@ExtendWith(LeakCheck.class)
class LaggingSubscriberMemoryTest {
    private static final int PAYLOAD = 128 * 1024;
    private static final long WARM_UP = 1024; // 128 MiB
    private static final long LAG = 8192; // 1 GiB
    private static final long HEAP_GROWTH_MAX = 16L << 20;
    /**
     * Netty's pooled allocator reserves direct memory in whole chunks (2 MiB steps here), up to the high-water mark
     * of what the connections had in flight at once: after the warm-up it moved by 0 to 8 MiB between runs, flat
     * while the lag grew. Four 4 MiB chunks are the measurement's resolution.
     */
    private static final long NETTY_POOL_SLACK = 16L << 20;

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dataDir;

    @Test
    void aGibibyteOfLagOnDiskGrowsNeitherHeapNorDirectMemoryAndTheFastConsumerGetsEverything() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .dataDir(dataDir)
                .fsync(FsyncMode.NEVER)
                .logMaxBytes(2L << 30)
                .producerWindowBytes(1 << 20)
                .build();
        try (Broker broker = Broker.start(config);
                Client consumers = Client.builder()
                        .streamWindowBytes(1 << 20)
                        .streamWindowMessages(64)
                        .build();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            try (TestClients.Consumer slow = new TestClients.Consumer(
                            "slow", cc.openStream(consume("t", "slow", "earliest")), true, Duration.ZERO, WAIT);
                    // Not "consecutive": the two producers' counters each start at 0; the sequences must be.
                    TestClients.Consumer fast = new TestClients.Consumer(
                                    "fast", cc.openStream(consume("t", "fast", "earliest")), false, Duration.ZERO, WAIT)
                            .start()) {
                slow.pause(true);
                slow.start();
                awaitMembers(broker, "t", "slow", 1);
                awaitMembers(broker, "t", "fast", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());

                produceCount(broker, pc, WARM_UP);
                Await.until("the fast consumer to get the warm-up", WAIT, () -> fast.received.get() == WARM_UP);
                long heapBefore = settledHeap();
                long otherDirectBefore = Memory.otherDirectBytes();
                long nettyDirectBefore = Memory.nettyDirectBytes();

                produceCount(broker, pc, LAG);
                Await.until("the fast consumer to get everything", WAIT, () -> fast.received.get() == WARM_UP + LAG);
                long heapGrowth = settledHeap() - heapBefore;
                long otherDirectGrowth = Memory.otherDirectBytes() - otherDirectBefore;
                long nettyDirectGrowth = Memory.nettyDirectBytes() - nettyDirectBefore;
                System.out.printf(
                        "1 GiB lag: heap after GC %+d KiB, direct outside Netty %+d KiB, Netty's pool %+d KiB%n",
                        heapGrowth >> 10, otherDirectGrowth >> 10, nettyDirectGrowth >> 10);

                LogTopicStats ls = logStats(broker, "t");
                assertThat(ls.sizeBytes()).as("the log on disk").isGreaterThan((WARM_UP + LAG) * PAYLOAD);
                assertThat(slow.received.get())
                        .as("the lagging consumer takes nothing")
                        .isLessThanOrEqualTo((1 << 20) / PAYLOAD);
                assertThat(cursor(broker, "t", "slow").lag())
                        .as("lag on disk, records")
                        .isGreaterThanOrEqualTo(WARM_UP + LAG - (1 << 20) / PAYLOAD);
                assertThat(heapGrowth)
                        .as("heap growth after GC with 1 GiB of lag")
                        .isLessThanOrEqualTo(HEAP_GROWTH_MAX);
                long readAhead = LogSubscription.READ_AHEAD_BYTES
                        + config.maxMessageBytes()
                        + io.creditflow.log.LogRecord.HEADER_BYTES;
                assertThat(otherDirectGrowth)
                        .as("direct growth outside Netty's pool")
                        .isLessThanOrEqualTo(readAhead);
                // Netty's pool holds whole chunks at the high-water mark of what was in flight, whatever the lag.
                assertThat(nettyDirectGrowth).as("Netty pool growth").isLessThanOrEqualTo(readAhead + NETTY_POOL_SLACK);
                assertThat(fast.orderViolation).isNull();
                assertThat(fast.missing.get()).as("sequence gaps").isZero(); // with the count: each once, in order
                assertThat(fast.failure).isNull();
                // Commits follow the credit the consumer returns, on the broker tick: within a window of the end.
                Await.until(
                        "the fast cursor to commit what its consumer consumed",
                        WAIT,
                        () -> cursor(broker, "t", "fast").lag() <= 64);
            }
        }
    }

    /** Produces {@code count} messages of {@link #PAYLOAD} bytes and waits until they are in the log. */
    private static void produceCount(Broker broker, Connection pc, long count) throws Exception {
        long before = endOffset(broker, "t");
        try (TestClients.Producer p =
                new TestClients.Producer(pc.openStream(produce("t").build()), PAYLOAD, count, WAIT).start()) {
            Await.until(count + " messages sent", WAIT, p::isDone);
            assertThat(p.failure).isNull();
            assertThat(p.sent.get()).isEqualTo(count);
        }
        Await.until(count + " records in the log", WAIT, () -> endOffset(broker, "t") == before + count);
    }

    /** Heap after GC, the lowest of three collections (a collection may run while a buffer is in flight). */
    private static long settledHeap() {
        long low = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            low = Math.min(low, Memory.heapAfterGcBytes());
        }
        return low;
    }
}
