package io.creditflow.broker;

import static io.creditflow.broker.DurableTopicTest.consume;
import static io.creditflow.broker.DurableTopicTest.cursor;
import static io.creditflow.broker.DurableTopicTest.logStats;
import static io.creditflow.broker.DurableTopicTest.resumeAndDeliverAll;
import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.log.FsyncMode;
import io.creditflow.log.Tmpfs;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real full disk under a running broker: the test mounts a 4 MiB tmpfs (root can, here and in CI; skipped with
 * a message elsewhere), puts the data dir on it beside a 2 MiB filler file, and produces more than fits. The
 * producers are held (reason disk_full), nothing already written is damaged, and once the filler is deleted the
 * producers resume and every message arrives, in order, once.
 */
@ExtendWith(LeakCheck.class)
class TmpfsBrokerDiskFullTest {
    private static final int PAYLOAD = 1000;
    /** About 3.1 MB of records: more than the 2 MiB the filler leaves, less than the 4 MiB without it. */
    private static final int MESSAGES = 3000;

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path root;

    private Tmpfs tmpfs;

    @BeforeEach
    void mountTmpfs() throws Exception {
        tmpfs = Tmpfs.mountOrSkip(
                root.resolve("tmpfs"),
                "4m",
                "the broker's hold on DISK_FULL is covered by the log's DiskErrorTest with an injected channel");
    }

    @AfterEach
    void unmount() {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    private BrokerConfig config() {
        return BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .dataDir(tmpfs.path().resolve("data"))
                .maxMessageBytes(16 * 1024)
                .logSegmentBytes(256 * 1024)
                .logMaxBytes(64L << 20)
                .fsync(FsyncMode.BATCH)
                .producerWindowBytes(64 * 1024)
                .build();
    }

    @Test
    void aFullDiskHoldsTheProducersDamagesNothingAndTheyResumeWhenSpaceReturns() throws Exception {
        Path filler = tmpfs.path().resolve("filler");
        Files.write(filler, new byte[2 << 20]);
        long heldAt;
        try (Broker broker = Broker.start(config());
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection pc = producers.connect("127.0.0.1", broker.port());
            try (TestClients.Producer p = new TestClients.Producer(
                            pc.openStream(produce("t")
                                    .sendQueueBytes(32 * 1024)
                                    .sendQueueMessages(32)
                                    .build()),
                            PAYLOAD,
                            MESSAGES,
                            Duration.ofSeconds(60))
                    .start()) {
                Await.until(
                        "the producers to be held by the full disk",
                        WAIT,
                        () -> broker.logStats().stream()
                                .anyMatch(t -> t.name().equals("t") && t.held().equals("disk_full")));
                LogTopicStats held = logStats(broker, "t");
                assertThat(held.heldReason()).contains("disk full").contains("No space left on device");
                assertThat(held.holdEvents().get("disk_full")).isEqualTo(1);
                assertThat(PrometheusText.value(
                                broker.metrics(), "creditflow_log_appends_held", "topic", "t", "reason", "disk_full"))
                        .isEqualTo(1);
                heldAt = held.endOffset();
                assertThat(heldAt).as("records in the log when the disk filled").isBetween(500L, MESSAGES - 500L);
                assertThat(p.isDone()).as("the producer is held, not finished").isFalse();

                // Nothing already written is damaged: a consumer from earliest reads every record, intact.
                Connection cc = consumers.connect("127.0.0.1", broker.port());
                try (TestClients.Consumer check = new TestClients.Consumer(
                                "check",
                                cc.openStream(consume("t", "check", "earliest")),
                                true,
                                Duration.ZERO,
                                Duration.ofSeconds(60))
                        .start()) {
                    awaitMembers(broker, "t", "check", 1);
                    Await.until(
                            "the consumer to read what was written before the disk filled",
                            WAIT,
                            () -> check.received.get() >= heldAt);
                    assertThat(check.orderViolation).isNull();
                    assertThat(check.failure).isNull();
                    assertThat(cursor(broker, "t", "check").corruptRecords()).isZero();
                    assertThat(logStats(broker, "t").held()).as("still held").isEqualTo("disk_full");

                    // Space returns: the held batch is retried on the broker tick and the producers resume.
                    Files.delete(filler);
                    resumeAndDeliverAll(p, check, MESSAGES);
                    LogTopicStats after = logStats(broker, "t");
                    assertThat(after.held()).isEqualTo("none");
                    assertThat(after.endOffset()).isEqualTo(MESSAGES);
                    assertThat(after.heldNanos().get("disk_full")).isPositive();
                }
            }
        }

        // Restarted on the same folder: recovery finds nothing torn, everything is there.
        try (Broker broker = Broker.start(config())) {
            LogTopicStats reopened = logStats(broker, "t");
            assertThat(reopened.recoveryTruncatedBytes()).isZero();
            assertThat(reopened.endOffset()).isEqualTo(MESSAGES);
        }
    }
}
