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
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * docs/broker-protocol.md, rule by rule: what the broker refuses and with which code, how a subscription's
 * policy is fixed, the 8-byte sequence header and the message size a consumer must accept, unknown keys,
 * and what happens to messages nobody subscribed to.
 */
@ExtendWith(LeakCheck.class)
class BrokerWireContractTest {
    static final Duration WAIT = Duration.ofSeconds(10);

    Broker broker;
    Client client;
    Connection connection;

    @BeforeEach
    void start() throws Exception {
        broker = Broker.start(BrokerConfig.builder().port(0).httpPort(-1).build());
        client = Client.builder().build();
        connection = client.connect("127.0.0.1", broker.port());
    }

    @AfterEach
    void stop() {
        client.close();
        broker.close();
    }

    static CloseStatus closed(Stream s) {
        return s.closeFuture()
                .toCompletableFuture()
                .completeOnTimeout(null, WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .join();
    }

    static StreamOptions metadata(String... keyValues) {
        StreamOptions.Builder b = StreamOptions.builder();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            b.metadata(keyValues[i], keyValues[i + 1]);
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "no role                 | topic=t                                        | role: ''",
                "unknown role            | role=admin,topic=t                             | role: 'admin'",
                "bad topic name          | role=produce,topic=a b                         | topic: 'a b'",
                "no subscription         | role=consume,topic=t                           | subscription: missing",
                "bad subscription name   | role=consume,topic=t,subscription=a/b          | subscription: 'a/b'",
                "unknown policy          | role=consume,topic=t,subscription=s,policy=sometimes | policy: sometimes",
            })
    void badMetadataIsRefusedWithInvalidArgumentAndTheConnectionStaysUp(String rule, String pairs, String reason) {
        String[] kv = pairs.trim().replace('=', ',').split(",");
        Stream s = connection.openStream(metadata(kv));
        CloseStatus status = closed(s);
        assertThat(status).as(rule).isNotNull();
        assertThat(status.code()).as(rule).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(status.reason()).as(rule).startsWith("bad stream metadata: ").contains(reason.trim());
        assertThat(connection.isActive()).as("only the stream is refused").isTrue();
    }

