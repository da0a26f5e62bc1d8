package io.creditflow.broker;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Renders a {@link BrokerSnapshot} in the Prometheus text exposition format (version 0.0.4): the same snapshot the
 * dashboard draws its boxes from. The families are built as snapshots of the official Prometheus Java client's data
 * model ({@code prometheus-metrics-model}) and written by its {@link PrometheusTextFormatWriter}, so escaping and
 * the format's rules are the library's; the names, types, labels and HELP texts below are ours and a contract
 * (docs/broker-protocol.md section 9; {@code MetricsTest} holds the list). Stateless.
 *
 * <p>What the library does its own way, all equivalent to a Prometheus scraper: families are written sorted by name,
 * label names sorted ({@code {policy=..,subscription=..,topic=..}}), a family's samples sorted by their labels,
 * values as Java doubles ({@code 3.0}, {@code 1.073741824E9}), and a family with no sample yet (no topic, say) is
 * left out instead of written as HELP and TYPE lines alone. It also refuses a series written twice: of two embedder
 * boxes with one id, only the first is rendered. Counters are named here with {@code _total}, as they are exposed,
 * and handed to the library without it (its writer appends it).
 *
 * <p>Why this library and not Micrometer's Prometheus registry (which the {@code creditflow-micrometer} module's
 * users may already have): Micrometer registers long-lived meters and derives the exposed names from dotted names,
 * base units and types, while this renderer turns one snapshot per scrape into families whose names are fixed;
 * the Prometheus client's snapshot model is exactly that, and it is three small jars (model, config, text writer)
 * where Micrometer would bring its core and registry into the broker.
 */
final class Metrics {
    /** What {@code GET /metrics} answers with: {@code text/plain; version=0.0.4; charset=utf-8}. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private static final PrometheusTextFormatWriter WRITER = PrometheusTextFormatWriter.create();

    private Metrics() {}

    static String render(BrokerSnapshot snap) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            WRITER.write(out, snapshots(snap));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Every family of {@code snap} (the library sorts them by name). */
    static MetricSnapshots snapshots(BrokerSnapshot snap) {
        Families f = new Families();
        f.gauge(
                "creditflow_broker_buffered_bytes",
                "Message bytes held by the broker (topic buffers and "
                        + "subscription queues), all reserved in the broker budget",
                snap.bufferedBytes());
        f.gauge(
                "creditflow_broker_buffered_peak_bytes",
                "Largest creditflow_broker_buffered_bytes seen",
                snap.bufferedPeakBytes());
        f.gauge("creditflow_broker_budget_bytes", "The broker budget", snap.budgetBytes());
        f.gauge(
                "creditflow_transport_receive_reserved_bytes",
                "Credit granted to producers and not yet consumed by the broker (transport budget)",
                snap.transportReservedBytes());
        f.gauge("creditflow_process_heap_used_bytes", "JVM heap in use", snap.heapUsedBytes());
        f.gauge(
                "creditflow_process_direct_used_bytes",
                "Direct memory held by Netty's allocator (invisible to JMX)",
                snap.directUsedBytes());
        topics(f, snap.topics());
        subscriptions(f, snap.topics());
        durable(f, snap.logs());
        quotas(f, snap.quotas());
        http(f, snap.http());
        boxes(f, snap.extraBoxes());
        backend(f, snap.backendMetrics());
        return f.build();
    }

