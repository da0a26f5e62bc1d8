package io.creditflow.tests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.proto.core.StallReason;
import io.creditflow.testing.Memory;
import io.creditflow.transport.ConnectionStats;
import io.creditflow.transport.Message;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * A reader that stops reading for seconds: what each side buffers stays within the window plus one
 * frame (heap and direct), the sender's offer reports QUEUE_FULL and a blocking send waits; then the
 * reader resumes and every message arrives.
 */
class StalledReaderTest {
    static final int WINDOW = 256 * 1024;
    static final int QUEUE = 64 * 1024;
    static final int HIGH_WATERMARK = 64 * 1024;
    static final int MESSAGE = 1024;

    @Test
    void bufferedBytesStayWithinTheWindowWhileTheSenderIsHeldBack() throws Exception {
        try (Loopback lb = Loopback.pull(
                s -> s.streamWindowBytes(WINDOW)
                        .connectionWindowBytes(4 * WINDOW)
                        .maxMessageBytes(WINDOW)
                        .writeBufferWatermarks(HIGH_WATERMARK / 2, HIGH_WATERMARK)
                        .socketSendBufferBytes(64 * 1024)
                        .socketReceiveBufferBytes(64 * 1024),
                c -> c.writeBufferWatermarks(HIGH_WATERMARK / 2, HIGH_WATERMARK)
                        .socketSendBufferBytes(64 * 1024)
                        .socketReceiveBufferBytes(64 * 1024))) {
            Stream sender = lb.connection.openStream(StreamOptions.builder()
                    .metadata("topic", "stall")
                    .sendQueueBytes(QUEUE)
                    .build());
            Stream receiver = lb.nextAccepted();
            long heapBefore = Memory.heapAfterGcBytes();
            long directBefore = Memory.nettyDirectBytes();

            // Offer until the whole pipeline is full (peer window, then our send queue). Bounded in
            // count and time; between refusals, wait a moment for the queue to drain into the window.
            long sent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (int i = 0; i < 100_000 && System.nanoTime() < deadline; i++) {
                OfferResult r = sender.offer(payload(sent));
                if (r == OfferResult.ACCEPTED) {
                    sent++;
                } else if (receiver.stats().receiveBufferedBytes() > WINDOW - MESSAGE) {
                    break;
                } else {
                    Thread.sleep(1);
                }
            }
            assertThat(receiver.stats().receiveBufferedBytes()).isGreaterThan(WINDOW - MESSAGE);
            // Fill the send queue behind the exhausted window.
            for (int i = 0; i < 10_000 && sender.offer(payload(sent)) == OfferResult.ACCEPTED; i++) {
                sent++;
            }
            assertThat(sender.offer(payload(sent))).isEqualTo(OfferResult.QUEUE_FULL);
            assertThat(sent * MESSAGE).isGreaterThanOrEqualTo(WINDOW + QUEUE);

            // Stall for 3 s, sampling what each side holds.
            long maxReceiverBuffered = 0;
            long maxSenderQueued = 0;
            long maxOutbound = 0;
            long maxDirect = 0;
            long directAt1s = 0;
            long start = System.nanoTime();
            while (System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3)) {
                StreamStats rs = receiver.stats();
                StreamStats ss = sender.stats();
                ConnectionStats cs = lb.connection.stats();
                maxReceiverBuffered = Math.max(maxReceiverBuffered, rs.receiveBufferedBytes());
                maxSenderQueued = Math.max(maxSenderQueued, ss.sendQueuedBytes());
                maxOutbound = Math.max(maxOutbound, cs.outboundPendingBytes());
                maxDirect = Math.max(maxDirect, Memory.nettyDirectBytes());
                if (directAt1s == 0 && System.nanoTime() - start > TimeUnit.SECONDS.toNanos(1)) {
                    directAt1s = Memory.nettyDirectBytes();
                }
                assertThat(sender.offer(payload(sent))).isEqualTo(OfferResult.QUEUE_FULL);
                assertThat(sender.isReady()).isFalse();
                Thread.sleep(20); // the stall itself is the behaviour under test
            }
            long stallMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            long directAtEnd = Memory.nettyDirectBytes();
            long heapAfter = Memory.heapAfterGcBytes();

            // A blocking send waits for credit, then times out.
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> sender.send(payload(-1), 200, TimeUnit.MILLISECONDS))
                    .isInstanceOf(TimeoutException.class);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));

            StreamStats ss = sender.stats();
            StreamStats rs = receiver.stats();
            System.out.printf(
                    "stalled reader %d ms: receiver buffered max %d B (window %d), sender queued max %d B "
                            + "(queue %d), outbound max %d B (high watermark %d), direct %+d B over the stall "
                            + "(growth from 1 s to end %+d B), heap %+d B; sender stalled on credit %d ms, "
                            + "receiver not reading %d ms%n",
                    stallMillis,
                    maxReceiverBuffered,
                    WINDOW,
                    maxSenderQueued,
                    QUEUE,
                    maxOutbound,
                    HIGH_WATERMARK,
                    maxDirect - directBefore,
                    directAtEnd - directAt1s,
                    heapAfter - heapBefore,
                    TimeUnit.NANOSECONDS.toMillis(ss.stalledNanos(StallReason.NO_PEER_CREDIT)),
                    TimeUnit.NANOSECONDS.toMillis(rs.stalledNanos(StallReason.APPLICATION_NOT_READING)));

            assertThat(maxReceiverBuffered).isLessThanOrEqualTo(WINDOW);
            assertThat(maxSenderQueued).isLessThanOrEqualTo(QUEUE);
            assertThat(maxOutbound).isLessThanOrEqualTo(HIGH_WATERMARK + MESSAGE + 64);
            // Direct memory: what the receiver holds is the window, in pooled read buffers; the sender's
            // queue is heap. Allow the window, one frame and one allocator chunk of slack, and no growth
            // while the stall goes on.
            assertThat(maxDirect - directBefore).isLessThanOrEqualTo(2L * WINDOW + 4L * 1024 * 1024);
            assertThat(directAtEnd - directAt1s).isLessThanOrEqualTo(MESSAGE * 2L);
            assertThat(heapAfter - heapBefore).isLessThanOrEqualTo(8L * 1024 * 1024);
            assertThat(ss.stalledNanos(StallReason.NO_PEER_CREDIT)).isGreaterThan(TimeUnit.SECONDS.toNanos(2));
            assertThat(rs.stalledNanos(StallReason.APPLICATION_NOT_READING)).isGreaterThan(TimeUnit.SECONDS.toNanos(2));

            // The reader resumes: every accepted message arrives, in order, and the sender flows again.
            long expected = sent;
            Thread producer = new Thread(() -> {
                try {
                    for (long i = expected; i < expected + 2000; i++) {
                        sender.send(payload(i), 10, TimeUnit.SECONDS);
                    }
                    sender.halfClose();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            producer.start();
            long received = 0;
            for (int i = 0; i < 100_000; i++) {
                try (Message m = receiver.poll(10, TimeUnit.SECONDS)) {
                    if (m == null) {
                        break;
                    }
                    assertThat(m.payload().getLong()).isEqualTo(received);
                    received++;
                }
            }
            producer.join(10_000);
            assertThat(received).isEqualTo(expected + 2000);
            assertThat(receiver.isReceiveFinished()).isTrue();
        }
    }

    static byte[] payload(long sequence) {
        byte[] b = new byte[MESSAGE];
        ByteBuffer.wrap(b).putLong(sequence);
        return b;
    }
}
