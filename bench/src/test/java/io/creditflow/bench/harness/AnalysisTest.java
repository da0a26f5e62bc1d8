package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnalysisTest {
    @Test
    void interpolatesTheSendersCountAtTheReceiversSampleTimes() {
        // sender: 0 bytes at t=0, 1000 at t=100, flat after; receiver consumed 0, 100, 900
        List<long[]> sent = List.of(new long[] {0, 0}, new long[] {100, 1000}, new long[] {200, 1000});
        List<long[]> consumed = List.of(new long[] {50, 0}, new long[] {150, 100}, new long[] {250, 900});
        // t=50: 500-0; t=150: 1000-100; t=250: past the last sender sample, 1000-900
        assertThat(Analysis.maxUnconsumed(sent, consumed, 0)).isEqualTo(900);
        // only the window from t=200 on
        assertThat(Analysis.maxUnconsumed(sent, consumed, 200)).isEqualTo(100);
    }

    @Test
    void takesTheWorstTrackedStreamAndNothingWithoutOverlap() {
        List<long[]> sent = List.of(new long[] {10, 5, 50}, new long[] {20, 5, 60});
        List<long[]> consumed = List.of(new long[] {15, 5, 10});
        assertThat(Analysis.maxUnconsumed(sent, consumed, 0)).isEqualTo(45);
        assertThat(Analysis.maxUnconsumed(sent, List.of(new long[] {5, 0, 0}), 0))
                .isNull();
        assertThat(Analysis.maxUnconsumed(List.of(), consumed, 0)).isNull();
    }

    @Test
    void payloadsCarryTheStreamAndTheIntendedTime() {
        byte[] p = Payloads.make(1024, 1234567, 99L, -42L);
        assertThat(p).hasSize(1024);
        assertThat(Payloads.stream(p)).isEqualTo(1234567);
        assertThat(Payloads.intendedNanos(p)).isEqualTo(-42L);
        assertThat(Payloads.sequence(p)).isEqualTo(99L);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(p);
        assertThat(Payloads.stream(b)).isEqualTo(1234567);
        assertThat(Payloads.intendedNanos(b)).isEqualTo(-42L);
        assertThat(Payloads.sequence(b)).isEqualTo(99L);
    }

    @Test
    void theMeterCountsInTheWindowAndKeepsTotals() {
        Meter m = new Meter(2, new int[] {1});
        m.sent(0, 100);
        m.sent(1, 10);
        m.mark();
        m.sent(0, 100);
        m.consumed(1, 10);
        m.sampleSeries(123);
        var r = m.result();
        assertThat((long[]) r.get("sent_msgs")).containsExactly(1, 0);
        assertThat((long[]) r.get("sent_bytes_total")).containsExactly(200, 10);
        assertThat((long[]) r.get("consumed_bytes")).containsExactly(0, 10);
        assertThat(r.get("sent_series")).isEqualTo(List.of(List.of(123L, 10L)));
    }

    @Test
    void aRowSaysHowTheSystemRan() {
        Scenario s5 = Scenario.catalogue(Profile.QUICK).stream()
                .filter(s -> s.id().equals("S5"))
                .findFirst()
                .orElseThrow();
        java.util.Map<String, Object> rcv = new java.util.HashMap<>();
        rcv.put("window_s", 10.0);
        rcv.put("read_pauses", 2);
        rcv.put("straddled_frames_copied", 7L);
        rcv.put("consumed_msgs", List.of(0L));
        rcv.put("consumed_bytes", List.of(0L));
        java.util.Map<String, Object> snd = new java.util.HashMap<>();
        snd.put("sent_bytes", List.of(20L * 1024));
        Row netty = Analysis.row(
                new RunResult(s5, s5.spec(SystemKind.NETTY_BATCHED, 0, true), rcv, snd, true), List.of(), null);
        assertThat(netty.get("read_pauses")).isEqualTo(2);
        assertThat(netty.get("straddled_frames_copied")).isEqualTo(7L);
        assertThat((String) netty.get("note")).contains("autoRead off past 1024 KiB", "sent 20 KiB into the stall");

        java.util.Map<String, Object> grpcRcv = new java.util.HashMap<>(rcv);
        grpcRcv.put("windows", "fixed (flowControlWindow, BDP estimator off)");
        Row grpc = Analysis.row(
                new RunResult(
                        s5,
                        s5.spec(SystemKind.GRPC_TUNED, 0, true),
                        grpcRcv,
                        java.util.Map.of("on_ready_threshold_bytes", 262144),
                        true),
                List.of(),
                null);
        assertThat(grpc.get("on_ready_threshold_bytes")).isEqualTo(262144);
        assertThat(grpc.get("windows")).isEqualTo("fixed (flowControlWindow, BDP estimator off)");
        assertThat(grpc.get("note")).isNull();
    }
}
