package io.creditflow.broker;

import static io.creditflow.broker.TestClients.consume;
import static io.creditflow.broker.TestClients.produce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.client.Client;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.proto.wire.HalfClose;
import io.creditflow.proto.wire.Open;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.testing.RawPeer;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM on a broker process ({@link BrokerMain} in a child JVM): it drains. Messages buffered in the
 * broker keep flowing to the consumer, whose stream then ends cleanly (half-close, end of stream); new
 * streams and connections are refused during the drain; the process exits on its own well within the
 * grace period.
 */
@ExtendWith(LeakCheck.class)
class SigtermDrainTest {
    static final Pattern LISTENING = Pattern.compile("broker listening on 127\\.0\\.0\\.1:(\\d+), http -1");
    /** BrokerMain's grace period (the BrokerConfig default). */
    static final Duration GRACE = BrokerConfig.builder().build().shutdownGrace();

    static final int MESSAGES = 2000;
    static final int PAYLOAD = 256;

    @Test
    void sigtermDrainsWhatIsBufferedToTheConsumerAndExits(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Output goes to a file: Process.destroy() closes the pipes, and the drain lines come after it.
        Path log = dir.resolve("broker.out");
        Process process = new ProcessBuilder(
                        java,
                        "-Xmx128m",
                        "-XX:+UseSerialGC",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        System.getProperty("java.class.path"),
                        BrokerMain.class.getName(),
                        "0",
                        "-1")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Supplier<List<String>> output = () -> {
            try {
                return Files.readAllLines(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return List.of("(output read failed: " + e + ")");
            }
        };
        try {
            Await.until(
                    "the broker process to print its port",
                    Duration.ofSeconds(20),
                    () -> output.get().stream()
                                    .anyMatch(l -> LISTENING.matcher(l).find())
                            || !process.isAlive());
            int port = output.get().stream()
                    .map(LISTENING::matcher)
                    .filter(Matcher::find)
                    .map(m -> Integer.parseInt(m.group(1)))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("broker did not start: " + output.get()));

            try (Client client = TestClients.smallWindowClient();
                    RawPeer raw = new RawPeer(port).handshake()) {
                Connection connection = client.connect("127.0.0.1", port);
                // Consumer first, producer second, on one connection: the broker sees the subscription
                // before the first message (frames of a connection are handled in order).
                Stream consumerStream = connection.openStream(consume("t", "s", "block"));
                Stream producer = connection.openStream(produce("t").build());
                // A raw peer with an open consumer stream on another topic, to watch the drain on the wire.
                raw.send(Frame.newBuilder()
                        .setOpen(Open.newBuilder()
                                .setStreamId(1)
                                .putMetadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                                .putMetadata(BrokerProtocol.TOPIC, "idle")
                                .putMetadata(BrokerProtocol.SUBSCRIPTION, "x"))
                        .build());
                // The broker accepted it (it grants the stream credit) before the signal comes.
                assertThat(raw.readCredit(1)).isNotNull();

                try (TestClients.Consumer consumer = new TestClients.Consumer(
                        "drain", consumerStream, true, Duration.ZERO, Duration.ofSeconds(30))) {
                    // The consumer does not read until the signal: what is published sits in the broker.
                    consumer.pause(true);
                    consumer.start();
                    for (long i = 0; i < MESSAGES; i++) {
                        producer.send(TestClients.payload(i, PAYLOAD), 5, TimeUnit.SECONDS);
                    }
                    Await.until(
                            "the producer's messages to be written",
                            Duration.ofSeconds(5),
                            () -> producer.stats().sendQueuedMessages() == 0);
                    long receivedBeforeSignal = consumer.received.get();

                    long signalled = System.nanoTime();
                    process.destroy(); // SIGTERM
                    consumer.pause(false);

                    // On the wire: GoAway NO_ERROR, and a stream opened after it is refused.
                    boolean goAway = false;
                    boolean refused = false;
                    boolean halfClosed = false;
                    for (int i = 0; i < 1000 && !(goAway && refused && halfClosed); i++) {
                        Frame f = raw.read();
                        assertThat(f)
                                .as(
                                        "frames before end of stream (goAway %s, refused %s, halfClosed %s)",
                                        goAway, refused, halfClosed)
                                .isNotNull();
                        switch (f.getBodyCase()) {
                            case GO_AWAY -> {
                                assertThat(f.getGoAway().getCode()).isEqualTo(ErrorCode.NO_ERROR);
                                assertThat(f.getGoAway().getLastStreamId()).isEqualTo(1);
                                goAway = true;
                                raw.send(Frame.newBuilder()
                                        .setOpen(Open.newBuilder()
                                                .setStreamId(3)
                                                .putMetadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                                                .putMetadata(BrokerProtocol.TOPIC, "idle")
                                                .putMetadata(BrokerProtocol.SUBSCRIPTION, "y"))
                                        .build());
                            }
                            case RESET -> {
                                assertThat(f.getReset().getStreamId()).isEqualTo(3);
                                assertThat(f.getReset().getCode()).isEqualTo(ErrorCode.REFUSED_STREAM);
                                refused = true;
                            }
                            case HALF_CLOSE -> {
                                // Topic "idle" has nothing buffered and no producer: its consumer is done.
                                assertThat(f.getHalfClose().getStreamId()).isEqualTo(1);
                                halfClosed = true;
                            }
                            default -> {
                                // credit and the like
                            }
                        }
                    }
                    assertThat(goAway && refused && halfClosed).isTrue();
                    raw.send(Frame.newBuilder()
                            .setHalfClose(HalfClose.newBuilder().setStreamId(1))
                            .build());
                    assertThat(raw.closedByPeer())
                            .as("raw connection closed once its stream ended")
                            .isTrue();

                    // The client saw the GoAway too: no new streams here, no new connections at all.
                    Await.until("the client to see the GoAway", Duration.ofSeconds(5), () -> !connection.isActive());
                    assertThatThrownBy(() -> connection.openStream(consume("t", "late", "block")))
                            .isInstanceOf(StreamClosedException.class);
                    assertThatThrownBy(() -> client.connect("127.0.0.1", port)).isInstanceOf(IOException.class);

                    // A well-behaved producer finishes when told the broker is going away.
                    producer.halfClose();
                    Await.until("the consumer's stream to end", GRACE, consumer::isDone);
                    long drainedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                    assertThat(consumer.failure).isNull();
                    assertThat(consumer.finished)
                            .as("poll returned null with isReceiveFinished")
                            .isTrue();
                    assertThat(consumerStream.isReceiveFinished()).isTrue();
                    assertThat(consumer.received.get()).isEqualTo(MESSAGES);
                    assertThat(consumer.orderViolation).isNull();
                    assertThat(consumer.missing.get()).isZero();
                    consumerStream.halfClose(); // our direction too: the stream closes cleanly
                    var consumerClose =
                            consumerStream.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    var producerClose =
                            producer.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    assertThat(consumerClose.isOk())
                            .as(consumerClose.toString())
                            .isTrue();
                    assertThat(producerClose.isOk())
                            .as(producerClose.toString())
                            .isTrue();

                    assertThat(process.waitFor(GRACE.toMillis() + 5000, TimeUnit.MILLISECONDS))
                            .as("process exited within the grace period plus 5 s")
                            .isTrue();
                    long exitedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalled);
                    System.out.printf(
                            "SIGTERM: %d received before the signal, all %d after %d ms; process exit %d "
                                    + "after %d ms (grace %d ms); output %s%n",
                            receivedBeforeSignal,
                            MESSAGES,
                            drainedAfterMs,
                            process.exitValue(),
                            exitedAfterMs,
                            GRACE.toMillis(),
                            output.get());
                    assertThat(process.exitValue()).isIn(0, 143);
                    assertThat(output.get()).anyMatch(l -> l.startsWith("shutting down"));
                    assertThat(output.get()).contains("drained: nothing left buffered");
                    assertThat(exitedAfterMs).isLessThan(GRACE.toMillis()); // it did not need the grace expiry
                    var connectionClose =
                            connection.closeFuture().toCompletableFuture().get(5, TimeUnit.SECONDS);
                    assertThat(connectionClose.code()).isEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
                }
            }
        } finally {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
