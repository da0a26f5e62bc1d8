package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.proto.wire.Frame;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.ConnectionStats;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Item 2a: fuzzes the whole inbound pipeline. After a valid handshake, the fuzz bytes are fed to a server
 * {@link ConnectionHandler} in an EmbeddedChannel in chunks of fuzzer-chosen sizes, with time moving and
 * the application consuming in between. Whatever the bytes, the handler must either keep going or close
 * with a protocol-level code: an INTERNAL_ERROR GoAway (an unexpected exception inside), or any exception
 * out of the channel, is a finding. Its accounting must hold after every chunk, every byte of budget must
 * come back once the channel is closed, each input must finish fast, and nothing may leak (PARANOID leak
 * detection, {@link LeakCheck}).
 *
 * <p>The frame bytes come from the front of the input, the chunk sizes and actions from its end
 * ({@link FuzzedDataProvider} consumes numbers from the end), so seeds are plain frame captures. Regression
 * mode (the empty input and the seeds under {@code src/test/resources/io/creditflow/transport/internal/
 * InboundPipelineFuzzTestInputs}) runs in every build; fuzz with {@code scripts/fuzz.sh}.
 */
@ExtendWith(LeakCheck.class)
class InboundPipelineFuzzTest {
    private static final long MAX_NANOS_PER_INPUT = 3_000_000_000L;

    @FuzzTest(maxDuration = "60s")
    void anyBytesAfterTheHandshakeEndInAProtocolCodeOrNothing(FuzzedDataProvider data) {
        long start = System.nanoTime();
        MemoryBudget budget = MemoryBudget.ofBytes(256 * 1024);
        List<Stream> pulled = new ArrayList<>();
        Harness h = new Harness(
                new TestEndpoint()
                        .memoryBudget(budget)
                        .maxMessageBytes(8192)
                        .connectionWindowBytes(64 * 1024)
                        .streamWindowBytes(16 * 1024)
                        .streamWindowMessages(8)
                        .minGrantBytes(4096)
                        .revokeIdle(Duration.ZERO)
                        .maxConcurrentStreams(8)
                        .maxMetadataBytes(256)
                        .maxMetadataEntries(4)
                        .maxQueuedControlFrames(64)
                        .maxResetsReceived(16)
                        .maxResetsSent(16)
                        .resetWindow(Duration.ofSeconds(1))
                        .maxConsecutiveEmptyFrames(16)
                        .readWatermarks(8 * 1024, 16 * 1024)
                        .partialFrameTimeout(Duration.ofSeconds(1))
                        .writeStallTimeout(Duration.ofSeconds(2))
                        .idleTimeout(Duration.ofSeconds(30)),
                stream -> {
                    int id = stream.id();
                    if (id % 4 == 1) {
                        pulled.add(stream);
                        return StreamListener.PULL;
                    }
                    if (id % 8 == 3) {
                        return null; // refused
                    }
                    return new StreamListener() {
                        @Override
                        public void onOpen(Stream s) {
                            s.request(4);
                        }

                        @Override
                        public void onMessage(Stream s, Message m) {
                            s.request(1);
                        }
                    };
                },
                false);
        ErrorCode closedWith = null;
        try {
            h.handshake();
            // The application side: a stream of our own with messages waiting for the peer's credit.
            Stream own = h.p.connection.openStream(StreamOptions.defaults());
            own.offer(new byte[100]);
            own.offer(new byte[3000]);
            h.read();
            byte[] bytes = data.consumeBytes(Math.max(0, data.remainingBytes() - 32));
            int at = 0;
            while (at < bytes.length && h.active()) {
                int chunk =
                        Math.min(bytes.length - at, 1 + (data.remainingBytes() > 0 ? data.consumeInt(0, 255) : 4096));
                h.sendRaw(Unpooled.wrappedBuffer(bytes, at, chunk));
                at += chunk;
                if (data.remainingBytes() > 0) {
                    int action = data.consumeInt(0, 7);
                    if (action == 1) {
                        h.advance(Duration.ofMillis(data.consumeInt(0, 1500)));
                    } else if (action == 2) {
                        for (Stream s : pulled) {
                            Message m;
                            while (s.connection().isActive() && (m = pollQuietly(s)) != null) {
                                m.close();
                            }
                        }
                    } else if (action == 3 && own.stats().state().canSend()) {
                        own.offer(new byte[data.consumeInt(0, 9000)]);
                    }
                }
                closedWith = check(h, budget, closedWith);
            }
            h.advanceInTicks(Duration.ofMillis(100));
            closedWith = check(h, budget, closedWith);
        } finally {
            h.close();
            // A well-behaved application takes what its pull streams still hold (after a clean end it stays
            // pollable) and closes it.
            for (Stream s : pulled) {
                Message m;
                while ((m = pollQuietly(s)) != null) {
                    m.close();
                }
            }
        }
        assertThat(budget.reservedBytes())
                .as("every byte of budget returned after close")
                .isZero();
        assertThat(budget.streams()).as("no stream left registered").isZero();
        if (!firstInput) { // the first input in a JVM pays for class loading (and, when fuzzing, instrumentation)
            assertThat(System.nanoTime() - start).as("bounded work per input").isLessThan(MAX_NANOS_PER_INPUT);
        }
        firstInput = false;
    }

    private static boolean firstInput = true;

    private static Message pollQuietly(Stream s) {
        try {
            return s.poll(0, TimeUnit.SECONDS);
        } catch (io.creditflow.transport.StreamClosedException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** The invariants after each chunk; returns the GoAway code seen so far. */
    private static ErrorCode check(Harness h, MemoryBudget budget, ErrorCode closedWith) {
        List<Frame> out = h.read();
        for (Frame f : out) {
            if (f.hasGoAway()) {
                assertThat(closedWith).as("one GoAway at most").isNull();
                closedWith = f.getGoAway().getCode();
                assertThat(closedWith)
                        .as(
                                "an unexpected exception inside the handler: %s",
                                f.getGoAway().getReason())
                        .isNotEqualTo(ErrorCode.INTERNAL_ERROR);
            } else if (f.hasReset()) {
                assertThat(f.getReset().getCode())
                        .as("Reset: %s", f.getReset().getReason())
                        .isNotEqualTo(ErrorCode.INTERNAL_ERROR);
            }
        }
        if (closedWith != null) {
            assertThat(h.active()).as("closed after GoAway %s", closedWith).isFalse();
        }
        if (h.active()) {
            ConnectionStats stats = h.p.connection.stats();
            assertThat(stats.receiveHoldBytes()).isBetween(0L, 64L * 1024);
            assertThat(stats.unconsumedInboundBytes()).isNotNegative();
            assertThat(stats.openStreams()).isLessThanOrEqualTo(8 + 1);
        }
        assertThat(budget.reservedBytes()).isBetween(0L, budget.limitBytes());
        return closedWith;
    }
}
