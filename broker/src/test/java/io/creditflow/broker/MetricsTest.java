package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /metrics} as a contract: every family's name, type, label names and HELP text equal the list in
 * {@code metrics-families.txt} (generated from our own writer before {@link Metrics} moved to the Prometheus Java
 * client's), the output passes a strict reading of the text format, and the values are the snapshot's. A pure test:
 * the snapshot is built by hand.
 */
class MetricsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void everyFamilyKeepsItsNameTypeLabelsAndHelp() throws IOException {
        Map<String, PrometheusText.Family> families = PrometheusText.parse(Metrics.render(full()));
        List<String> rendered = families.values().stream()
                .map(f -> f.name() + " " + f.type() + " " + labelList(f) + " " + f.help())
                .toList();
        assertThat(rendered).containsExactlyInAnyOrderElementsOf(expectedFamilies());
        assertThat(families.values())
                .as("the full snapshot gives every family at least one sample")
                .allSatisfy(f -> assertThat(f.samples()).isNotEmpty());
    }

    @Test
    void valuesAreTheSnapshotsFigures() {
        Map<String, PrometheusText.Family> m = PrometheusText.parse(Metrics.render(full()));
        assertThat(m.get("creditflow_broker_budget_bytes").value()).isEqualTo(1 << 30);
        assertThat(m.get("creditflow_topic_published_messages_total").value("topic", "orders"))
                .isEqualTo(1000);
        assertThat(m.get("creditflow_topic_drain_bytes_per_second").value("topic", "orders"))
                .isEqualTo(1234.5);
        PrometheusText.Family stalled = m.get("creditflow_topic_stalled_seconds_total");
        assertThat(stalled.value("topic", "orders", "reason", "topic_full")).isEqualTo(1.5);
        assertThat(stalled.value("topic", "orders", "reason", "subscription_full"))
                .isEqualTo(2);
        assertThat(stalled.value("topic", "orders", "reason", "budget_exhausted"))
                .isEqualTo(0.25);
        assertThat(stalled.value("topic", "orders", "reason", "quota")).isEqualTo(3);
        assertThat(m.get("creditflow_subscription_depth_messages")
                        .value("topic", "orders", "subscription", "billing", "policy", "block"))
                .isEqualTo(7);
        assertThat(m.get("creditflow_subscription_stalled_seconds_total")
                        .value("topic", "orders", "subscription", "audit", "policy", "drop-oldest"))
                .isEqualTo(0.5);
        assertThat(m.get("creditflow_log_cursor_consumer_credit_messages")
                        .value("topic", "orders", "subscription", "replay"))
                .as("unlimited credit is -1")
                .isEqualTo(-1);
        assertThat(m.get("creditflow_log_appends_held").value("topic", "orders", "reason", "disk_full"))
                .isEqualTo(1);
        assertThat(m.get("creditflow_log_appends_held").value("topic", "orders", "reason", "log_full"))
                .isZero();
        assertThat(m.get("creditflow_log_appends_held_seconds_total").value("topic", "orders", "reason", "disk_full"))
                .isEqualTo(4);
        assertThat(m.get("creditflow_log_total_bytes").value()).isEqualTo(5L << 30);
        assertThat(m.get("creditflow_quota_throttled").value("principal", "alice"))
                .isEqualTo(1);
        assertThat(m.get("creditflow_quota_throttled_seconds_total").value("principal", "alice"))
                .isEqualTo(0.75);
        assertThat(m.get("creditflow_http_over_quota_total").value()).isEqualTo(3);
        assertThat(m.get("creditflow_box_total").samples())
                .as("a box without a total has no total series")
                .hasSize(1);
        assertThat(m.get("creditflow_box_stalled")
                        .value("box", "workers", "reason", "say \"hi\" \\ twice\nplease", "state", "stalled"))
                .as("label values are escaped and read back whole")
                .isEqualTo(1);
        assertThat(m.get("creditflow_box_stalled").value("box", "db", "reason", "", "state", "ok"))
                .isZero();
    }

    @Test
    void theBackendsFiguresAreRenderedWithTheBrokersAndOptionalPartsAreLeftOut() {
        BrokerSnapshot bare = new BrokerSnapshot(
                0,
                0,
                0,
                1 << 20,
                0,
                0,
                0,
                List.of(),
                List.of(),
                List.of(),
                null,
                List.of(),
                List.of(
                        BackendMetric.gauge("backend_up", "Whether the backend is up", 1),
                        BackendMetric.counter("backend_sent_total", "Sent", 7, "topic", "a"),
                        BackendMetric.counter("backend_sent_total", "Sent", 9, "topic", "b")));
        String text = Metrics.render(bare);
        Map<String, PrometheusText.Family> m = PrometheusText.parse(text);
        assertThat(m.get("backend_up").type()).isEqualTo("gauge");
        assertThat(m.get("backend_up").value()).isEqualTo(1);
        assertThat(m.get("backend_sent_total").type()).isEqualTo("counter");
        assertThat(m.get("backend_sent_total").value("topic", "b")).isEqualTo(9);
        assertThat(m.get("backend_sent_total").samples()).hasSize(2);
        assertThat(m).containsKeys("creditflow_broker_buffered_bytes", "creditflow_process_direct_used_bytes");
        assertThat(m.keySet())
                .as("a family with no series yet is left out")
                .noneMatch(name -> name.startsWith("creditflow_topic_")
                        || name.startsWith("creditflow_subscription_")
                        || name.startsWith("creditflow_log_")
                        || name.startsWith("creditflow_quota_")
                        || name.startsWith("creditflow_http_")
                        || name.startsWith("creditflow_box_"));
    }

    @Test
    void aBoxIdGivenTwiceIsRenderedOnceTheFirstBox() {
        BrokerSnapshot full = full();
        List<DashboardBox> boxes = new java.util.ArrayList<>(full.extraBoxes());
        boxes.add(DashboardBox.builder("workers", "other", "Other workers")
                .depth(99, 100, "busy")
                .build());
        BrokerSnapshot twice = new BrokerSnapshot(
                full.nanoTime(),
                full.bufferedBytes(),
                full.bufferedPeakBytes(),
                full.budgetBytes(),
                full.transportReservedBytes(),
                full.heapUsedBytes(),
                full.directUsedBytes(),
                full.topics(),
                full.logs(),
                full.quotas(),
                full.http(),
                boxes,
                full.backendMetrics());
        PrometheusText.Family depth =
                PrometheusText.parse(Metrics.render(twice)).get("creditflow_box_depth");
        assertThat(depth.samples()).hasSize(2);
        assertThat(depth.value("box", "workers", "unit", "busy")).isEqualTo(3);
    }

    @Test
    void theContentTypeIsTheTextFormats() {
        assertThat(Metrics.CONTENT_TYPE).isEqualTo("text/plain; version=0.0.4; charset=utf-8");
    }

    private static String labelList(PrometheusText.Family f) {
        return f.labelNames().isEmpty() ? "-" : String.join(",", f.labelNames());
    }

    private static List<String> expectedFamilies() throws IOException {
        try (InputStream in = MetricsTest.class.getResourceAsStream("metrics-families.txt")) {
            assertThat(in).as("metrics-families.txt beside this test").isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .toList();
        }
    }

    /** A snapshot in which every family of /metrics has samples. */
    static BrokerSnapshot full() {
        TopicStats.SubscriptionStats billing = new TopicStats.SubscriptionStats(
                "billing", SubscriptionPolicy.BLOCK, 2, 7, 700, 4096, 900, 0, SECOND, 1);
        TopicStats.SubscriptionStats audit = new TopicStats.SubscriptionStats(
                "audit", SubscriptionPolicy.DROP_OLDEST, 1, 3, 300, 0, 880, 20, SECOND / 2, 0);
        TopicStats orders = new TopicStats(
                "orders",
                3,
                10,
                1000,
                1000,
                100_000,
                990,
                5,
                1,
                12,
                4,
                1234.5,
                3 * SECOND / 2,
                2 * SECOND,
                SECOND / 4,
                3 * SECOND,
                1,
                6,
                2,
                1,
                List.of(billing, audit));
        Map<String, Long> heldNanos = new LinkedHashMap<>();
        heldNanos.put("log_full", SECOND);
        heldNanos.put("disk_full", 4 * SECOND);
        Map<String, Long> holdEvents = new LinkedHashMap<>();
        holdEvents.put("log_full", 2L);
        holdEvents.put("disk_full", 1L);
        LogTopicStats ordersLog = new LogTopicStats(
                "orders",
                3L << 30,
                4L << 30,
                5L << 30,
                8L << 30,
                100,
                5000,
                4990,
                "disk_full",
                "disk_full",
                heldNanos,
                holdEvents,
                7,
                0,
                2,
                512,
                1 << 20,
                12_345,
                List.of(
                        new LogTopicStats.CursorStats("replay", 1, 4000, 3990, 1010, 3, 1, Long.MAX_VALUE),
                        new LogTopicStats.CursorStats("nightly", 0, 100, 100, 4900, 0, 0, 0)));
        QuotaStats alice = new QuotaStats("alice", 1 << 20, 200, 123_456, 789, 3 * SECOND / 4, true, 2, 0, 0);
        BrokerSnapshot.Http http = new BrokerSnapshot.Http(100, 7, 3, 4, 2, 1);
        DashboardBox workers = DashboardBox.builder("workers", "sink", "Workers")
                .depth(3, 4, "busy")
                .total(500)
                .stalled("say \"hi\" \\ twice\nplease")
                .build();
        DashboardBox db = DashboardBox.builder("db", "sink", "Database")
                .depth(1, 0, "rows")
                .build();
        return new BrokerSnapshot(
                42,
                1700,
                4096,
                1 << 30,
                65_536,
                200L << 20,
                64L << 20,
                List.of(orders),
                List.of(ordersLog),
                List.of(alice),
                http,
                List.of(workers, db),
                List.of());
    }
}
