package io.creditflow.broker;

/**
 * One box of the broker's dashboard ({@code GET /} on the HTTP port): a stage of the pressure chain with its bound,
 * its depth, what has passed through it, the credit it holds, and why it is stalled. Embedders add their own boxes
 * with a {@link DashboardSource} ({@link Broker#addDashboardSource}). Immutable; build with {@link #builder}.
 *
 * <p>The dashboard derives the rate from {@link #total()} (its change per second), draws {@link #depth()} as a bar
 * against {@link #bound()}, keeps five minutes of depth and rate as sparklines, and colours the box amber while
 * {@link State#STALLED} and red while {@link State#REJECTING}. The same figures appear in {@code /metrics} as
 * {@code creditflow_box_*} series, labelled by id.
 *
 * @param id stable identity, unique on the page (sparklines follow it), e.g. {@code "workers"}
 * @param stage the column it is drawn in; columns appear in the order of their first box (the broker's come first:
 *     {@code producers}, {@code http edge}, {@code topics}, {@code subscriptions})
 * @param title what the box is called on the page
 * @param unit the unit of depth and bound, e.g. {@code "bytes"}, {@code "messages"}, {@code "rows"}
 * @param depth what it holds now
 * @param bound the most it may hold (0: no bound to draw)
 * @param total a count that only grows (messages, rows passed): the rate is its change per second; -1 for none
 * @param credit credit it holds or grants now, in its own unit (-1: not applicable)
 * @param stallReason why it is not moving ("" when it moves), e.g. {@code "no consumer credit"}, {@code "quota"}
 * @param state whether it moves, is stalled, or is rejecting work
 * @param detail one more line of text ("" for none)
 */
public record DashboardBox(
        String id,
        String stage,
        String title,
        String unit,
        long depth,
        long bound,
        long total,
        long credit,
        String stallReason,
        State state,
        String detail) {

    /** How the box is drawn. */
    public enum State {
        /** Moving. */
        OK,
        /** Not moving, waiting on the next stage (amber). */
        STALLED,
        /** Refusing work (red): 503, 429, or dropping. */
        REJECTING
    }

    public DashboardBox {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("id: '" + id + "' (expected: a non-empty id)");
        }
        stage = stage == null ? "" : stage;
        title = title == null ? id : title;
        unit = unit == null ? "" : unit;
        stallReason = stallReason == null ? "" : stallReason;
        state = state == null ? State.OK : state;
        detail = detail == null ? "" : detail;
    }

    /** A builder for box {@code id}, titled {@code title}, in column {@code stage}. */
    public static Builder builder(String id, String stage, String title) {
        return new Builder(id, stage, title);
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final String id;
        private final String stage;
        private final String title;
        private String unit = "";
        private long depth;
        private long bound;
        private long total = -1;
        private long credit = -1;
        private String stallReason = "";
        private State state = State.OK;
        private String detail = "";

        private Builder(String id, String stage, String title) {
            this.id = id;
            this.stage = stage;
            this.title = title;
        }

        /** Depth now, bound (0: none) and their unit. */
        public Builder depth(long depth, long bound, String unit) {
            this.depth = depth;
            this.bound = bound;
            this.unit = unit;
            return this;
        }

        /** A count that only grows; the dashboard shows its change per second as the rate. */
        public Builder total(long total) {
            this.total = total;
            return this;
        }

        public Builder credit(long credit) {
            this.credit = credit;
            return this;
        }

        /** Marks the box stalled (amber) for {@code reason}; null or "" leaves it as it is (moving). */
        public Builder stalled(String reason) {
            if (reason != null && !reason.isEmpty()) {
                this.stallReason = reason;
                this.state = State.STALLED;
            }
            return this;
        }

        /** Marks the box rejecting (red) for {@code reason}; null or "" leaves it as it is. */
        public Builder rejecting(String reason) {
            if (reason != null && !reason.isEmpty()) {
                this.stallReason = reason;
                this.state = State.REJECTING;
            }
            return this;
        }

        public Builder detail(String detail) {
            this.detail = detail;
            return this;
        }

        public DashboardBox build() {
            return new DashboardBox(id, stage, title, unit, depth, bound, total, credit, stallReason, state, detail);
        }
    }
}
