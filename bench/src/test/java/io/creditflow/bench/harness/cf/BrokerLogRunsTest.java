package io.creditflow.bench.harness.cf;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.bench.harness.Json;
import io.creditflow.bench.harness.Meter;
import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.Profile;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Scenario;
import io.creditflow.bench.harness.Sender;
import io.creditflow.bench.harness.SystemKind;
import io.creditflow.testing.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The durable runs' two sides in one JVM over loopback, a few hundred messages each (a check that the pieces work,
 * not a measurement): the broker on a temporary topic log, S11's acknowledged producer, S8-log's consumers, the
 * catch-up consumer; and the data dir gone afterwards.
 */
class BrokerLogRunsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static RunSpec spec(String id, Map<String, Object> changes) {
        RunSpec s = Scenario.catalogue(Profile.QUICK).stream()
                .filter(x -> x.id().equals(id))
                .findFirst()
                .orElseThrow()
                .spec(SystemKind.CREDITFLOW, 0, true);
        Map<String, Object> m = s.toMap();
        m.putAll(changes);
        return RunSpec.fromJson(Json.write(m));
    }

    private static void send(Sender sender, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        for (int k = 0; k < count; k++) {
            while (!sender.trySend(0, Payloads.make(1024, 0, k, System.nanoTime()))) {
                assertThat(System.nanoTime()).as("sending message %d", k).isLessThan(deadline);
                sender.awaitReady(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    @Test
    void theProducerLearnsEveryAcknowledgementAndItsLatencyIsRecorded() throws Exception {
        RunSpec spec = spec("S11-log", Map.of());
        Meter meter = new Meter(spec.consumers() + 1, new int[0]);
        RunContext ctx = new RunContext(spec, meter);
        Path dir;
        try (BrokerReceiver broker = new BrokerReceiver(false);
                ProducerAckSender producer = new ProducerAckSender()) {
            int port = broker.start(ctx);
            dir = broker.dataDir();
            producer.open(ctx, "127.0.0.1", port);
            send(producer, 500);
            Await.until(
                    "500 acknowledgements and deliveries",
                    TIMEOUT,
                    () -> (long) producer.figures().get("acknowledged_msgs_total") == 500
                            && meter.consumedMessages(1) == 500);
            assertThat(meter.result().get("latency_count")).isEqualTo(500L);
            Map<String, Object> f = broker.figures();
            assertThat(f)
                    .containsEntry("log_fsync", "batch")
                    .containsEntry("log_end_offset", 500L)
                    .containsEntry("log_unread_records_dropped", 0L);
            assertThat((long) f.get("log_disk_peak_bytes")).isGreaterThan(500L * 1024);
            assertThat(dir).exists();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void everyConsumerOfTheDurableTopicIsLogAndTheSlowOneSkipsNothing() throws Exception {
        // 3 consumers, the last one slow, instead of 16
        RunSpec spec = spec("S8-log", Map.of("consumers", 3L, "streamsPerConnection", 4L));
        Meter meter = new Meter(spec.consumers() + 1, new int[0]);
        RunContext ctx = new RunContext(spec, meter);
        try (BrokerReceiver broker = new BrokerReceiver(false);
                BrokerSender sender = new BrokerSender()) {
            int port = broker.start(ctx);
            sender.open(ctx, "127.0.0.1", port);
            Await.until("4 streams attached", TIMEOUT, () -> broker.accepted() == 4);
            send(sender, 300);
            Await.until(
                    "300 messages to each fast consumer and some to the slow one",
                    TIMEOUT,
                    () -> meter.consumedMessages(1) == 300
                            && meter.consumedMessages(2) == 300
                            && meter.consumedMessages(3) > 0);
            Map<String, Object> f = broker.figures();
            assertThat(f)
                    .containsEntry("log_slow_skipped_records", 0L)
                    .containsEntry("log_unread_records_dropped", 0L)
                    .containsEntry("log_hold_events", 0L);
            assertThat(sender.figures()).containsEntry("slow_gap_records", 0L).containsEntry("slow_evicted", false);
        }
    }

    @Test
    void theCatchUpConsumerReadsTheWholeBacklogFromEarliest() throws Exception {
        RunSpec spec = spec("S11-catch-up", Map.of("backlogBytes", 256L * 1024)); // 256 records
        Meter meter = new Meter(spec.consumers() + 1, new int[0]);
        RunContext ctx = new RunContext(spec, meter);
        Path dir;
        try (BrokerReceiver broker = new BrokerReceiver(false);
                CatchUpSender consumer = new CatchUpSender()) {
            int port = broker.start(ctx);
            dir = broker.dataDir();
            assertThat(Files.list(dir.resolve(BrokerReceiver.TOPIC)).count()).isPositive();
            consumer.open(ctx, "127.0.0.1", port);
            Await.until("the backlog read", TIMEOUT, () ->
                    (boolean) consumer.figures().get("catch_up_done"));
            Map<String, Object> f = consumer.figures();
            assertThat(f).containsEntry("catch_up_records", 256L).containsEntry("catch_up_payload_bytes", 256L * 1024);
            assertThat(broker.figures())
                    .containsEntry("backlog_records", 256L)
                    .containsEntry("page_cache_dropped", false);
        }
        assertThat(dir).doesNotExist();
    }
}
