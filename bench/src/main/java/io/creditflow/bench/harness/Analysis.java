package io.creditflow.bench.harness;

import java.util.List;
import java.util.Map;

/** Turns the two children's result lines into a {@link Row}: the figures each scenario kind reports. */
final class Analysis {
    private static final double MIB = 1024.0 * 1024;

    private Analysis() {}

    static Row row(RunResult run, List<Row> earlier, Map<String, Object> machine) {
        Scenario sc = run.scenario();
        RunSpec spec = run.spec();
        Map<String, Object> rcv = run.receiver();
        Map<String, Object> snd = run.sender();
        Row row = Row.of(sc, spec.system(), machine);
        row.set("transport", Json.getString(rcv, "transport", null));
        row.set("receive_mode", Json.getString(rcv, "receive_mode", null));
        row.set("read_pauses", rcv.get("read_pauses"));
        row.set("straddled_frames_copied", rcv.get("straddled_frames_copied"));
        row.set("on_ready_threshold_bytes", snd.get("on_ready_threshold_bytes"));
        for (String f : new String[] {
            "rcvbuf_bytes_receiver", "sndbuf_bytes_sender", "rcvbuf_bytes_sender", "sndbuf_bytes_receiver"
        }) {
            row.set(f, rcv.get(f)); // the receiver reads both sides' sockets (SocketBuffers)
        }
        if (spec.system() == SystemKind.CREDITFLOW) {
            row.set("windows", spec.windows() != null ? spec.windows() : "default (adaptive)");
        } else if (spec.system().isGrpc()) { // what the receiver configured: pinned, or left to the BDP estimator
            row.set("windows", Json.getString(rcv, "windows", null));
        }
        row.set("warmup_s", sc.kind().hasTraffic() ? sc.warmupMs() / 1000.0 : null);
        double window = Json.getDouble(rcv, "window_s", 0);
        row.set("window_s", window);
        memory(row, rcv, snd);
        String failure = Json.getString(snd, "send_failure", null);
        if (failure != null) {
            row.set("status", "error");
            row.set("note", "send loop failed: " + failure);
        }
        switch (sc.kind()) {
            case THROUGHPUT -> throughput(row, rcv, snd, window, spec);
            case SLOW_STREAM -> {
                throughput(row, rcv, snd, window, spec);
                slowStream(row, rcv, spec, window, earlier, sc.dependsOn());
                unconsumed(row, run);
            }
            case STALL -> stall(row, rcv, snd, spec, run);
            case LATENCY -> {
                throughput(row, rcv, snd, window, spec);
                latency(row, rcv, spec, run.clockShared());
            }
            case SCALE -> scale(row, rcv, snd, spec);
            case BROKER -> broker(row, rcv, snd, spec, window, earlier, sc.dependsOn());
            case PRODUCER -> producer(row, rcv, snd, spec, window, earlier, sc.dependsOn());
            case CATCH_UP -> catchUp(row, rcv, snd);
        }
        if (spec.relayed()) {
            adaptiveWindows(row, run);
        }
        Map<String, Object> rd = Json.getObject(rcv, "drain");
        Map<String, Object> sd = Json.getObject(snd, "drain");
        if (!rd.isEmpty() && !sd.isEmpty()) {
            delivery(row, rd, sd);
        }
        return row;
    }

    /** True for the runs whose messages the receiver checks: point-to-point traffic, on every system. */
    static boolean verifiesDelivery(RunSpec spec) {
        return switch (spec.kind()) {
            case THROUGHPUT, SLOW_STREAM, STALL, LATENCY -> true;
            default -> false;
        };
    }