    /** The backend's figures, one family per name in the order they first appear. */
    private static void backend(Families f, List<BackendMetric> metrics) {
        Map<String, List<BackendMetric>> families = new LinkedHashMap<>();
        for (BackendMetric m : metrics) {
            families.computeIfAbsent(m.name(), k -> new ArrayList<>()).add(m);
        }
        for (List<BackendMetric> family : families.values()) {
            BackendMetric first = family.get(0);
            if (first.type() == BackendMetric.Type.COUNTER) {
                CounterSnapshot.Builder b = f.counter(first.name(), first.help());
                family.forEach(m -> b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(labels(m))
                        .value(m.value())
                        .build()));
                f.add(b);
            } else {
                GaugeSnapshot.Builder b = f.gauge(first.name(), first.help());
                family.forEach(m -> b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(labels(m))
                        .value(m.value())
                        .build()));
                f.add(b);
            }
        }
    }

    private static Labels labels(BackendMetric m) {
        Labels l = Labels.EMPTY;
        for (Map.Entry<String, String> e : m.labels().entrySet()) {
            l = l.add(e.getKey(), e.getValue());
        }
        return l;
    }

    private static void topics(Families f, List<TopicStats> topics) {
        Function<TopicStats, Labels> topic = t -> Labels.of("topic", t.name());
        f.gauge("creditflow_topic_producers", "Producer streams attached", topics, topic, TopicStats::producers);
        f.gauge(
                "creditflow_topic_depth_messages",
                "Messages in the topic buffer",
                topics,
                topic,
                TopicStats::depthMessages);
        f.gauge("creditflow_topic_depth_bytes", "Bytes in the topic buffer", topics, topic, TopicStats::depthBytes);
        f.counter(
                "creditflow_topic_published_messages_total",
                "Messages admitted into the topic",
                topics,
                topic,
                TopicStats::publishedMessages);
        f.counter(
                "creditflow_topic_published_bytes_total",
                "Payload bytes admitted into the topic",
                topics,
                topic,
                TopicStats::publishedBytes);
        f.counter(
                "creditflow_topic_dispatched_messages_total",
                "Messages dispatched to subscriptions",
                topics,
                topic,
                TopicStats::dispatchedMessages);
        f.counter(
                "creditflow_topic_unrouted_messages_total",
                "Messages dispatched with no subscription",
                topics,
                topic,
                TopicStats::unroutedMessages);
        f.gauge(
                "creditflow_topic_drain_bytes_per_second",
                "Smoothed dispatch rate (drives Retry-After)",
                topics,
                topic,
                TopicStats::drainBytesPerSecond);
        f.counter(
                "creditflow_topic_http_rejects_total",
                "HTTP publishes answered 503",
                topics,
                topic,
                TopicStats::httpRejects);
        f.counter(
                "creditflow_topic_evictions_total",
                "Subscriptions evicted (DISCONNECT)",
                topics,
                topic,
                TopicStats::evictions);
        f.counter(
                "creditflow_topic_evicted_messages_total",
                "Messages freed with evicted subscriptions",
                topics,
                topic,
                TopicStats::droppedByEvictions);
        f.counter(
                "creditflow_topic_rejoins_refused_total",
                "Consumers refused because their subscription was evicted moments before (DISCONNECT backoff)",
                topics,
                topic,
                TopicStats::refusedRejoins);
        f.counter(
                "creditflow_topic_consumers_refused_total",
                "Consumers refused at subscribe time (policy conflict, max_message_bytes too small)",
                topics,
                topic,
                TopicStats::refusedConsumers);
        f.counter(
                "creditflow_topic_expired_subscriptions_total",
                "Subscriptions removed after their grace period with no consumer",
                topics,
                topic,
                TopicStats::expiredSubscriptions);
        f.counter(
                "creditflow_topic_expired_messages_total",
                "Messages still queued for subscriptions when they expired (never delivered)",
                topics,
                topic,
                TopicStats::droppedByExpiry);
        CounterSnapshot.Builder stalled =
                f.counter("creditflow_topic_stalled_seconds_total", "Time the topic was stalled, by reason");
        for (TopicStats t : topics) {
            Families.add(stalled, t.topicFullNanos() / 1e9, "topic", t.name(), "reason", "topic_full");
            Families.add(stalled, t.subscriptionFullNanos() / 1e9, "topic", t.name(), "reason", "subscription_full");
            Families.add(stalled, t.budgetExhaustedNanos() / 1e9, "topic", t.name(), "reason", "budget_exhausted");
            Families.add(stalled, t.quotaNanos() / 1e9, "topic", t.name(), "reason", "quota");
        }
        f.add(stalled);
    }

    /** A subscription of a topic, for the subscription families. */
    private record Sub(TopicStats topic, TopicStats.SubscriptionStats stats) {}

    private static void subscriptions(Families f, List<TopicStats> topics) {
        List<Sub> subs = topics.stream()
                .flatMap(t -> t.subscriptions().stream().map(s -> new Sub(t, s)))
                .toList();
        Function<Sub, Labels> labels = s -> Labels.of(
                "topic",
                s.topic().name(),
                "subscription",
                s.stats().name(),
                "policy",
                s.stats().policy().label());
        f.gauge(
                "creditflow_subscription_consumers",
                "Consumer streams of the subscription",
                subs,
                labels,
                s -> s.stats().consumers());
        f.gauge(
                "creditflow_subscription_depth_messages",
                "Messages queued for the subscription",
                subs,
                labels,
                s -> s.stats().depthMessages());
        f.gauge(
                "creditflow_subscription_depth_bytes",
                "Bytes queued for the subscription",
                subs,
                labels,
                s -> s.stats().depthBytes());
        f.gauge(
                "creditflow_subscription_consumer_credit_bytes",
                "Credit its consumers granted the broker, not yet used",
                subs,
                labels,
                s -> s.stats().consumerCreditBytes());
        f.counter(
                "creditflow_subscription_delivered_messages_total",
                "Messages handed to consumers",
                subs,
                labels,
                s -> s.stats().deliveredMessages());
        f.counter(
                "creditflow_subscription_dropped_messages_total",
                "Messages dropped by the policy",
                subs,
                labels,
                s -> s.stats().droppedMessages());
        f.counter(
                "creditflow_subscription_stalled_seconds_total",
                "Time messages waited with no consumer credit (reason no_consumer_credit)",
                subs,
                labels,
                s -> s.stats().noConsumerCreditNanos() / 1e9);
        f.counter(
                "creditflow_subscription_evicted_consumers_total",
                "Consumers evicted alone because they could not take a message",
                subs,
                labels,
                s -> s.stats().evictedConsumers());
    }

    /** A cursor of a durable topic, for the cursor families. */
    private record Cursor(LogTopicStats topic, LogTopicStats.CursorStats stats) {}

    /** The durable topics' log figures (nothing without a data dir). */
    private static void durable(Families f, List<LogTopicStats> logs) {
        if (logs.isEmpty()) {
            return;
        }
        Function<LogTopicStats, Labels> topic = t -> Labels.of("topic", t.name());
        f.gauge(
                "creditflow_log_size_bytes",
                "Bytes on disk of the topic log (segments and indexes)",
                logs,
                topic,
                LogTopicStats::sizeBytes);
        f.gauge(
                "creditflow_log_max_bytes",
                "The bound on the topic log's bytes on disk",
                logs,
                topic,
                LogTopicStats::maxBytes);
        LogTopicStats any = logs.get(0);
        f.gauge("creditflow_log_total_bytes", "Bytes on disk of every durable topic's log together", any.totalBytes());
        f.gauge(
                "creditflow_log_total_max_bytes",
                "The broker-wide bound on creditflow_log_total_bytes (0: none)",
                any.totalMaxBytes());
        f.gauge(
                "creditflow_log_start_offset",
                "Earliest offset still in the log",
                logs,
                topic,
                LogTopicStats::startOffset);
        f.gauge("creditflow_log_end_offset", "Offset the next record gets", logs, topic, LogTopicStats::endOffset);
        f.gauge(
                "creditflow_log_durable_offset",
                "Everything below is durable as the fsync mode promises",
                logs,
                topic,
                LogTopicStats::durableOffset);
        f.counter(
                "creditflow_log_unread_records_dropped_total",
                "Records the drop-oldest disk policy deleted before every cursor had read them",
                logs,
                topic,
                LogTopicStats::unreadRecordsDropped);
        f.counter(
                "creditflow_log_duplicates_dropped_total",
                "Retried messages of idempotent producers the log dropped as duplicates",
                logs,
                topic,
                LogTopicStats::duplicatesDropped);
        f.gauge(
                "creditflow_log_recovery_truncated_bytes",
                "Bytes recovery cut off a torn or corrupt tail when the log was opened",
                logs,
                topic,
                LogTopicStats::recoveryTruncatedBytes);
        f.gauge(
                "creditflow_log_tail_cache_bytes",
                "Bytes of the records appended last held in memory for the subscriptions near the head",
                logs,
                topic,
                LogTopicStats::tailCacheBytes);
        f.counter(
                "creditflow_log_tail_cache_hits_total",
                "Records subscriptions took from the tail cache instead of reading the log",
                logs,
                topic,
                LogTopicStats::tailCacheHits);
        GaugeSnapshot.Builder held =
                f.gauge("creditflow_log_appends_held", "1 while the topic's producers are held, by reason");
        CounterSnapshot.Builder heldSeconds = f.counter(
                "creditflow_log_appends_held_seconds_total", "Time the topic's producers were held, by reason");
        CounterSnapshot.Builder holdEvents = f.counter(
                "creditflow_log_appends_held_events_total", "Times the topic's producers became held, by reason");
        for (LogTopicStats t : logs) {
            t.heldNanos().forEach((reason, nanos) -> {
                Families.add(held, t.held().equals(reason) ? 1 : 0, "topic", t.name(), "reason", reason);
                Families.add(heldSeconds, nanos / 1e9, "topic", t.name(), "reason", reason);
            });
            t.holdEvents().forEach((reason, n) -> Families.add(holdEvents, n, "topic", t.name(), "reason", reason));
        }
        f.add(held);
        f.add(heldSeconds);
        f.add(holdEvents);
        List<Cursor> cursors = logs.stream()
                .flatMap(t -> t.cursors().stream().map(c -> new Cursor(t, c)))
                .toList();
        Function<Cursor, Labels> cursor = c ->
                Labels.of("topic", c.topic().name(), "subscription", c.stats().name());
        f.gauge(
                "creditflow_log_cursor_offset",
                "Next offset the durable subscription delivers",
                cursors,
                cursor,
                c -> c.stats().position());
        f.gauge(
                "creditflow_log_committed_offset",
                "Committed offset: where the subscription resumes",
                cursors,
                cursor,
                c -> c.stats().committedOffset());
        f.gauge(
                "creditflow_log_cursor_lag_records",
                "End offset minus committed offset",
                cursors,
                cursor,
                c -> c.stats().lag());
        f.counter(
                "creditflow_log_skipped_records_total",
                "Records the subscription skipped because they were gone (a gap its consumers see)",
                cursors,
                cursor,
                c -> c.stats().skippedRecords());
        f.counter(
                "creditflow_log_corrupt_records_total",
                "Corrupt records the subscription skipped",
                cursors,
                cursor,
                c -> c.stats().corruptRecords());
        f.gauge(
                "creditflow_log_cursor_consumer_credit_messages",
                "Message credit the subscription's consumers granted and the broker has not used "
                        + "(0: credit withheld; -1: unlimited)",
                cursors,
                cursor,
                c -> c.stats().consumerCreditMessages() == Long.MAX_VALUE
                        ? -1
                        : c.stats().consumerCreditMessages());
    }

    private static void quotas(Families f, List<QuotaStats> quotas) {
        if (quotas.isEmpty()) {
            return;
        }
        Function<QuotaStats, Labels> principal = q -> Labels.of("principal", q.principal());
        f.gauge(
                "creditflow_quota_bytes_per_second",
                "The principal's produce quota in bytes per second (0: none)",
                quotas,
                principal,
                QuotaStats::bytesPerSecond);
        f.gauge(
                "creditflow_quota_messages_per_second",
                "The principal's produce quota in messages per second (0: none)",
                quotas,
                principal,
                QuotaStats::messagesPerSecond);
        f.counter(
                "creditflow_quota_taken_bytes_total",
                "Bytes (payload and 8-byte header) taken under the quota",
                quotas,
                principal,
                QuotaStats::takenBytes);
        f.counter(
                "creditflow_quota_taken_messages_total",
                "Messages taken under the quota",
                quotas,
                principal,
                QuotaStats::takenMessages);
        f.gauge(
                "creditflow_quota_throttled",
                "1 while the principal is paced by its quota (stall reason quota)",
                quotas,
                principal,
                q -> q.throttled() ? 1 : 0);
        f.counter(
                "creditflow_quota_throttled_seconds_total",
                "Time the principal's messages waited for quota tokens",
                quotas,
                principal,
                q -> q.throttledNanos() / 1e9);
        f.counter(
                "creditflow_quota_http_rejects_total",
                "HTTP publishes answered 429 (over quota)",
                quotas,
                principal,
                QuotaStats::httpRejects);
    }

    private static void http(Families f, BrokerSnapshot.Http h) {
        if (h == null) {
            return;
        }
        f.counter("creditflow_http_accepted_total", "HTTP publishes answered 202", h.accepted());
        f.counter("creditflow_http_rejected_total", "HTTP publishes answered 503 (topic full)", h.rejected503());
        f.counter("creditflow_http_over_quota_total", "HTTP publishes answered 429 (over quota)", h.rejected429());
        f.gauge("creditflow_http_connections", "Open HTTP connections", h.connections());
        f.gauge("creditflow_dashboard_clients", "Live dashboard connections (GET /events)", h.dashboardClients());
        f.counter(
                "creditflow_dashboard_clients_closed_slow_total",
                "Dashboard connections closed because they did not read their events",
                h.dashboardClosedSlow());
    }

    /** The embedder's dashboard boxes, by id (the first box of an id given twice). */
    private static void boxes(Families f, List<DashboardBox> all) {
        Set<String> ids = new HashSet<>();
        List<DashboardBox> boxes = all.stream().filter(b -> ids.add(b.id())).toList();
        if (boxes.isEmpty()) {
            return;
        }
        Function<DashboardBox, Labels> boxUnit = b -> Labels.of("box", b.id(), "unit", b.unit());
        f.gauge(
                "creditflow_box_depth",
                "What the embedder's dashboard box holds now",
                boxes,
                boxUnit,
                DashboardBox::depth);
        f.gauge("creditflow_box_bound", "The most the box may hold (0: no bound)", boxes, boxUnit, DashboardBox::bound);
        f.counter(
                "creditflow_box_total",
                "What passed through the box (its rate on the dashboard)",
                boxes.stream().filter(b -> b.total() >= 0).toList(),
                b -> Labels.of("box", b.id()),
                DashboardBox::total);
        f.gauge(
                "creditflow_box_stalled",
                "1 while the box is stalled (or rejecting), by reason",
                boxes,
                b -> Labels.of(
                        "box",
                        b.id(),
                        "reason",
                        b.stallReason(),
                        "state",
                        b.state().name().toLowerCase(Locale.ROOT)),
                b -> b.state() == DashboardBox.State.OK ? 0 : 1);
    }

    /**
     * The families being built. Not thread-safe; one per render. Counters are given by their exposition name
     * ({@code ..._total}) and handed to the library without the suffix, which its writer appends.
     */
    private static final class Families {
        private final MetricSnapshots.Builder out = MetricSnapshots.builder();

        GaugeSnapshot.Builder gauge(String name, String help) {
            return GaugeSnapshot.builder().name(name).help(help);
        }

        CounterSnapshot.Builder counter(String name, String help) {
            if (!name.endsWith("_total")) {
                throw new IllegalArgumentException("counter " + name + " (expected: a name ending in _total)");
            }
            return CounterSnapshot.builder()
                    .name(name.substring(0, name.length() - "_total".length()))
                    .help(help);
        }

        void gauge(String name, String help, double value) {
            out.metricSnapshot(gauge(name, help)
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                            .value(value)
                            .build())
                    .build());
        }

        void counter(String name, String help, double value) {
            out.metricSnapshot(counter(name, help)
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                            .value(value)
                            .build())
                    .build());
        }

        <T> void gauge(String name, String help, List<T> items, Function<T, Labels> labels, ToDoubleFunction<T> value) {
            GaugeSnapshot.Builder b = gauge(name, help);
            for (T item : items) {
                b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                        .labels(labels.apply(item))
                        .value(value.applyAsDouble(item))
                        .build());
            }
            out.metricSnapshot(b.build());
        }

        <T> void counter(
                String name, String help, List<T> items, Function<T, Labels> labels, ToDoubleFunction<T> value) {
            CounterSnapshot.Builder b = counter(name, help);
            for (T item : items) {
                b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(labels.apply(item))
                        .value(value.applyAsDouble(item))
                        .build());
            }
            out.metricSnapshot(b.build());
        }

        static void add(GaugeSnapshot.Builder b, double value, String... labels) {
            b.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of(labels))
                    .value(value)
                    .build());
        }

        static void add(CounterSnapshot.Builder b, double value, String... labels) {
            b.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of(labels))
                    .value(value)
                    .build());
        }

        void add(GaugeSnapshot.Builder b) {
            out.metricSnapshot(b.build());
        }

        void add(CounterSnapshot.Builder b) {
            out.metricSnapshot(b.build());
        }

        MetricSnapshots build() {
            return out.build();
        }
    }
}
