package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.testing.Await;
import io.creditflow.transport.Message;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A message larger than the stream window gets through (Blocked raises the grant); one beyond the max is refused. */
class LargeMessageTest {
    @Test
    void messageLargerThanTheWindowIsDeliveredNotDeadlocked() throws Exception {
        try (Loopback lb = Loopback.pull(s -> s.streamWindowBytes(64 * 1024).maxMessageBytes(1024 * 1024), c -> {})) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            Stream in = lb.nextAccepted();
            byte[] big = new byte[700 * 1024];
            Arrays.fill(big, (byte) 7);
            // The producer runs on its own thread: the 20-byte send waits behind the big message until
            // the reader consumes, as back-pressure should.
            java.util.concurrent.CompletableFuture<Void> producer =
                    java.util.concurrent.CompletableFuture.runAsync(() -> {
                        try {
                            out.send(new byte[10], 5, TimeUnit.SECONDS);
                            out.send(big, 5, TimeUnit.SECONDS);
                            out.send(new byte[20], 5, TimeUnit.SECONDS);
                        } catch (Exception e) {
                            throw new java.util.concurrent.CompletionException(e);
                        }
                    });
            try (Message m = in.poll(10, TimeUnit.SECONDS)) {
                assertThat(m.size()).isEqualTo(10);
            }
            try (Message m = in.poll(10, TimeUnit.SECONDS)) {
                assertThat(m).as("the large message arrives").isNotNull();
                assertThat(m.toByteArray()).isEqualTo(big);
            }
            try (Message m = in.poll(10, TimeUnit.SECONDS)) {
                assertThat(m.size()).isEqualTo(20);
            }
            producer.get(10, TimeUnit.SECONDS);
            Await.until(
                    "the big message's credit to come back",
                    java.time.Duration.ofSeconds(5),
                    () -> in.stats().receiveBufferedBytes() == 0);
            assertThat(lb.server.memoryBudget().peakReservedBytes())
                    .as("at most one large message held")
                    .isLessThanOrEqualTo(700 * 1024);
        }
    }

    @Test
    void messageBeyondThePeersMaximumIsRefusedAtSendTime() throws Exception {
        try (Loopback lb = Loopback.pull(s -> s.maxMessageBytes(1000), c -> {})) {
            Stream out = lb.connection.openStream(StreamOptions.defaults());
            assertThatThrownBy(() -> out.offer(new byte[1001]))
                    .isInstanceOf(MessageTooLargeException.class)
                    .hasMessageContaining("1001")
                    .hasMessageContaining("1000");
            assertThatThrownBy(() -> out.send(new byte[1001])).isInstanceOf(MessageTooLargeException.class);
            assertThat(out.stats().sendQueuedMessages()).isZero();
            out.send(new byte[1000], 5, TimeUnit.SECONDS);
            try (Message m = lb.nextAccepted().poll(5, TimeUnit.SECONDS)) {
                assertThat(m.size()).isEqualTo(1000);
            }
        }
    }
}
