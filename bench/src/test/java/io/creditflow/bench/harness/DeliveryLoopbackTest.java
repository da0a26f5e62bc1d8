package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each system's real sender and receiver (all five) in one JVM over loopback, driven by the shared send loop on
 * S2's 16 streams for a few thousand messages (a check that the delivery check sees a clean run as
 * clean, not a measurement): the two sides keep their own meters, as in their own JVMs, and after the
 * send loop stops, each stream's consumed count reaches its sent count with no fault.
 */
class DeliveryLoopbackTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @ParameterizedTest
    @EnumSource(SystemKind.class)
    void aCleanRunIsDeliveredInFullAndInOrder(SystemKind system) throws Exception {
        Scenario s2 = Scenario.catalogue(Profile.QUICK).stream()
                .filter(s -> s.id().equals("S2"))
                .findFirst()
                .orElseThrow();
        RunSpec spec = s2.spec(system, 0, true);
        int n = spec.totalStreams();
        RunContext rcvCtx = new RunContext(spec, new Meter(n, new int[0]));
        Meter sentMeter = new Meter(n, new int[0]);
        try (Receiver receiver = system.newReceiver(spec);
                Sender sender = system.newSender(spec)) {
            int port = receiver.start(rcvCtx);
            RunSpec withPort = spec.withPort(port);
            RunContext sndCtx = new RunContext(withPort, sentMeter);
            sender.open(sndCtx, "127.0.0.1", port);
            Await.until("streams accepted", TIMEOUT, () -> receiver.accepted() >= system.expectedAccepted(withPort));
            SendLoop loop = new SendLoop(sender, sndCtx);
            loop.start();
            Await.until("4,000 messages sent", TIMEOUT, () -> total(sentMeter, n) >= 4000);
            loop.stop();
            assertThat(loop.failure()).isNull();
            long[] sent = new long[n];
            for (int i = 0; i < n; i++) {
                sent[i] = sentMeter.sentMessages(i);
            }
            Await.until("every stream drained", TIMEOUT, () -> {
                for (int i = 0; i < n; i++) {
                    if (rcvCtx.meter().consumedMessages(i) < sent[i]) {
                        return false;
                    }
                }
                return true;
            });
            DeliveryCheck check = rcvCtx.check();
            List<Long> sentList = new ArrayList<>();
            List<Long> consumed = new ArrayList<>();
            List<Long> held = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                assertThat(check.consumed(i)).as("stream %d", i).isEqualTo(sent[i]);
                assertThat(check.next(i)).as("stream %d", i).isEqualTo(sent[i]);
                assertThat(check.gaps(i) + check.duplicates(i) + check.outOfOrder(i) + check.corrupt(i))
                        .isZero();
                sentList.add(sent[i]);
                consumed.add(rcvCtx.meter().consumedMessages(i));
                held.add(0L);
            }
            Map<String, Object> rd = new LinkedHashMap<>(Json.parseObject(Json.write(check.result())));
            rd.put("consumed_msgs_total", consumed);
            rd.put("held", held);
            Row row = Row.of(s2, system, null);
            Analysis.delivery(row, rd, Map.of("sent_msgs_total", sentList));
            assertThat(row.get("delivery_ok")).isEqualTo(true);
            assertThat(row.number("delivered_msgs")).isGreaterThanOrEqualTo(4000.0);
            assertThat(Json.parseObject(row.toJson())).containsEntry("system", system.label());
            assertThat(receiver.figures()).containsKey("transport");
            if (system.isGrpc()) { // the window as it really was: pinned (grpc-tuned), or not known (grpc)
                assertThat(receiver.figures())
                        .containsEntry("window_bytes", system == SystemKind.GRPC_TUNED ? 1024 * 1024 : null);
            }
        }
    }

    private static long total(Meter m, int n) {
        long t = 0;
        for (int i = 0; i < n; i++) {
            t += m.sentMessages(i);
        }
        return t;
    }
}
