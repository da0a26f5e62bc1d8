package io.creditflow.broker;

import static io.creditflow.broker.DurableTopicTest.consume;
import static io.creditflow.broker.DurableTopicTest.logStats;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.log.FsyncMode;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Producers learn durability (docs/broker-protocol.md section 3.1): acknowledgements arrive without polling, never run
 * ahead of the log's durable offset, come for a single message too, and retried sends of an idempotent producer
 * are dropped as duplicates, across reconnects and restarts.
 */
@ExtendWith(LeakCheck.class)
class ProducerAcknowledgementTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    private BrokerConfig.Builder config(String fsync) {
        return BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .maxMessageBytes(16 * 1024)
                .dataDir(dataDir)
                .fsync(FsyncMode.parse(fsync));
    }

    static ByteBuffer payload(long sequence) {
        return ByteBuffer.wrap(TestClients.payload(sequence, 100));
    }

    /** Sends sequences {@code from} to {@code to} (inclusive), each payload carrying its sequence. */
    static void send(BrokerProducer p, long from, long to) throws Exception {
        for (long s = from; s <= to; s++) {
            assertThat(p.send(payload(s), 10, TimeUnit.SECONDS)).isEqualTo(s);
        }
    }

    /** Reads every record from earliest under a new subscription and returns the producer counters. */
    static List<Long> readAll(Broker broker, Client client, String topic, int expected) throws Exception {
        Connection cc = client.connect("127.0.0.1", broker.port());
        Stream s = cc.openStream(consume(topic, "reader-" + System.nanoTime(), "earliest"));
        List<Long> counters = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            try (Message m = s.poll(10, TimeUnit.SECONDS)) {
                assertThat(m).as("record " + i + " of " + expected).isNotNull();
                counters.add(TestClients.counter(m.payload()));
            }
        }
        try (Message extra = s.poll(200, TimeUnit.MILLISECONDS)) {
            assertThat(extra)
                    .as("a record beyond the " + expected + " expected")
                    .isNull();
        }
        s.cancel("done");
        return counters;
    }

    static long durableOffset(Broker broker, String topic) {
        return broker.logStats().stream()
                .filter(t -> t.name().equals(topic))
                .mapToLong(LogTopicStats::durableOffset)
                .findFirst()
                .orElse(0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"batch", "always", "interval=20", "never"})
    void acknowledgementsCoverEveryMessageAndNeverRunAheadOfTheDurableOffset(String fsync) throws Exception {
        int n = 2000;
        try (Broker broker = Broker.start(config(fsync).build());
                Client client = Client.builder().build()) {
            BrokerProducer p = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", null, 0);
            for (long s = 0; s < n; s++) {
                p.send(payload(s), 10, TimeUnit.SECONDS);
                long acked = p.acknowledgedSequence();
                // One producer from sequence 0 on a new topic: sequence s is at offset s.
                assertThat(durableOffset(broker, "t"))
                        .as("durable offset when %d was acknowledged", acked)
                        .isGreaterThan(acked);
            }
            assertThat(p.awaitAcknowledged(n - 1, 10, TimeUnit.SECONDS))
                    .as("every message acknowledged")
                    .isTrue();
            assertThat(logStats(broker, "t").durableOffset()).isEqualTo(n);
            p.close();
            CloseStatus status = p.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(status.isOk())
                    .as("the broker ends the stream after its last acknowledgement: " + status)
                    .isTrue();
            assertThat(p.acknowledgedSequence()).isEqualTo(n - 1);
        }
    }

    @Test
    void aSingleMessageIsAcknowledgedWithoutWaitingForMoreTraffic() throws Exception {
        try (Broker broker = Broker.start(config("batch").build());
                Client client = Client.builder().build()) {
            BrokerProducer p = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", "slow", 7);
            assertThat(p.acknowledgedSequence()).isEqualTo(6);
            assertThat(p.send(payload(7), 10, TimeUnit.SECONDS)).isEqualTo(7);
            assertThat(p.awaitAcknowledged(7, 10, TimeUnit.SECONDS))
                    .as("one message's acknowledgement")
                    .isTrue();
            assertThat(p.send(payload(8), 10, TimeUnit.SECONDS)).isEqualTo(8);
            assertThat(p.awaitAcknowledged(8, 10, TimeUnit.SECONDS))
                    .as("the next one's")
                    .isTrue();
            p.close();
            assertThat(p.closeFuture()
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS)
                            .isOk())
                    .isTrue();
        }
    }

    @Test
    void retriedSendsAfterAReconnectAreDroppedAsDuplicates() throws Exception {
        try (Broker broker = Broker.start(config("batch").build());
                Client client = Client.builder().build()) {
            Connection first = client.connect("127.0.0.1", broker.port());
            BrokerProducer p = BrokerProducer.open(first, "t", "p1", 0);
            send(p, 0, 99);
            assertThat(p.awaitAcknowledged(99, 10, TimeUnit.SECONDS)).isTrue();
            first.close(); // as if the connection broke: the producer only knows 0..99 are durable
            // Suppose acknowledgements of 50..99 had been lost: the producer resends from 50, then goes on.
            BrokerProducer again = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", "p1", 50);
            send(again, 50, 149);
            assertThat(again.awaitAcknowledged(149, 10, TimeUnit.SECONDS))
                    .as("retries are acknowledged too")
                    .isTrue();
            assertThat(logStats(broker, "t").duplicatesDropped()).isEqualTo(50);
            assertThat(logStats(broker, "t").endOffset()).isEqualTo(150);
            assertThat(readAll(broker, client, "t", 150))
                    .containsExactlyElementsOf(LongStream.range(0, 150).boxed().toList());
        }
    }

    @Test
    void deduplicationSurvivesARestart() throws Exception {
        try (Broker broker = Broker.start(config("batch").build());
                Client client = Client.builder().build()) {
            BrokerProducer p = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", "p1", 0);
            send(p, 0, 99);
            assertThat(p.awaitAcknowledged(99, 10, TimeUnit.SECONDS)).isTrue();
        }
        try (Broker broker = Broker.start(config("batch").build());
                Client client = Client.builder().build()) {
            BrokerProducer p = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", "p1", 60);
            send(p, 60, 199);
            assertThat(p.awaitAcknowledged(199, 10, TimeUnit.SECONDS)).isTrue();
            assertThat(logStats(broker, "t").duplicatesDropped()).isEqualTo(40);
            // Another producer's sequences are its own: nothing of it is a duplicate.
            BrokerProducer other = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", "p2", 0);
            for (long s = 0; s < 10; s++) {
                assertThat(other.send(payload(200 + s), 10, TimeUnit.SECONDS)).isEqualTo(s);
            }
            assertThat(other.awaitAcknowledged(9, 10, TimeUnit.SECONDS)).isTrue();
            assertThat(readAll(broker, client, "t", 210))
                    .containsExactlyElementsOf(LongStream.range(0, 210).boxed().toList());
        }
    }

    @Test
    void anInMemoryTopicAcknowledgesWhatItTook() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder()
                        .port(0)
                        .httpPort(-1)
                        .maxMessageBytes(16 * 1024)
                        .build());
                Client client = Client.builder().build()) {
            BrokerProducer p = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), "t", null, 0);
            send(p, 0, 9);
            assertThat(p.awaitAcknowledged(9, 10, TimeUnit.SECONDS)).isTrue();
            assertThat(TestClients.topic(broker, "t").orElseThrow().publishedMessages())
                    .isEqualTo(10);
            p.close();
            assertThat(p.closeFuture()
                            .toCompletableFuture()
                            .get(10, TimeUnit.SECONDS)
                            .isOk())
                    .isTrue();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sequence=-1", "sequence=x", "acks=yes", "producer=a b", "producer="})
    void badProducerMetadataIsRefusedWithInvalidArgument(String entry) throws Exception {
        String[] kv = entry.split("=", -1);
        try (Broker broker = Broker.start(config("batch").build());
                Client client = Client.builder().build()) {
            Stream s = client.connect("127.0.0.1", broker.port())
                    .openStream(StreamOptions.builder()
                            .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                            .metadata(BrokerProtocol.TOPIC, "t")
                            .metadata(kv[0], kv[1])
                            .build());
            CloseStatus status = s.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
            assertThat(status.reason()).contains(kv[0]);
        }
    }

    @Test
    void aProducerThatDoesNotReadItsAcknowledgementsCostsTheBrokerNoMoreThanItsSendQueue() throws Exception {
        // A raw client asks for acknowledgements but grants the stream no message credit for them (pull mode, never
        // polls): the broker's acknowledgements wait in its bounded send queue; publishing goes on.
        try (Broker broker = Broker.start(config("never").build());
                Client client = Client.builder().streamWindowMessages(4).build()) {
            Stream s = client.connect("127.0.0.1", broker.port())
                    .openStream(StreamOptions.builder()
                            .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                            .metadata(BrokerProtocol.TOPIC, "t")
                            .metadata(BrokerProtocol.ACKS, BrokerProtocol.ACKS_DURABLE)
                            .build());
            for (long i = 0; i < 3000; i++) {
                s.send(payload(i).array(), 10, TimeUnit.SECONDS);
            }
            Await.until(
                    "3,000 records in the log",
                    WAIT,
                    () -> logStats(broker, "t").endOffset() == 3000);
            s.cancel("done");
        }
    }
}
