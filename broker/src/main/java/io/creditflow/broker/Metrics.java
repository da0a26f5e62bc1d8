package io.creditflow.broker;

import java.util.Locale;

/**
 * Renders a {@link BrokerSnapshot} in the Prometheus text exposition format (version 0.0.4): the same snapshot the
 * dashboard draws its boxes from. Stateless.
 */
final class Metrics {
    private Metrics() {}

    static String render(BrokerSnapshot snap) {
        StringBuilder out = new StringBuilder(4096);
        Writer w = new Writer(out);
        w.gauge(
                "creditflow_broker_buffered_bytes",
                "Message bytes held by the broker (topic buffers and "
                        + "subscription queues), all reserved in the broker budget",
                snap.bufferedBytes());
        w.gauge(
                "creditflow_broker_buffered_peak_bytes",
                "Largest creditflow_broker_buffered_bytes seen",
                snap.bufferedPeakBytes());
        w.gauge("creditflow_broker_budget_bytes", "The broker budget", snap.budgetBytes());
        w.gauge(
                "creditflow_transport_receive_reserved_bytes",
                "Credit granted to producers and not yet " + "consumed by the broker (transport budget)",
                snap.transportReservedBytes());
        w.gauge("creditflow_process_heap_used_bytes", "JVM heap in use", snap.heapUsedBytes());
        w.gauge(
                "creditflow_process_direct_used_bytes",
                "Direct memory held by Netty's allocator (invisible to JMX)",
                snap.directUsedBytes());

        var stats = snap.topics();
        topicFamily(
                w, stats, "creditflow_topic_producers", "Producer streams attached", "gauge", TopicStats::producers);
        topicFamily(
                w,
                stats,
                "creditflow_topic_depth_messages",
                "Messages in the topic buffer",
                "gauge",
                TopicStats::depthMessages);
        topicFamily(
                w, stats, "creditflow_topic_depth_bytes", "Bytes in the topic buffer", "gauge", TopicStats::depthBytes);
        topicFamily(
                w,
                stats,
                "creditflow_topic_published_messages_total",
                "Messages admitted into the topic",
                "counter",
                TopicStats::publishedMessages);
        topicFamily(
                w,
                stats,
                "creditflow_topic_published_bytes_total",
                "Payload bytes admitted into the topic",
                "counter",
                TopicStats::publishedBytes);
        topicFamily(
                w,
                stats,
                "creditflow_topic_dispatched_messages_total",
                "Messages dispatched to subscriptions",
                "counter",
                TopicStats::dispatchedMessages);
        topicFamily(
                w,
                stats,
                "creditflow_topic_unrouted_messages_total",
                "Messages dispatched with no subscription",
                "counter",
                TopicStats::unroutedMessages);
        topicFamily(
                w,
                stats,
                "creditflow_topic_drain_bytes_per_second",
                "Smoothed dispatch rate (drives Retry-After)",
                "gauge",
                TopicStats::drainBytesPerSecond);
        topicFamily(
                w,
                stats,
                "creditflow_topic_http_rejects_total",
                "HTTP publishes answered 503",
                "counter",
                TopicStats::httpRejects);
        topicFamily(
                w,
                stats,
                "creditflow_topic_evictions_total",
                "Subscriptions evicted (DISCONNECT)",
                "counter",
                TopicStats::evictions);
        topicFamily(
                w,
                stats,
                "creditflow_topic_evicted_messages_total",
                "Messages freed with evicted subscriptions",
                "counter",
                TopicStats::droppedByEvictions);
        topicFamily(
                w,
                stats,
                "creditflow_topic_rejoins_refused_total",
                "Consumers refused because their " + "subscription was evicted moments before (DISCONNECT backoff)",
                "counter",
                TopicStats::refusedRejoins);
        topicFamily(
                w,
                stats,
                "creditflow_topic_consumers_refused_total",
                "Consumers refused at subscribe time " + "(policy conflict, max_message_bytes too small)",
                "counter",
                TopicStats::refusedConsumers);
        topicFamily(
                w,
                stats,
                "creditflow_topic_expired_subscriptions_total",
                "Subscriptions removed after their " + "grace period with no consumer",
                "counter",
                TopicStats::expiredSubscriptions);
        topicFamily(
                w,
                stats,
                "creditflow_topic_expired_messages_total",
                "Messages still queued for subscriptions " + "when they expired (never delivered)",
                "counter",
                TopicStats::droppedByExpiry);
        w.header("creditflow_topic_stalled_seconds_total", "Time the topic was stalled, by reason", "counter");
        stats.forEach(t -> {
            w.sample(
                    "creditflow_topic_stalled_seconds_total",
                    t.topicFullNanos() / 1e9,
                    "topic",
                    t.name(),
                    "reason",
                    "topic_full");
            w.sample(
                    "creditflow_topic_stalled_seconds_total",
                    t.subscriptionFullNanos() / 1e9,
                    "topic",
                    t.name(),
                    "reason",
                    "subscription_full");
            w.sample(
                    "creditflow_topic_stalled_seconds_total",
                    t.budgetExhaustedNanos() / 1e9,
                    "topic",
                    t.name(),
                    "reason",
                    "budget_exhausted");
            w.sample(
                    "creditflow_topic_stalled_seconds_total",
                    t.quotaNanos() / 1e9,
                    "topic",
                    t.name(),
                    "reason",
                    "quota");
        });

        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_consumers",
                "Consumer streams of the subscription",
                "gauge",
                TopicStats.SubscriptionStats::consumers);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_depth_messages",
                "Messages queued for the subscription",
                "gauge",
                TopicStats.SubscriptionStats::depthMessages);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_depth_bytes",
                "Bytes queued for the subscription",
                "gauge",
                TopicStats.SubscriptionStats::depthBytes);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_consumer_credit_bytes",
                "Credit its consumers granted the broker, not yet used",
                "gauge",
                TopicStats.SubscriptionStats::consumerCreditBytes);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_delivered_messages_total",
                "Messages handed to consumers",
                "counter",
                TopicStats.SubscriptionStats::deliveredMessages);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_dropped_messages_total",
                "Messages dropped by the policy",
                "counter",
                TopicStats.SubscriptionStats::droppedMessages);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_stalled_seconds_total",
                "Time messages waited with no consumer credit (reason no_consumer_credit)",
                "counter",
                s -> s.noConsumerCreditNanos() / 1e9);
        subscriptionFamily(
                w,
                stats,
                "creditflow_subscription_evicted_consumers_total",
                "Consumers evicted alone because they could not take a message",
                "counter",
                TopicStats.SubscriptionStats::evictedConsumers);
        durable(w, snap.logs());
        quotas(w, snap.quotas());
        http(w, snap.http());
        boxes(w, snap.extraBoxes());
        out.append(snap.backendMetrics());
        return out.toString();
    }

    private static void quotas(Writer w, java.util.List<QuotaStats> quotas) {
        if (quotas.isEmpty()) {
            return;
        }
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_bytes_per_second",
                "The principal's produce quota in bytes per " + "second (0: none)",
                "gauge",
                QuotaStats::bytesPerSecond);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_messages_per_second",
                "The principal's produce quota in messages per " + "second (0: none)",
                "gauge",
                QuotaStats::messagesPerSecond);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_taken_bytes_total",
                "Bytes (payload and 8-byte header) taken under " + "the quota",
                "counter",
                QuotaStats::takenBytes);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_taken_messages_total",
                "Messages taken under the quota",
                "counter",
                QuotaStats::takenMessages);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_throttled",
                "1 while the principal is paced by its quota (stall " + "reason quota)",
                "gauge",
                q -> q.throttled() ? 1 : 0);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_throttled_seconds_total",
                "Time the principal's messages waited " + "for quota tokens",
                "counter",
                q -> q.throttledNanos() / 1e9);
        quotaFamily(
                w,
                quotas,
                "creditflow_quota_http_rejects_total",
                "HTTP publishes answered 429 (over quota)",
                "counter",
                QuotaStats::httpRejects);
    }

    private static void quotaFamily(
            Writer w,
            java.util.List<QuotaStats> quotas,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<QuotaStats> value) {
        w.header(name, help, type);
        for (QuotaStats q : quotas) {
            w.sample(name, value.applyAsDouble(q), "principal", q.principal());
        }
    }

    private static void http(Writer w, BrokerSnapshot.Http h) {
        if (h == null) {
            return;
        }
        w.counter("creditflow_http_accepted_total", "HTTP publishes answered 202", h.accepted());
        w.counter("creditflow_http_rejected_total", "HTTP publishes answered 503 (topic full)", h.rejected503());
        w.counter("creditflow_http_over_quota_total", "HTTP publishes answered 429 (over quota)", h.rejected429());
        w.gauge("creditflow_http_connections", "Open HTTP connections", h.connections());
        w.gauge("creditflow_dashboard_clients", "Live dashboard connections (GET /events)", h.dashboardClients());
        w.counter(
                "creditflow_dashboard_clients_closed_slow_total",
                "Dashboard connections closed because they did " + "not read their events",
                h.dashboardClosedSlow());
    }

    /** The embedder's dashboard boxes, by id. */
    private static void boxes(Writer w, java.util.List<DashboardBox> boxes) {
        if (boxes.isEmpty()) {
            return;
        }
        boxFamily(
                w,
                boxes,
                "creditflow_box_depth",
                "What the embedder's dashboard box holds now",
                "gauge",
                DashboardBox::depth);
        boxFamily(
                w,
                boxes,
                "creditflow_box_bound",
                "The most the box may hold (0: no bound)",
                "gauge",
                DashboardBox::bound);
        w.header("creditflow_box_total", "What passed through the box (its rate on the dashboard)", "counter");
        for (DashboardBox b : boxes) {
            if (b.total() >= 0) {
                w.sample("creditflow_box_total", b.total(), "box", b.id());
            }
        }
        w.header("creditflow_box_stalled", "1 while the box is stalled (or rejecting), by reason", "gauge");
        for (DashboardBox b : boxes) {
            w.sample(
                    "creditflow_box_stalled",
                    b.state() == DashboardBox.State.OK ? 0 : 1,
                    "box",
                    b.id(),
                    "reason",
                    b.stallReason(),
                    "state",
                    b.state().name().toLowerCase(Locale.ROOT));
        }
    }

    private static void boxFamily(
            Writer w,
            java.util.List<DashboardBox> boxes,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<DashboardBox> value) {
        w.header(name, help, type);
        for (DashboardBox b : boxes) {
            w.sample(name, value.applyAsDouble(b), "box", b.id(), "unit", b.unit());
        }
    }

    /** The durable topics' log figures (nothing without a data dir). */
    private static void durable(Writer w, java.util.List<LogTopicStats> logs) {
        if (logs.isEmpty()) {
            return;
        }
        logFamily(
                w,
                logs,
                "creditflow_log_size_bytes",
                "Bytes on disk of the topic log (segments and indexes)",
                "gauge",
                LogTopicStats::sizeBytes);
        logFamily(
                w,
                logs,
                "creditflow_log_max_bytes",
                "The bound on the topic log's bytes on disk",
                "gauge",
                LogTopicStats::maxBytes);
        LogTopicStats any = logs.get(0);
        w.gauge("creditflow_log_total_bytes", "Bytes on disk of every durable topic's log together", any.totalBytes());
        w.gauge(
                "creditflow_log_total_max_bytes",
                "The broker-wide bound on creditflow_log_total_bytes (0: none)",
                any.totalMaxBytes());
        logFamily(
                w,
                logs,
                "creditflow_log_start_offset",
                "Earliest offset still in the log",
                "gauge",
                LogTopicStats::startOffset);
        logFamily(
                w, logs, "creditflow_log_end_offset", "Offset the next record gets", "gauge", LogTopicStats::endOffset);
        logFamily(
                w,
                logs,
                "creditflow_log_durable_offset",
                "Everything below is durable as the fsync mode promises",
                "gauge",
                LogTopicStats::durableOffset);
        logFamily(
                w,
                logs,
                "creditflow_log_unread_records_dropped_total",
                "Records the drop-oldest disk policy " + "deleted before every cursor had read them",
                "counter",
                LogTopicStats::unreadRecordsDropped);
        logFamily(
                w,
                logs,
                "creditflow_log_duplicates_dropped_total",
                "Retried messages of idempotent producers the " + "log dropped as duplicates",
                "counter",
                LogTopicStats::duplicatesDropped);
        logFamily(
                w,
                logs,
                "creditflow_log_recovery_truncated_bytes",
                "Bytes recovery cut off a torn or corrupt tail " + "when the log was opened",
                "gauge",
                LogTopicStats::recoveryTruncatedBytes);
        w.header("creditflow_log_appends_held", "1 while the topic's producers are held, by reason", "gauge");
        logs.forEach(t -> t.heldNanos()
                .keySet()
                .forEach(r -> w.sample(
                        "creditflow_log_appends_held", t.held().equals(r) ? 1 : 0, "topic", t.name(), "reason", r)));
        w.header(
                "creditflow_log_appends_held_seconds_total",
                "Time the topic's producers were held, by reason",
                "counter");
        logs.forEach(t -> t.heldNanos()
                .forEach((r, n) -> w.sample(
                        "creditflow_log_appends_held_seconds_total", n / 1e9, "topic", t.name(), "reason", r)));
        w.header(
                "creditflow_log_appends_held_events_total",
                "Times the topic's producers became held, by reason",
                "counter");
        logs.forEach(t -> t.holdEvents()
                .forEach((r, n) ->
                        w.sample("creditflow_log_appends_held_events_total", n, "topic", t.name(), "reason", r)));
        cursorFamily(
                w,
                logs,
                "creditflow_log_cursor_offset",
                "Next offset the durable subscription delivers",
                "gauge",
                LogTopicStats.CursorStats::position);
        cursorFamily(
                w,
                logs,
                "creditflow_log_committed_offset",
                "Committed offset: where the subscription resumes",
                "gauge",
                LogTopicStats.CursorStats::committedOffset);
        cursorFamily(
                w,
                logs,
                "creditflow_log_cursor_lag_records",
                "End offset minus committed offset",
                "gauge",
                LogTopicStats.CursorStats::lag);
        cursorFamily(
                w,
                logs,
                "creditflow_log_skipped_records_total",
                "Records the subscription skipped because they " + "were gone (a gap its consumers see)",
                "counter",
                LogTopicStats.CursorStats::skippedRecords);
        cursorFamily(
                w,
                logs,
                "creditflow_log_corrupt_records_total",
                "Corrupt records the subscription skipped",
                "counter",
                LogTopicStats.CursorStats::corruptRecords);
        cursorFamily(
                w,
                logs,
                "creditflow_log_cursor_consumer_credit_messages",
                "Message credit the subscription's "
                        + "consumers granted and the broker has not used (0: credit withheld; -1: unlimited)",
                "gauge",
                c -> c.consumerCreditMessages() == Long.MAX_VALUE ? -1 : c.consumerCreditMessages());
    }

    private static void logFamily(
            Writer w,
            java.util.List<LogTopicStats> logs,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<LogTopicStats> value) {
        w.header(name, help, type);
        for (LogTopicStats t : logs) {
            w.sample(name, value.applyAsDouble(t), "topic", t.name());
        }
    }

    private static void cursorFamily(
            Writer w,
            java.util.List<LogTopicStats> logs,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<LogTopicStats.CursorStats> value) {
        w.header(name, help, type);
        for (LogTopicStats t : logs) {
            for (LogTopicStats.CursorStats c : t.cursors()) {
                w.sample(name, value.applyAsDouble(c), "topic", t.name(), "subscription", c.name());
            }
        }
    }

    private static void topicFamily(
            Writer w,
            java.util.List<TopicStats> stats,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<TopicStats> value) {
        w.header(name, help, type);
        for (TopicStats t : stats) {
            w.sample(name, value.applyAsDouble(t), "topic", t.name());
        }
    }

    private static void subscriptionFamily(
            Writer w,
            java.util.List<TopicStats> stats,
            String name,
            String help,
            String type,
            java.util.function.ToDoubleFunction<TopicStats.SubscriptionStats> value) {
        w.header(name, help, type);
        for (TopicStats t : stats) {
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                w.sample(
                        name,
                        value.applyAsDouble(s),
                        "topic",
                        t.name(),
                        "subscription",
                        s.name(),
                        "policy",
                        s.policy().label());
            }
        }
    }

    /** Appends HELP/TYPE headers and samples with escaped label values. */
    private static final class Writer {
        private final StringBuilder out;

        Writer(StringBuilder out) {
            this.out = out;
        }

        void header(String name, String help, String type) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        }

        void gauge(String name, String help, double value) {
            header(name, help, "gauge");
            sample(name, value);
        }

        void counter(String name, String help, double value) {
            header(name, help, "counter");
            sample(name, value);
        }

        void sample(String name, double value, String... labels) {
            out.append(name);
            if (labels.length > 0) {
                out.append('{');
                for (int i = 0; i < labels.length; i += 2) {
                    if (i > 0) {
                        out.append(',');
                    }
                    out.append(labels[i])
                            .append("=\"")
                            .append(escape(labels[i + 1]))
                            .append('"');
                }
                out.append('}');
            }
            out.append(' ');
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                out.append((long) value);
            } else {
                out.append(String.format(Locale.ROOT, "%.6f", value));
            }
            out.append('\n');
        }

        private static String escape(String v) {
            return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
        }
    }
}
