package io.creditflow.broker;

import java.util.Map;

/**
 * The figures of a stage that lives beside the broker rather than in it (the pipeline's sink workers, its
 * database), so that {@code GET /metrics} and anything drawing the pressure chain show them with the broker's
 * own, from one source. Register with {@link Broker#addStage}; the broker reads them when it renders, so an
 * implementation answers from counters it already keeps (thread-safe, cheap, no I/O).
 *
 * <p>Rendered as {@code creditflow_stage_bound}, {@code creditflow_stage_depth},
 * {@code creditflow_stage_rate_per_second}, {@code creditflow_stage_stalled} (1 while {@link #stallReason()} is
 * not empty, labelled with it) and {@code creditflow_stage_figure} (one sample per {@link #extra()} entry), each
 * labelled {@code stage}.
 */
public interface StageFigures {
    /** A short name: {@code workers}, {@code database}. */
    String stage();

    /** The stage's bound in items (for a worker pool, what its workers may hold at most); 0 if it has none. */
    long bound();

    /** Items in the stage now (held by the workers, waiting in the database). */
    long depth();

    /** Items per second through the stage, recently. */
    double ratePerSecond();

    /** Why the stage is stalled now ({@code lock wait}, ...), or empty while it flows. */
    String stallReason();

    /** Further figures by name (such as {@code blocked_workers}, {@code stalled_seconds_total}); may be empty. */
    Map<String, Number> extra();
}