    /**
     * The delivery figures from the two drain answers, over the whole run (warmup included): a row is
     * {@code delivery_ok} if no stream had a gap, a duplicate, a message out of order or a corrupt one,
     * no stream consumed more than was sent, and every stream the receiver was not holding consumed
     * all that was sent (after the drain nothing can still be in flight on those). A held stream (slow,
     * or stalled at the mark) may still have messages waiting in the transport: they are counted in
     * {@code undelivered_held_msgs}, not as a fault. A row that is not {@code delivery_ok} is an error row.
     */
    static void delivery(Row row, Map<String, Object> rcvDrain, Map<String, Object> sndDrain) {
        long[] sent = Json.getLongArray(sndDrain, "sent_msgs_total");
        long[] consumed = Json.getLongArray(rcvDrain, "consumed_msgs_total");
        long[] held = Json.getLongArray(rcvDrain, "held");
        long gaps = sum(Json.getLongArray(rcvDrain, "gap_msgs"));
        long dups = sum(Json.getLongArray(rcvDrain, "duplicate_msgs"));
        long ooo = sum(Json.getLongArray(rcvDrain, "out_of_order_msgs"));
        long corrupt = sum(Json.getLongArray(rcvDrain, "corrupt_msgs"));
        StringBuilder why = new StringBuilder();
        long undeliveredHeld = 0;
        if (sent.length != consumed.length || held.length != consumed.length) {
            why.append("sender counted ")
                    .append(sent.length)
                    .append(" streams, receiver ")
                    .append(consumed.length);
        } else {
            for (int i = 0; i < sent.length; i++) {
                long missing = sent[i] - consumed[i];
                if (missing < 0) {
                    append(why, "stream " + i + " consumed " + consumed[i] + " of " + sent[i] + " sent");
                } else if (missing > 0 && held[i] == 0) {
                    append(
                            why,
                            "stream " + i + " consumed " + consumed[i] + " of " + sent[i] + " sent after the drain");
                } else {
                    undeliveredHeld += missing;
                }
            }
        }
        if (gaps + dups + ooo + corrupt > 0) {
            append(why, gaps + " missing, " + dups + " duplicate, " + ooo + " out of order, " + corrupt + " corrupt");
        }
        boolean ok = why.length() == 0;
        row.set("delivery_ok", ok);
        row.set("sent_msgs", sum(sent));
        row.set("delivered_msgs", sum(consumed));
        row.set("undelivered_held_msgs", undeliveredHeld);
        row.set("gap_msgs", gaps);
        row.set("duplicate_msgs", dups);
        row.set("out_of_order_msgs", ooo);
        row.set("corrupt_msgs", corrupt);
        row.set("drain_s", Json.getDoubleOrNull(rcvDrain, "drain_s"));
        if (!ok && row.ok()) {
            row.set("status", "error");
            row.set("note", "delivery: " + why);
        }
    }

    private static void append(StringBuilder b, String s) {
        if (b.length() > 0) {
            b.append("; ");
        }
        if (b.length() < 400) {
            b.append(s);
        }
    }

    /**
     * S10: which windows, the relay's round trip, and what the receiver held: the most the stream had
     * sent and not yet consumed, the same measure for every system (in the relay and the kernels, and in
     * the receiver's buffers), less what the sender reports still queued in its own transport
     * (creditflow's send queue; gRPC's sender reports none); creditflow also reports where its window
     * target ended.
     */
    private static void adaptiveWindows(Row row, RunResult run) {
        RunSpec spec = run.spec();
        Map<String, Object> rcv = run.receiver();
        row.set("windows", spec.system().isGrpc() ? "bdp-estimator" : spec.windows());
        row.set("rtt_ms", spec.rttMs());
        if (spec.kind() != Kind.SLOW_STREAM) {
            unconsumed(row, run);
        }
        Double unconsumed = row.number("unconsumed_max_bytes");
        Double queued = row.number("sender_queued_bytes");
        if (unconsumed != null) {
            row.set("receiver_held_bytes", (long) (unconsumed - (queued == null ? 0 : queued)));
        }
        if (spec.slowStreams() > 0) {
            row.set("drain_msgs_per_s", spec.slowRate());
        }
        row.set("window_target_bytes", rcv.get("window_target_bytes"));
        row.set("window_reason", rcv.get("window_reason"));
        row.set("measured_rtt_ms", rcv.get("rtt_ms"));
        row.set("receive_budget_peak_bytes", rcv.get("receive_budget_peak_bytes"));
    }

    private static void memory(Row row, Map<String, Object> rcv, Map<String, Object> snd) {
        Double hr = Json.getDoubleOrNull(rcv, "heap_peak_mib");
        Double hs = Json.getDoubleOrNull(snd, "heap_peak_mib");
        row.set("heap_peak_mib_receiver", hr);
        row.set("heap_peak_mib_sender", hs);
        row.set("heap_peak_mib", max(hr, hs));
        Double dr = Json.getDoubleOrNull(rcv, "direct_peak_mib");
        Double ds = Json.getDoubleOrNull(snd, "direct_peak_mib");
        row.set("direct_peak_mib_receiver", dr);
        row.set("direct_peak_mib_sender", ds);
        row.set("direct_peak_mib", max(dr, ds));
        row.set("direct_jdk_peak_mib_receiver", Json.getDoubleOrNull(rcv, "direct_jdk_peak_mib"));
        row.set("direct_jdk_peak_mib_sender", Json.getDoubleOrNull(snd, "direct_jdk_peak_mib"));
    }

