package io.creditflow.bench.harness.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.bench.harness.DeliveryCheck;
import io.creditflow.bench.harness.Meter;
import io.creditflow.bench.harness.Payloads;
import io.creditflow.bench.harness.Profile;
import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.creditflow.bench.harness.Scenario;
import io.creditflow.bench.harness.SendLoop;
import io.creditflow.bench.harness.Sender;
import io.creditflow.bench.harness.SystemKind;
import io.creditflow.testing.Await;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The raw Netty systems over loopback in one JVM: netty-batched's in-place decoding of frames that
 * straddle reads (S4's 64 KiB messages), and both programs' answer to a slow reader (S3's slow stream):
 * reading turned off once the held frames pass {@link ReadPause#HIGH_BYTES}, the sender then stopped by
 * writability, and everything delivered once the reader catches up.
 */
class NettyLoopbackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int KIB = 1024;
    /** What the sender could push without back-pressure before the test gives up: far above the bound. */
    private static final long MAX_MESSAGES = 64 * KIB;

    private static Scenario scenario(String id) {
        return Scenario.catalogue(Profile.QUICK).stream()
                .filter(s -> s.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void framesThatStraddleReadsAreDecodedAndDeliveredInFull() throws Exception {
        SystemKind system = SystemKind.NETTY_BATCHED;
        RunSpec spec = scenario("S4").spec(system, 0, true);
        RunContext rcvCtx = new RunContext(spec, new Meter(1, new int[0]));
        Meter sentMeter = new Meter(1, new int[0]);
        try (Receiver receiver = system.newReceiver(spec);
                Sender sender = system.newSender(spec)) {
            int port = receiver.start(rcvCtx);
            RunContext sndCtx = new RunContext(spec.withPort(port), sentMeter);
            sender.open(sndCtx, "127.0.0.1", port);
            SendLoop loop = new SendLoop(sender, sndCtx);
            loop.start();
            Await.until("300 messages of 64 KiB sent", TIMEOUT, () -> sentMeter.sentMessages(0) >= 300);
            loop.stop();
            assertThat(loop.failure()).isNull();
            long sent = sentMeter.sentMessages(0);
            Await.until("drained", TIMEOUT, () -> rcvCtx.meter().consumedMessages(0) >= sent);
            DeliveryCheck check = rcvCtx.check();
            assertThat(check.consumed(0)).isEqualTo(sent);
            assertThat(check.next(0)).isEqualTo(sent);
            assertThat(check.gaps(0) + check.duplicates(0) + check.outOfOrder(0) + check.corrupt(0))
                    .isZero();
            // A 64 KiB frame never fits one read of at most 64 KiB: each one was kept and completed once.
            assertThat((Long) receiver.figures().get("straddled_frames_copied")).isPositive();
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = SystemKind.class,
            names = {"NETTY_BATCHED", "NETTY_NAIVE"})
    void aSlowReaderTurnsReadingOffSoTheSenderStopsThenCatchesUpOnEverything(SystemKind system) throws Exception {
        RunSpec spec = scenario("S3").spec(system, 0, true);
        int n = spec.totalStreams();
        int slow = n - 1;
        assertThat(spec.isSlow(slow)).isTrue();
        RunContext rcvCtx = new RunContext(spec, new Meter(n, new int[0]));
        Meter sentMeter = new Meter(n, new int[0]);
        try (Receiver receiver = system.newReceiver(spec);
                Sender sender = system.newSender(spec)) {
            int port = receiver.start(rcvCtx);
            sender.open(new RunContext(spec.withPort(port), sentMeter), "127.0.0.1", port);
            Await.until("connection accepted", TIMEOUT, () -> receiver.accepted() >= 1);

            long sent = sendUntilRefused(sender, receiver, slow, sentMeter);
            assertThat(pauses(receiver)).isPositive();
            // Stopped by back-pressure far below what it tried (the kernels and the sender's buffers hold the rest).
            assertThat(sent).isLessThan(MAX_MESSAGES / 4);
            assertThat(receiver.heldBytes())
                    .isGreaterThan(ReadPause.HIGH_BYTES)
                    .isLessThanOrEqualTo(ReadPause.HIGH_BYTES + 256 * KIB);

            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (rcvCtx.meter().consumedMessages(slow) < sent && System.nanoTime() < deadline) {
                long before = rcvCtx.meter().consumedMessages(slow);
                receiver.consumeOne(slow);
                if (rcvCtx.meter().consumedMessages(slow) == before) {
                    LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100)); // reading resumes, frames arrive
                }
            }
            DeliveryCheck check = rcvCtx.check();
            assertThat(check.consumed(slow)).isEqualTo(sent);
            assertThat(check.next(slow)).isEqualTo(sent);
            assertThat(check.gaps(slow) + check.duplicates(slow) + check.outOfOrder(slow) + check.corrupt(slow))
                    .isZero();
            assertThat(receiver.heldBytes()).isZero();
        }
    }

    /** Sends 1 KiB messages to {@code stream} until the sender has said no for 200 ms since reading paused. */
    private static long sendUntilRefused(Sender sender, Receiver receiver, int stream, Meter meter)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long sent = 0;
        byte[] pending = null;
        long refusedSince = -1;
        while (sent < MAX_MESSAGES && System.nanoTime() < deadline) {
            byte[] p = pending != null ? pending : Payloads.make(KIB, stream, sent, System.nanoTime());
            if (sender.trySend(stream, p)) {
                pending = null;
                meter.sent(stream, KIB);
                sent++;
                refusedSince = -1;
                continue;
            }
            pending = p;
            sender.flush();
            long now = System.nanoTime();
            if (pauses(receiver) > 0) {
                if (refusedSince < 0) {
                    refusedSince = now;
                } else if (now - refusedSince > TimeUnit.MILLISECONDS.toNanos(200)) {
                    break;
                }
            }
            sender.awaitReady(TimeUnit.MILLISECONDS.toNanos(1));
        }
        sender.flush();
        return sent;
    }

    private static int pauses(Receiver receiver) {
        return ((Number) receiver.figures().get("read_pauses")).intValue();
    }
}
