package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One million messages with random consumer pauses arrive complete, in order, exactly once. */
@Tag("volume")
class MillionMessagesTest {
    static final int MESSAGES = 1_000_000;

    @Test
    void everyMessageArrivesOnceAndInOrderDespitePauses() throws Exception {
        try (Loopback lb = Loopback.pull(s -> s.streamWindowBytes(64 * 1024).streamWindowMessages(256), c -> {})) {
            Stream out = lb.connection.openStream(
                    StreamOptions.builder().metadata("topic", "million").build());
            Stream in = lb.nextAccepted();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread producer = new Thread(
                    () -> {
                        try {
                            Random sizes = new Random(42);
                            for (int i = 0; i < MESSAGES; i++) {
                                byte[] b =
                                        new byte[8 + (sizes.nextBoolean() ? sizes.nextInt(120) : sizes.nextInt(1200))];
                                ByteBuffer.wrap(b).putInt(i).putInt(b.length);
                                out.send(b, 30, TimeUnit.SECONDS);
                            }
                            out.halfClose();
                        } catch (Throwable t) {
                            failure.set(t);
                        }
                    },
                    "producer");
            long t0 = System.nanoTime();
            producer.start();
            Random pauses = new Random(7);
            long received = 0;
            long pausesTaken = 0;
            for (long i = 0; i < MESSAGES + 1L; i++) {
                try (Message m = in.poll(30, TimeUnit.SECONDS)) {
                    if (m == null) {
                        break;
                    }
                    ByteBuffer p = m.payload();
                    assertThat(p.getInt()).isEqualTo((int) received);
                    assertThat(p.getInt()).isEqualTo(m.size());
                    received++;
                }
                if (pauses.nextInt(50_000) == 0) {
                    Thread.sleep(1 + pauses.nextInt(20)); // the consumer pauses; the window fills
                    pausesTaken++;
                }
            }
            producer.join(30_000);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(
                    "1M messages: %d received in order in %.2f s (%.0f msg/s), %d consumer pauses%n",
                    received, seconds, received / seconds, pausesTaken);
            assertThat(failure.get()).isNull();
            assertThat(received).isEqualTo(MESSAGES);
            assertThat(in.isReceiveFinished()).isTrue();
            assertThat(in.poll(0, TimeUnit.SECONDS))
                    .as("nothing after the end: exactly once")
                    .isNull();
            assertThat(out.stats().sentMessages()).isEqualTo(MESSAGES);
            assertThat(out.stats().droppedMessages()).isZero();
        }
    }
}