    private static Double max(Double a, Double b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.max(a, b);
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    private static void throughput(
            Row row, Map<String, Object> rcv, Map<String, Object> snd, double window, RunSpec spec) {
        long msgs = sum(Json.getLongArray(rcv, "consumed_msgs"));
        long bytes = sum(Json.getLongArray(rcv, "consumed_bytes"));
        if (window <= 0) {
            return;
        }
        row.set("msgs_per_s", msgs / window);
        row.set("mib_per_s", bytes / window / MIB);
        double sendWindow = Json.getDouble(snd, "window_s", 0);
        if (sendWindow > 0) { // a cross-check: what the sender handed over in its own window
            row.set("sent_msgs_per_s", sum(Json.getLongArray(snd, "sent_msgs")) / sendWindow);
        }
        cpu(row, rcv, snd, msgs);
        if (msgs == 0 && spec.kind() != Kind.STALL) {
            row.set("status", "error");
            row.set("note", "nothing was consumed in the window");
        }
    }

    private static void cpu(Row row, Map<String, Object> rcv, Map<String, Object> snd, long msgs) {
        if (msgs <= 0) {
            return;
        }
        double millions = msgs / 1e6;
        double cr = Json.getDouble(rcv, "cpu_s", 0);
        double cs = Json.getDouble(snd, "cpu_s", 0);
        row.set("cpu_source", Json.getString(rcv, "cpu_source", null));
        row.set("cpu_s_per_million", (cr + cs) / millions);
        row.set("cpu_s_per_million_receiver", cr / millions);
        row.set("cpu_s_per_million_sender", cs / millions);
    }

    /** S3: the fast streams' aggregate against the 16-stream rate of the same system, scaled to 15/16. */
    private static void slowStream(
            Row row, Map<String, Object> rcv, RunSpec spec, double window, List<Row> earlier, String reference) {
        long[] msgs = Json.getLongArray(rcv, "consumed_msgs");
        long fast = 0;
        long slow = 0;
        for (int i = 0; i < msgs.length; i++) {
            if (spec.isSlow(i)) {
                slow += msgs[i];
            } else {
                fast += msgs[i];
            }
        }
        if (window <= 0) {
            return;
        }
        double fastRate = fast / window;
        row.set("fast_msgs_per_s", fastRate);
        row.set("slow_msgs_per_s", slow / window / Math.max(1, spec.slowStreams()));
        for (Row r : earlier) {
            if (r.system() == spec.system() && r.scenario().equals(reference) && r.number("msgs_per_s") != null) {
                double ref = r.number("msgs_per_s");
                int n = spec.totalStreams();
                double scaled = ref * (n - spec.slowStreams()) / n;
                row.set("reference_msgs_per_s", ref);
                row.set("fast_ratio_vs_reference", fastRate / scaled);
            }
        }
        if (reference != null && row.get("reference_msgs_per_s") == null) {
            row.set("note", "no " + reference + " rate from this invocation to compare with");
        }
    }

    /**
     * The most a held stream had sent (accepted by the sending transport) and not yet consumed by the
     * receiving application, over the measured window: at each of the receiver's samples, the sender's
     * count is interpolated between its own samples at the same instant of the shared clock.
     */
    private static void unconsumed(Row row, RunResult run) {
        row.set("receiver_held_peak_bytes", run.receiver().get("held_peak_bytes"));
        Object window = run.receiver().get("window_bytes");
        row.set("window_bytes", window);
        if (window instanceof Number w) {
            row.set("bound_bytes", w.longValue() + run.spec().payloadBytes());
        }
        row.set("sender_queued_bytes", run.sender().get("send_queued_bytes"));
        if (!run.clockShared()) {
            return;
        }
        Long max = maxUnconsumed(
                samples(run.sender(), "sent_series"),
                samples(run.receiver(), "consumed_series"),
                Json.getLong(run.receiver(), "mark_nanos", Long.MIN_VALUE));
        row.set("unconsumed_max_bytes", max);
    }

    /**
     * max over consumer samples taken at or after {@code fromNanos} of (sent interpolated at that time -
     * consumed), over every tracked stream; null if the series do not overlap. Samples are
     * [nanos, bytes per tracked stream...], in time order.
     */
    static Long maxUnconsumed(List<long[]> sent, List<long[]> consumed, long fromNanos) {
        if (sent.isEmpty() || consumed.isEmpty()) {
            return null;
        }
        Long max = null;
        int a = 0;
        for (long[] c : consumed) {
            long t = c[0];
            if (t < fromNanos || t < sent.get(0)[0]) {
                continue;
            }
            while (a + 1 < sent.size() && sent.get(a + 1)[0] <= t) {
                a++;
            }
            long[] lo = sent.get(a);
            long[] hi = a + 1 < sent.size() ? sent.get(a + 1) : lo;
            for (int j = 1; j < c.length && j < lo.length; j++) {
                double s = lo[j];
                if (hi != lo && hi[0] > lo[0]) {
                    s += (hi[j] - lo[j]) * (double) (t - lo[0]) / (hi[0] - lo[0]);
                }
                long u = Math.round(s) - c[j];
                max = max == null ? u : Math.max(max, u);
            }
        }
        return max;
    }

    private static List<long[]> samples(Map<String, Object> m, String key) {
        List<long[]> out = new java.util.ArrayList<>();
        for (Object o : seriesOf(m, key)) {
            List<?> l = (List<?>) o;
            long[] v = new long[l.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = ((Number) l.get(i)).longValue();
            }
            out.add(v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> seriesOf(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v instanceof List ? (List<Object>) v : List.of();
    }

    /** S5: how much each side grew over the stall, sampled and after GC. */
    private static void stall(Row row, Map<String, Object> rcv, Map<String, Object> snd, RunSpec spec, RunResult run) {
        row.set("heap_growth_mib_receiver", diff(rcv, "heap_peak_mib", "heap_after_gc_at_mark_mib"));
        row.set("heap_growth_mib_sender", diff(snd, "heap_peak_mib", "heap_after_gc_at_mark_mib"));
        row.set(
                "heap_retained_growth_mib_receiver",
                diff(rcv, "heap_after_gc_at_stop_mib", "heap_after_gc_at_mark_mib"));
        row.set("heap_retained_growth_mib_sender", diff(snd, "heap_after_gc_at_stop_mib", "heap_after_gc_at_mark_mib"));
        row.set("direct_growth_mib_receiver", diff(rcv, "direct_peak_mib", "direct_at_mark_mib"));
        row.set("direct_growth_mib_sender", diff(snd, "direct_peak_mib", "direct_at_mark_mib"));
        row.set("direct_jdk_growth_mib_receiver", diff(rcv, "direct_jdk_peak_mib", "direct_jdk_at_mark_mib"));
        row.set("direct_jdk_growth_mib_sender", diff(snd, "direct_jdk_peak_mib", "direct_jdk_at_mark_mib"));
        unconsumed(row, run);
        long sentInStall = sum(Json.getLongArray(snd, "sent_bytes"));
        if (spec.system().isNetty()) {
            row.set(
                    "note",
                    String.format(
                            "no flow control: the receiver turned autoRead off past %d KiB held, then the "
                                    + "kernel and the sender's outbound buffer held the rest; sent %s into "
                                    + "the stall (the harness caps it at %d MiB)",
                            io.creditflow.bench.harness.netty.ReadPause.HIGH_BYTES >> 10,
                            sentInStall < MIB
                                    ? String.format(java.util.Locale.ROOT, "%.0f KiB", sentInStall / 1024.0)
                                    : String.format(java.util.Locale.ROOT, "%.1f MiB", sentInStall / MIB),
                            spec.capBytes() >> 20));
        }
    }

    private static Double diff(Map<String, Object> m, String a, String b) {
        Double x = Json.getDoubleOrNull(m, a);
        Double y = Json.getDoubleOrNull(m, b);
        return x == null || y == null ? null : x - y;
    }

    private static void latency(Row row, Map<String, Object> rcv, RunSpec spec, boolean clockShared) {
        row.set("offered_msgs_per_s", spec.offeredRate());
        if (!clockShared) {
            row.set("note", "the JVMs do not share a clock: no one-way latency");
            return;
        }
        row.set("p50_us", Json.getDoubleOrNull(rcv, "p50_us"));
        row.set("p99_us", Json.getDoubleOrNull(rcv, "p99_us"));
        row.set("p999_us", Json.getDoubleOrNull(rcv, "p999_us"));
        row.set("max_us", Json.getDoubleOrNull(rcv, "max_us"));
        row.set("latency_samples", rcv.get("latency_count"));
    }

    /** S7: heap per idle stream on each side (after GC, before and after opening), and setup time. */
    private static void scale(Row row, Map<String, Object> rcv, Map<String, Object> snd, RunSpec spec) {
        int count = spec.system().hasStreams() ? spec.totalStreams() : spec.connections();
        row.set("count", count);
        long t0 = Json.getLong(snd, "open_start_nanos", 0);
        long t1 = Json.getLong(rcv, "accepted_nanos", 0);
        if (t0 > 0 && t1 > 0) {
            row.set("setup_s", (t1 - t0) / 1e9);
        }
        Double r = diff(rcv, "heap_after_gc_at_mark_mib", "heap_before_mib");
        Double s = diff(snd, "heap_after_gc_at_mark_mib", "heap_before_mib");
        row.set("heap_per_stream_bytes_receiver", r == null ? null : r * MIB / count);
        row.set("heap_per_stream_bytes_sender", s == null ? null : s * MIB / count);
        row.set("cpu_s_per_million", null);
    }

    /** S8: the producer's rate, the fast consumers' aggregate, and the broker's buffered peak vs its budget. */
    private static void broker(
            Row row,
            Map<String, Object> rcv,
            Map<String, Object> snd,
            RunSpec spec,
            double window,
            List<Row> earlier,
            String reference) {
        long produced = sum(Json.getLongArray(snd, "sent_msgs"));
        long[] consumed = Json.getLongArray(snd, "consumed_msgs");
        long fast = 0;
        long slow = 0;
        for (int i = 1; i < consumed.length; i++) {
            if (spec.isSlow(i)) {
                slow += consumed[i];
            } else {
                fast += consumed[i];
            }
        }
        if (window > 0) {
            row.set("producer_msgs_per_s", produced / window);
            row.set("msgs_per_s", produced / window);
            row.set("mib_per_s", produced * (double) spec.payloadBytes() / window / MIB);
            row.set("fast_consumers_msgs_per_s", fast / window);
            row.set("slow_consumer_msgs_per_s", slow / window);
        }
        cpu(row, rcv, snd, produced);
        row.set("broker_buffered_peak_bytes", rcv.get("held_peak_bytes"));
        row.set("broker_budget_bytes", rcv.get("broker_budget_bytes"));
        row.set("broker_dropped_msgs", rcv.get("broker_dropped_msgs"));
        row.set("slow_evicted", snd.get("slow_evicted"));
        long gaps = Json.getLong(snd, "slow_gap_records", 0);
        row.set("slow_gap_records", gaps);
        if (spec.durable()) {
            log(row, rcv);
            row.set(
                    "slow_lost_records",
                    Math.max(gaps, Json.getLong(rcv, "log_slow_skipped_records", 0))
                            + Json.getLong(rcv, "log_unread_records_dropped", 0));
        }
        if (reference != null && row.number("fast_consumers_msgs_per_s") != null) {
            ratio(row, earlier, spec.system(), reference, "fast_consumers_msgs_per_s", "fast_ratio_vs_reference");
        }
    }

    /**
     * {@code field}'s ratio to the same field of the {@code reference} scenario's row for the same system in this
     * invocation, into {@code ratioField}; a note if there is none.
     */
    private static void ratio(
            Row row, List<Row> earlier, SystemKind system, String reference, String field, String ratioField) {
        row.set("reference_scenario", reference);
        for (Row r : earlier) {
            if (r.system() == system
                    && r.scenario().equals(reference)
                    && r.ok()
                    && r.number(field) != null
                    && r.number(field) > 0) {
                row.set("reference_msgs_per_s", r.number(field));
                row.set(ratioField, row.number(field) / r.number(field));
                return;
            }
        }
        row.set("note", "no " + reference + " rate from this invocation to compare with");
    }

    /** A durable topic's figures: the logs' bytes on disk (sampled peak), and what was dropped, skipped or held. */
    private static void log(Row row, Map<String, Object> rcv) {
        row.set("disk_peak_bytes", rcv.get("log_disk_peak_bytes"));
        row.set("log_unread_records_dropped", rcv.get("log_unread_records_dropped"));
        row.set("log_slow_skipped_records", rcv.get("log_slow_skipped_records"));
        row.set("log_slow_lag_records", rcv.get("log_slow_lag_records"));
        row.set("log_hold_events", rcv.get("log_hold_events"));
    }

    /**
     * S11: the producer's rate (its messages taken by the broker's credit) and the consumer's, send-to-acknowledgement
     * latency from the sender's histogram (one JVM's clock: stamp and acknowledgement), and the rate's ratio to the
     * reference scenario's (the in-memory topic's).
     */
    private static void producer(
            Row row,
            Map<String, Object> rcv,
            Map<String, Object> snd,
            RunSpec spec,
            double window,
            List<Row> earlier,
            String reference) {
        long produced = sum(Json.getLongArray(snd, "sent_msgs"));
        long consumed = sum(Json.getLongArray(snd, "consumed_msgs"));
        if (spec.offeredRate() > 0) {
            row.set("offered_msgs_per_s", spec.offeredRate());
        }
        if (window > 0) {
            row.set("producer_msgs_per_s", produced / window);
            row.set("msgs_per_s", produced / window);
            row.set("mib_per_s", produced * (double) spec.payloadBytes() / window / MIB);
            row.set("consumer_msgs_per_s", consumed / window);
        }
        cpu(row, rcv, snd, produced);
        row.set("ack_p50_us", Json.getDoubleOrNull(snd, "p50_us"));
        row.set("ack_p99_us", Json.getDoubleOrNull(snd, "p99_us"));
        row.set("ack_p999_us", Json.getDoubleOrNull(snd, "p999_us"));
        row.set("ack_max_us", Json.getDoubleOrNull(snd, "max_us"));
        row.set("ack_samples", snd.get("latency_count"));
        row.set("broker_buffered_peak_bytes", rcv.get("held_peak_bytes"));
        if (spec.durable()) {
            log(row, rcv);
        }
        if (reference != null && row.number("msgs_per_s") != null) {
            ratio(row, earlier, spec.system(), reference, "msgs_per_s", "producer_ratio_vs_reference");
        }
        String ackFailure = Json.getString(snd, "ack_failure", null);
        if (produced == 0 || row.get("ack_samples") == null || ackFailure != null) {
            row.set("status", "error");
            row.set(
                    "note",
                    ackFailure != null
                            ? "acknowledgements stopped: " + ackFailure
                            : "nothing was produced and acknowledged in the window");
        }
    }

    /**
     * S11-catch-up: how fast one consumer read the backlog from {@code earliest}, and whether the page cache had been
     * dropped before (cold) or not (warm: the backlog may still be cached from being written).
     */
    private static void catchUp(Row row, Map<String, Object> rcv, Map<String, Object> snd) {
        row.set("backlog_records", rcv.get("backlog_records"));
        row.set("backlog_disk_bytes", rcv.get("backlog_disk_bytes"));
        row.set("disk_peak_bytes", rcv.get("log_disk_peak_bytes"));
        boolean cold = Json.getBoolean(rcv, "page_cache_dropped", false);
        row.set("cache", cold ? "cold" : "warm");
        row.set("page_cache_mib_after_drop", rcv.get("page_cache_mib_after_drop"));
        boolean done = Json.getBoolean(snd, "catch_up_done", false);
        row.set("catch_up_done", done);
        row.set("catch_up_s", snd.get("catch_up_s"));
        row.set("catch_up_first_record_s", snd.get("catch_up_first_record_s"));
        row.set("catch_up_mib_per_s", snd.get("catch_up_mib_per_s"));
        row.set("catch_up_records_per_s", snd.get("catch_up_records_per_s"));
        row.set("mib_per_s", snd.get("catch_up_mib_per_s"));
        row.set("msgs_per_s", snd.get("catch_up_records_per_s"));
        String notes = cold
                ? null
                : "warm: the page cache was not dropped (" + Json.getString(rcv, "page_cache_drop_error", "unknown")
                        + ")";
        if (!done) {
            notes = (notes == null ? "" : notes + "; ")
                    + String.format(
                            java.util.Locale.ROOT,
                            "did not finish: %d of %d records in the window, the rate is the partial one",
                            Json.getLong(snd, "catch_up_records", 0),
                            Json.getLong(snd, "catch_up_expected_records", 0));
        }
        row.set("note", notes);
        if (Json.getLong(snd, "catch_up_records", 0) == 0) {
            row.set("status", "error");
        }
    }
}
