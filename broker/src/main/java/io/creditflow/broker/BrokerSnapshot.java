package io.creditflow.broker;

import java.util.List;

/**
 * Every figure of the broker at one moment: what {@code /metrics} renders and what the dashboard draws, from the
 * same snapshot (one source of truth). Immutable; take one with {@link Broker#snapshot()}.
 *
 * @param nanoTime when it was taken ({@link System#nanoTime()})
 * @param bufferedBytes message bytes held by the broker (reserved in its budget)
 * @param bufferedPeakBytes the largest {@code bufferedBytes} seen
 * @param budgetBytes the broker budget
 * @param transportReservedBytes credit granted to producers and not yet consumed (transport budget)
 * @param heapUsedBytes JVM heap in use
 * @param directUsedBytes direct memory held by Netty's allocator
 * @param topics every topic
 * @param logs the durable topics' logs (empty without a data dir)
 * @param quotas every principal's produce quota in use
 * @param http the HTTP edge (null if disabled)
 * @param extraBoxes boxes from the embedder's {@link DashboardSource}s
 * @param backendMetrics the topic backend's figures ({@link TopicBackend#metrics()}), empty without one
 */
public record BrokerSnapshot(
        long nanoTime,
        long bufferedBytes,
        long bufferedPeakBytes,
        long budgetBytes,
        long transportReservedBytes,
        long heapUsedBytes,
        long directUsedBytes,
        List<TopicStats> topics,
        List<LogTopicStats> logs,
        List<QuotaStats> quotas,
        Http http,
        List<DashboardBox> extraBoxes,
        List<BackendMetric> backendMetrics) {

    /**
     * The HTTP edge's figures.
     *
     * @param accepted publishes answered 202
     * @param rejected503 publishes answered 503 because the topic was full
     * @param rejected429 publishes answered 429 (over quota)
     * @param connections open HTTP connections
     * @param dashboardClients live dashboard connections ({@code /events})
     * @param dashboardClosedSlow dashboard connections closed because they did not read their events
     */
    public record Http(
            long accepted,
            long rejected503,
            long rejected429,
            int connections,
            int dashboardClients,
            long dashboardClosedSlow) {}
}
