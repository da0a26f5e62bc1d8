package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.Open;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Stream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A producer that ignores credit (a raw protocol peer) is cut off with FLOW_CONTROL_ERROR, while a
 * well-behaved producer and consumer on other connections keep delivering before and after.
 */
@ExtendWith(LeakCheck.class)
class MisbehavingProducerTest {
    static final int WINDOW = 64 * 1024;
    static final int CHUNK = 16 * 1024;
    static final int PAYLOAD = 256;

    @Test
    void aProducerSendingBeyondItsCreditIsCutOffAndTheOthersCarryOn() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBuffer(64 * 1024, 1000)
                .subscriptionQueue(64 * 1024, 1000)
                .budgetBytes(1024 * 1024)
                .maxMessageBytes(CHUNK)
                .producerWindowBytes(WINDOW)
                .build();
        try (Broker broker = Broker.start(config);
                Client consumers = TestClients.smallWindowClient();
                Client producers = Client.builder().build()) {
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            // Topic "raw" is full and stays full: a BLOCK subscriber that never reads, then filled through
            // the broker's own publish path. The broker takes nothing from a "raw" producer stream, so the
            // raw peer's credit is exactly its initial window.
            Stream stuck = cc.openStream(consume("raw", "stuck", "block"));
            awaitMembers(broker, "raw", "stuck", 1);
            int filled = 0;
            for (int i = 0; i < 1000 && broker.publish("raw", new byte[1024]).accepted(); i++) {
                filled++;
            }
            assertThat(filled).isBetween(10, 999);

            try (TestClients.Consumer reader = new TestClients.Consumer(
                            "ok",
                            cc.openStream(consume("ok", "s", "block")),
                            true,
                            Duration.ZERO,
                            Duration.ofSeconds(20))
                    .start()) {
                awaitMembers(broker, "ok", "s", 1);
                Connection pc = producers.connect("127.0.0.1", broker.port());
                Stream good = pc.openStream(produce("ok").build());
                for (long i = 0; i < 500; i++) {
                    good.send(TestClients.payload(i, PAYLOAD), 5, TimeUnit.SECONDS);
                }
                Await.until(
                        "the good pair to deliver 500 messages",
                        Duration.ofSeconds(5),
                        () -> reader.received.get() == 500);

                // What the transport holds for the connections so far (windows granted, data not yet taken).
                long transportBefore = broker.transportBudget().reservedBytes();

                try (RawPeer peer = new RawPeer(broker.port()).handshake()) {
                    peer.send(Frame.newBuilder()
                            .setOpen(Open.newBuilder()
                                    .setStreamId(1)
                                    .putMetadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE)
                                    .putMetadata(BrokerProtocol.TOPIC, "raw"))
                            .build());
                    Frame credit = peer.readCredit(1);
                    assertThat(credit).isNotNull();
                    assertThat(credit.getCredit().getBytes()).isEqualTo(WINDOW);
                    Await.until(
                            "the raw producer to be attached",
                            Duration.ofSeconds(5),
                            () -> TestClients.topic(broker, "raw").orElseThrow().producers() == 1);
                    for (int i = 0; i < WINDOW / CHUNK; i++) {
                        peer.sendData(1, new byte[CHUNK]); // exactly the window: allowed
                    }
                    peer.sendData(1, new byte[1]); // one byte beyond the credit it was granted
                    Frame goAway = peer.readUntil(Frame.BodyCase.GO_AWAY);
                    assertThat(goAway).as("GoAway before end of stream").isNotNull();
                    System.out.println("MISBEHAVING: raw peer got GoAway "
                            + goAway.getGoAway().getCode() + " ("
                            + goAway.getGoAway().getReason() + ")");
                    assertThat(goAway.getGoAway().getCode()).isEqualTo(ErrorCode.FLOW_CONTROL_ERROR);
                    assertThat(goAway.getGoAway().getReason()).contains("beyond credit");
                    assertThat(peer.closedByPeer()).isTrue();
                }
                Await.until(
                        "the broker to drop the raw producer",
                        Duration.ofSeconds(5),
                        () -> TestClients.topic(broker, "raw").orElseThrow().producers() == 0);
                // Its window and the data it sent are released: the transport holds what it held before.
                Await.until(
                        "the transport to release the raw connection's bytes",
                        Duration.ofSeconds(5),
                        () -> broker.transportBudget().reservedBytes() == transportBefore);
                // Nothing of the raw peer's data was published.
                assertThat(TestClients.topic(broker, "raw").orElseThrow().publishedMessages())
                        .isEqualTo(filled);

                // The well-behaved pair carries on, on its own connections.
                assertThat(pc.isActive()).isTrue();
                assertThat(cc.isActive()).isTrue();
                for (long i = 500; i < 1000; i++) {
                    good.send(TestClients.payload(i, PAYLOAD), 5, TimeUnit.SECONDS);
                }
                Await.until(
                        "the good pair to deliver 1000 messages",
                        Duration.ofSeconds(5),
                        () -> reader.received.get() == 1000);
                assertThat(reader.orderViolation).isNull();
                assertThat(reader.missing.get()).isZero();
                assertThat(reader.failure).isNull();
                assertThat(stuck.closeFuture().toCompletableFuture().isDone()).isFalse();
                good.halfClose();
            }
        }
    }
}