    @Test
    void theFirstConsumerFixesThePolicyAConflictingOneIsRefusedOneWithoutAPolicyJoins() throws Exception {
        Stream first = connection.openStream(consume("t", "s", "block"));
        awaitMembers(broker, "t", "s", 1);
        Stream conflicting = connection.openStream(consume("t", "s", "drop-oldest"));
        CloseStatus status = closed(conflicting);
        assertThat(status.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
        assertThat(status.reason()).contains("has policy block").contains("asked for drop-oldest");
        Stream noPolicy = connection.openStream(metadata(
                BrokerProtocol.ROLE,
                BrokerProtocol.CONSUME,
                BrokerProtocol.TOPIC,
                "t",
                BrokerProtocol.SUBSCRIPTION,
                "s"));
        awaitMembers(broker, "t", "s", 2);
        assertThat(TestClients.subscription(broker, "t", "s").orElseThrow().policy())
                .isEqualTo(SubscriptionPolicy.BLOCK);
        assertThat(TestClients.topic(broker, "t").orElseThrow().refusedConsumers())
                .isEqualTo(1);
        assertThat(first.closeFuture().toCompletableFuture().isDone()).isFalse();
        assertThat(noPolicy.closeFuture().toCompletableFuture().isDone()).isFalse();
    }

    @Test
    void unknownMetadataKeysAreIgnored() throws Exception {
        connection.openStream(metadata(
                BrokerProtocol.ROLE,
                BrokerProtocol.CONSUME,
                BrokerProtocol.TOPIC,
                "t",
                BrokerProtocol.SUBSCRIPTION,
                "s",
                "trace-id",
                "abc123"));
        awaitMembers(broker, "t", "s", 1);
    }

    @Test
    void aDeliveredMessageIsTheEightByteSequenceThenThePayload() throws Exception {
        Stream consumer = connection.openStream(consume("t", "s", "block"));
        awaitMembers(broker, "t", "s", 1);
        Stream producer = connection.openStream(produce("t").build());
        byte[] payload = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        producer.send(payload, 5, TimeUnit.SECONDS);
        producer.send(payload, 5, TimeUnit.SECONDS);
        for (long expected = 0; expected < 2; expected++) {
            try (Message m = consumer.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                assertThat(m).isNotNull();
                ByteBuffer b = m.payload();
                assertThat(m.size()).isEqualTo(payload.length + BrokerProtocol.HEADER_BYTES);
                assertThat(b.getLong(b.position()))
                        .as("big-endian topic sequence, from 0")
                        .isEqualTo(expected);
                byte[] rest = new byte[payload.length];
                b.position(b.position() + 8);
                b.get(rest);
                assertThat(rest).isEqualTo(payload);
            }
        }
    }

    /**
     * The first bug: a consumer whose limit is below what the broker delivers used to make the
     * topic's tick throw, stopping every subscription and resetting the producer. Now it is refused at
     * subscribe time, with the size it must announce, and nothing else notices.
     */
    @ParameterizedTest(name = "consumer max_message_bytes {0}")
    @CsvSource({"4096", "262144"})
    void aConsumerThatCannotTakeTheLargestMessageIsRefusedAndNothingElseIsTouched(int consumerLimit) throws Exception {
        Stream good = connection.openStream(consume("t", "good", "block"));
        awaitMembers(broker, "t", "good", 1);
        Stream producer = connection.openStream(produce("t").build());
        try (Client small = Client.builder().maxMessageBytes(consumerLimit).build()) {
            Stream refused = small.connect("127.0.0.1", broker.port()).openStream(consume("t", "small", "block"));
            CloseStatus status = closed(refused);
            assertThat(status.code()).isEqualTo(ErrorCode.MESSAGE_TOO_LARGE);
            assertThat(status.reason()).contains("at most " + consumerLimit).contains(">= 262152");
        }
        byte[] largest = new byte[broker.config().maxMessageBytes()];
        producer.send(largest, 5, TimeUnit.SECONDS);
        try (Message m = good.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            assertThat(m)
                    .as("the other subscription still receives the largest message")
                    .isNotNull();
            assertThat(m.size()).isEqualTo(largest.length + BrokerProtocol.HEADER_BYTES);
        }
        assertThat(producer.closeFuture().toCompletableFuture().isDone())
                .as("the producer is untouched")
                .isFalse();
        assertThat(TestClients.subscription(broker, "t", "small")).isEmpty();
    }

    @Test
    void aConsumerThatAcceptsTheLargestMessagePlusItsHeaderIsAccepted() throws Exception {
        int needed = broker.config().maxMessageBytes() + BrokerProtocol.HEADER_BYTES;
        try (Client exact = Client.builder().maxMessageBytes(needed).build()) {
            Stream consumer = exact.connect("127.0.0.1", broker.port()).openStream(consume("t", "exact", "block"));
            awaitMembers(broker, "t", "exact", 1);
            Stream producer = connection.openStream(produce("t").build());
            producer.send(new byte[broker.config().maxMessageBytes()], 5, TimeUnit.SECONDS);
            try (Message m = consumer.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                assertThat(m).isNotNull();
                assertThat(m.size()).isEqualTo(needed);
            }
        }
    }

    @Test
    void messagesToATopicWithNoSubscriptionAreAcceptedCountedAndNotKept() throws Exception {
        Topic.PublishOutcome outcome = broker.publish("nobody", new byte[100]);
        assertThat(outcome.accepted()).as("what HTTP answers 202 for").isTrue();
        Await.until(
                "the message to be dispatched",
                WAIT,
                () -> TestClients.topic(broker, "nobody").orElseThrow().unroutedMessages() == 1);
        assertThat(TestClients.topic(broker, "nobody").orElseThrow().depthMessages())
                .isZero();
        assertThat(broker.budget().reservedBytes()).as("nothing held").isZero();
        assertThat(PrometheusText.value(
                        broker.metrics(), "creditflow_topic_unrouted_messages_total", "topic", "nobody"))
                .isEqualTo(1);
    }
}
