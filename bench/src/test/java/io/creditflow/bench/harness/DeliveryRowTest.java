package io.creditflow.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeliveryRowTest {
    private static Scenario scenario(String id) {
        return Scenario.catalogue(Profile.QUICK).stream()
                .filter(s -> s.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private static Row row() {
        return Row.of(scenario("S2"), SystemKind.CREDITFLOW, null);
    }

    private static Map<String, Object> sender(List<Long> sent) {
        return Map.of("sent_msgs_total", sent);
    }

    private static Map<String, Object> receiver(
            List<Long> consumed, List<Long> held, long gaps, long dups, long ooo, long corrupt) {
        int n = consumed.size();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("drained", true);
        m.put("drain_s", 0.25);
        m.put("consumed_msgs_total", consumed);
        m.put("held", held);
        m.put("gap_msgs", List.of(gaps));
        m.put("duplicate_msgs", List.of(dups));
        m.put("out_of_order_msgs", List.of(ooo));
        m.put("corrupt_msgs", n > 1 ? List.of(0L, corrupt) : List.of(corrupt));
        return m;
    }

    @Test
    void equalCountsAndNoFaultsAreDelivered() {
        Row r = row();
        Analysis.delivery(r, receiver(List.of(10L, 20L), List.of(0L, 0L), 0, 0, 0, 0), sender(List.of(10L, 20L)));
        assertThat(r.get("delivery_ok")).isEqualTo(true);
        assertThat(r.status()).isEqualTo("ok");
        assertThat(r.number("sent_msgs")).isEqualTo(30.0);
        assertThat(r.number("delivered_msgs")).isEqualTo(30.0);
        assertThat(r.number("undelivered_held_msgs")).isEqualTo(0.0);
        assertThat(r.number("drain_s")).isEqualTo(0.25);
    }

    @Test
    void aStreamReadAtOnceThatIsShortAfterTheDrainIsAnErrorRow() {
        Row r = row();
        Analysis.delivery(r, receiver(List.of(10L, 19L), List.of(0L, 0L), 0, 0, 0, 0), sender(List.of(10L, 20L)));
        assertThat(r.get("delivery_ok")).isEqualTo(false);
        assertThat(r.status()).isEqualTo("error");
        assertThat((String) r.get("note")).contains("stream 1 consumed 19 of 20");
    }

    @Test
    void aHeldStreamMayStillHaveMessagesInFlight() {
        Row r = row();
        Analysis.delivery(r, receiver(List.of(10L, 5L), List.of(0L, 1L), 0, 0, 0, 0), sender(List.of(10L, 20L)));
        assertThat(r.get("delivery_ok")).isEqualTo(true);
        assertThat(r.number("undelivered_held_msgs")).isEqualTo(15.0);
        assertThat(r.status()).isEqualTo("ok");
    }

    @Test
    void moreConsumedThanSentIsAnErrorEvenWhenHeld() {
        Row r = row();
        Analysis.delivery(r, receiver(List.of(11L), List.of(1L), 0, 0, 0, 0), sender(List.of(10L)));
        assertThat(r.get("delivery_ok")).isEqualTo(false);
        assertThat(r.status()).isEqualTo("error");
    }

    @Test
    void anyGapDuplicateReorderingOrCorruptionIsAnErrorRow() {
        long[][] faults = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
        for (long[] f : faults) {
            Row r = row();
            Analysis.delivery(
                    r, receiver(List.of(10L, 20L), List.of(0L, 0L), f[0], f[1], f[2], f[3]), sender(List.of(10L, 20L)));
            assertThat(r.get("delivery_ok"))
                    .as("faults %s", java.util.Arrays.toString(f))
                    .isEqualTo(false);
            assertThat(r.status()).isEqualTo("error");
            assertThat(r.number("gap_msgs")
                            + r.number("duplicate_msgs")
                            + r.number("out_of_order_msgs")
                            + r.number("corrupt_msgs"))
                    .isEqualTo(1.0);
        }
    }

    @Test
    void mismatchedStreamCountsAreAnErrorRow() {
        Row r = row();
        Analysis.delivery(r, receiver(List.of(10L), List.of(0L), 0, 0, 0, 0), sender(List.of(10L, 20L)));
        assertThat(r.get("delivery_ok")).isEqualTo(false);
    }

    @Test
    void anEarlierErrorKeepsItsNote() {
        Row r = row();
        r.set("status", "error").set("note", "send loop failed");
        Analysis.delivery(r, receiver(List.of(1L), List.of(0L), 0, 0, 0, 0), sender(List.of(2L)));
        assertThat(r.get("delivery_ok")).isEqualTo(false);
        assertThat(r.get("note")).isEqualTo("send loop failed");
    }

    @Test
    void deliveryIsVerifiedOnPointToPointTrafficOnly() {
        for (SystemKind s : SystemKind.values()) {
            for (String id : List.of("S1", "S2", "S3", "S5", "S6")) {
                Scenario sc = scenario(id);
                if (sc.appliesTo(s)) {
                    assertThat(Analysis.verifiesDelivery(sc.spec(s, sc.kind() == Kind.LATENCY ? 100 : 0, true)))
                            .as("%s %s", id, s)
                            .isTrue();
                }
            }
        }
        Scenario scale = scenario("S7-streams");
        assertThat(Analysis.verifiesDelivery(scale.spec(SystemKind.CREDITFLOW, 0, true)))
                .isFalse();
        Scenario broker = Scenario.catalogue(Profile.QUICK).stream()
                .filter(s -> s.kind() == Kind.BROKER)
                .findFirst()
                .orElseThrow();
        assertThat(Analysis.verifiesDelivery(broker.spec(SystemKind.CREDITFLOW, 0, true)))
                .isFalse();
    }
}
