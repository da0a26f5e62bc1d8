package io.creditflow.broker;

import java.util.List;

/**
 * Boxes an embedder adds to the broker's dashboard and to {@code /metrics}: say, the workers that consume a topic
 * and the database they write to. Register with {@link Broker#addDashboardSource}; remove with
 * {@link Broker#removeDashboardSource}.
 *
 * <p>{@link #boxes()} is called once a second on the broker's timer thread to draw the page, and whenever
 * {@code /metrics} is scraped: it must return at once (read counters, never wait for I/O) and be thread-safe. An
 * exception drops this source's boxes from that sample only. The dashboard draws at most
 * {@link BrokerConfig#dashboardMaxBoxes()} boxes in all.
 */
@FunctionalInterface
public interface DashboardSource {
    /** The boxes now, in chain order. */
    List<DashboardBox> boxes();
}
