package io.creditflow.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The live dashboard: once a second it takes one {@link BrokerSnapshot} (the figures {@code /metrics} renders),
 * turns it into the chain's boxes ({@link #boxes}), keeps five minutes of each box's depth and rate, and sends the
 * boxes to the browsers watching {@code GET /} over server-sent events ({@link SseClients}).
 *
 * <p>The four questions for the sparklines: <b>bound</b> {@link #SAMPLES} samples of two series per box, for at
 * most {@link BrokerConfig#dashboardMaxBoxes()} boxes (a ring each; a box that disappears takes its ring with it);
 * <b>when full</b> the oldest sample is overwritten, and boxes beyond the bound are counted, not drawn or kept;
 * <b>pressure</b> none: sampling never waits for anyone; <b>observed</b> the page says how many boxes it omits.
 *
 * <p>Thread-safe: {@link #sample} runs on the broker's timer, {@link #historyEvent} on the HTTP edge's loop; both
 * take this object's lock, which is taken after nothing else and calls nothing that locks the broker but
 * {@link Broker#snapshot()} (outside the lock).
 */
final class Dashboard {
    /** Five minutes of one sample a second. */
    static final int SAMPLES = 300;

    private static final System.Logger LOG = System.getLogger(Dashboard.class.getName());
    private static final byte[] PAGE = loadPage();

    private final Broker broker;
    private final BrokerConfig config;
    private final int maxBoxes;
    private final Map<String, Ring> rings = new LinkedHashMap<>();
    private BrokerSnapshot previous;
    private Map<String, Long> previousTotals = Map.of();
    private List<Row> rows = List.of();
    private int omitted;
    private long sampleMillis;

    /** The dashboard of {@code broker} (null in tests that feed {@link #update} themselves). */
    Dashboard(Broker broker, BrokerConfig config) {
        this.broker = broker;
        this.config = config;
        this.maxBoxes = config.dashboardMaxBoxes();
    }

    /** The page served at {@code GET /}: HTML with its CSS and JavaScript inline, nothing fetched elsewhere. */
    static byte[] page() {
        return PAGE;
    }

    private static byte[] loadPage() {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html is missing from the broker's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A box as sent: its figures and its derived rate. */
    record Row(DashboardBox box, double rate) {}

    /** Broker timer, once a second: one snapshot, the boxes, the rings, one event to every browser. */
    void sample() {
        try {
            BrokerSnapshot snap = broker.snapshot();
            String event;
            synchronized (this) {
                update(snap, System.currentTimeMillis());
                event = "data: " + json(false) + "\n\n";
            }
            broker.broadcastDashboard(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "dashboard sample failed", e); // the next one tries again
        }
    }

    /** Folds one snapshot in (also for tests, with their own snapshots). */
    synchronized void update(BrokerSnapshot snap, long wallMillis) {
        List<DashboardBox> boxes = boxes(previous, snap, config);
        double seconds = previous == null ? 1 : Math.max(1e-3, (snap.nanoTime() - previous.nanoTime()) / 1e9);
        List<Row> next = new ArrayList<>();
        Map<String, Long> totals = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (DashboardBox b : boxes) {
            if (next.size() >= maxBoxes || !seen.add(b.id())) {
                continue;
            }
            Long before = previousTotals.get(b.id());
            double rate = b.total() >= 0 && before != null ? Math.max(0, (b.total() - before) / seconds) : 0;
            totals.put(b.id(), b.total());
            next.add(new Row(b, rate));
            rings.computeIfAbsent(b.id(), id -> new Ring()).add(b.depth(), rate);
        }
        rings.keySet().retainAll(seen);
        omitted = boxes.size() - next.size();
        rows = next;
        previous = snap;
        previousTotals = totals;
        sampleMillis = wallMillis;
    }

    /** What a browser gets first: the boxes with five minutes of sparklines. */
    synchronized String historyEvent() {
        return "event: history\ndata: " + json(true) + "\n\n";
    }

    /** The rows of the last sample (tests). */
    synchronized List<Row> rows() {
        return rows;
    }

    private String json(boolean history) {
        StringBuilder out = new StringBuilder(256 + rows.size() * (history ? 4096 : 256));
        out.append("{\"t\":")
                .append(sampleMillis)
                .append(",\"omitted\":")
                .append(omitted)
                .append(",\"boxes\":[");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            DashboardBox b = r.box();
            if (i > 0) {
                out.append(',');
            }
            out.append("{\"id\":");
            str(out, b.id());
            out.append(",\"stage\":");
            str(out, b.stage());
            out.append(",\"title\":");
            str(out, b.title());
            out.append(",\"unit\":");
            str(out, b.unit());
            out.append(",\"depth\":")
                    .append(b.depth())
                    .append(",\"bound\":")
                    .append(b.bound())
                    .append(",\"credit\":")
                    .append(b.credit())
                    .append(",\"rate\":")
                    .append(num(r.rate()))
                    .append(",\"state\":\"")
                    .append(b.state().name().toLowerCase(Locale.ROOT))
                    .append("\",\"stall\":");
            str(out, b.stallReason());
            out.append(",\"detail\":");
            str(out, b.detail());
            if (history) {
                Ring ring = rings.get(b.id());
                out.append(",\"hd\":");
                ring.appendDepths(out);
                out.append(",\"hr\":");
                ring.appendRates(out);
            }
            out.append('}');
        }
        return out.append("]}").toString();
    }

    private static String num(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static void str(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '<' -> out.append("\\u003c"); // never closes a script, whatever a topic is called
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Two series of {@link #SAMPLES} samples, the oldest overwritten. Guarded by the dashboard's lock. */
    private static final class Ring {
        private final float[] depth = new float[SAMPLES];
        private final float[] rate = new float[SAMPLES];
        private int head;
        private int count;

        void add(double d, double r) {
            depth[head] = (float) d;
            rate[head] = (float) r;
            head = (head + 1) % SAMPLES;
            count = Math.min(SAMPLES, count + 1);
        }

        void appendDepths(StringBuilder out) {
            append(out, depth);
        }

        void appendRates(StringBuilder out) {
            append(out, rate);
        }

        private void append(StringBuilder out, float[] series) {
            out.append('[');
            int start = (head - count + SAMPLES) % SAMPLES;
            for (int i = 0; i < count; i++) {
                if (i > 0) {
                    out.append(',');
                }
                out.append(num(series[(start + i) % SAMPLES]));
            }
            out.append(']');
        }
    }

    // ------------------------------------------------------------------ the chain as boxes

    /** Whether a stall counter grew by at least half the interval: stalled for most of the last second. */
    private static boolean mostly(long beforeNanos, long nowNanos, long intervalNanos) {
        return intervalNanos > 0 && nowNanos - beforeNanos >= intervalNanos / 2;
    }

    /**
     * The chain's boxes for snapshot {@code cur}: producers under a quota, the HTTP edge, each topic, each
     * subscription, then the embedder's boxes. Stall reasons come from the stall counters' growth since
     * {@code prev} (null for the first sample: only what is visible in one snapshot).
     */
    static List<DashboardBox> boxes(BrokerSnapshot prev, BrokerSnapshot cur, BrokerConfig config) {
        long interval = prev == null ? 0 : cur.nanoTime() - prev.nanoTime();
        List<DashboardBox> out = new ArrayList<>();
        Map<String, QuotaStats> prevQuotas = new HashMap<>();
        Map<String, TopicStats> prevTopics = new HashMap<>();
        if (prev != null) {
            prev.quotas().forEach(q -> prevQuotas.put(q.principal(), q));
            prev.topics().forEach(t -> prevTopics.put(t.name(), t));
        }
        for (QuotaStats q : cur.quotas()) {
            QuotaStats before = prevQuotas.get(q.principal());
            boolean limitsMessages = q.messagesPerSecond() > 0;
            long bound = limitsMessages ? q.messagesPerSecond() : q.bytesPerSecond();
            long tokens = limitsMessages ? q.messagesTokens() : q.bytesTokens();
            DashboardBox.Builder b = DashboardBox.builder(
                            "quota:" + q.principal(), "producers", "producer " + q.principal())
                    .depth(Math.max(0, bound - tokens), bound, limitsMessages ? "messages" : "bytes")
                    .total(q.takenMessages())
                    .credit(tokens)
                    .detail("quota " + (q.bytesPerSecond() > 0 ? q.bytesPerSecond() + " B/s " : "")
                            + (limitsMessages ? q.messagesPerSecond() + " msg/s" : "").strip());
            if (before != null && q.httpRejects() > before.httpRejects()) {
                b.rejecting("quota (429)");
            } else if (q.throttled()
                    || before != null && mostly(before.throttledNanos(), q.throttledNanos(), interval)) {
                b.stalled("quota");
            }
            out.add(b.build());
        }
        if (cur.http() != null) {
            BrokerSnapshot.Http h = cur.http();
            BrokerSnapshot.Http before = prev == null ? null : prev.http();
            DashboardBox.Builder b = DashboardBox.builder("http", "http edge", "HTTP edge")
                    .depth(h.connections(), 0, "connections")
                    .total(h.accepted())
                    .detail(h.rejected503() + " × 503, " + h.rejected429() + " × 429");
            if (before != null && h.rejected503() > before.rejected503()) {
                b.rejecting("topic full (503)");
            } else if (before != null && h.rejected429() > before.rejected429()) {
                b.rejecting("quota (429)");
            }
            out.add(b.build());
        }
        Map<String, LogTopicStats> logs = new HashMap<>();
        cur.logs().forEach(l -> logs.put(l.name(), l));
        List<DashboardBox> subs = new ArrayList<>();
        for (TopicStats t : cur.topics()) {
            TopicStats before = prevTopics.get(t.name());
            LogTopicStats log = logs.get(t.name());
            DashboardBox.Builder b = DashboardBox.builder("topic:" + t.name(), "topics", "topic " + t.name())
                    .total(t.publishedMessages());
            if (log != null) {
                b.depth(log.sizeBytes(), log.maxBytes(), "bytes")
                        .detail("log, " + t.producers() + " producers, offsets " + log.startOffset() + "–"
                                + log.endOffset());
            } else {
                b.depth(t.depthBytes(), config.topicBufferBytes(), "bytes")
                        .detail(t.producers() + " producers, " + t.depthMessages() + " messages");
            }
            if (before != null && t.httpRejects() > before.httpRejects()) {
                b.rejecting("topic full (503)");
            } else if (log != null && !log.held().equals("none")) {
                b.stalled(log.held().replace('_', ' '));
            } else if (before != null) {
                String reason = mostly(before.topicFullNanos(), t.topicFullNanos(), interval)
                        ? "topic full"
                        : mostly(before.subscriptionFullNanos(), t.subscriptionFullNanos(), interval)
                                ? "subscription full"
                                : mostly(before.budgetExhaustedNanos(), t.budgetExhaustedNanos(), interval)
                                        ? "budget exhausted"
                                        : mostly(before.quotaNanos(), t.quotaNanos(), interval) ? "quota" : null;
                if (reason != null) {
                    b.stalled(reason);
                }
            }
            out.add(b.build());
            Map<String, TopicStats.SubscriptionStats> prevSubs = new HashMap<>();
            if (before != null) {
                before.subscriptions().forEach(s -> prevSubs.put(s.name(), s));
            }
            Map<String, Long> cursorCreditMessages = new HashMap<>();
            if (log != null) {
                log.cursors().forEach(c -> cursorCreditMessages.put(c.name(), c.consumerCreditMessages()));
            }
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                TopicStats.SubscriptionStats sb = prevSubs.get(s.name());
                boolean durable = s.policy() == SubscriptionPolicy.LOG;
                // A durable cursor is held by either credit: bytes, or messages (a consumer's message window full,
                // as the pipeline's workers while the database makes them wait).
                boolean noDurableCredit =
                        s.consumerCreditBytes() == 0 || cursorCreditMessages.getOrDefault(s.name(), -1L) == 0;
                DashboardBox.Builder x = DashboardBox.builder(
                                "sub:" + t.name() + "/" + s.name(), "subscriptions", "subscription " + s.name())
                        .total(s.deliveredMessages())
                        .credit(s.consumerCreditBytes())
                        .detail("topic " + t.name() + ", policy " + s.policy().label() + ", " + s.consumers()
                                + (s.consumers() == 1 ? " consumer" : " consumers")
                                + (s.droppedMessages() > 0 ? ", " + s.droppedMessages() + " dropped" : ""));
                if (durable) {
                    x.depth(s.depthMessages(), 0, "messages");
                } else {
                    x.depth(s.depthBytes(), config.subscriptionQueueBytes(), "bytes");
                }
                if (!durable && sb != null && s.droppedMessages() > sb.droppedMessages()) {
                    x.rejecting("dropping (" + s.policy().label() + ")");
                } else if (s.depthMessages() > 0 && s.consumers() == 0) {
                    x.stalled("no consumer");
                } else if (durable
                        ? s.depthMessages() > 0 && noDurableCredit
                        : sb != null && mostly(sb.noConsumerCreditNanos(), s.noConsumerCreditNanos(), interval)) {
                    x.stalled("no consumer credit");
                }
                subs.add(x.build());
            }
        }
        out.addAll(subs);
        out.addAll(cur.extraBoxes());
        return out;
    }
}
