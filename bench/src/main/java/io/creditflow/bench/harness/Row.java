package io.creditflow.bench.harness;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One (scenario, system) result: every field of {@link #FIELDS}, null where it does not apply. This is
 * what one JSON line holds and what the table and the chart read.
 */
public final class Row {
    /** Every field, in output order. */
    public static final List<String> FIELDS = List.of(
            // identity and context
            "scenario",
            "group",
            "title",
            "system",
            "status",
            "note",
            "transport",
            "receive_mode",
            // how the system ran, where it says so itself: raw Netty's autoRead pauses and copied straddling
            // frames (netty-batched), gRPC's onReady threshold
            "read_pauses",
            "straddled_frames_copied",
            "on_ready_threshold_bytes",
            "jvm_options",
            "rcvbuf_bytes_receiver",
            "sndbuf_bytes_sender",
            "rcvbuf_bytes_sender",
            "sndbuf_bytes_receiver",
            "machine_load1",
            "machine_cores",
            "machine_other_cpu_cores",
            "machine_busy",
            "warmup_s",
            "window_s",
            // throughput and cost
            "msgs_per_s",
            "mib_per_s",
            "sent_msgs_per_s",
            "cpu_s_per_million",
            "cpu_s_per_million_receiver",
            "cpu_s_per_million_sender",
            // repetitions (--reps): ranges of the medians above, and ratios taken within each repetition
            "reps",
            "reps_seed",
            "msgs_per_s_min",
            "msgs_per_s_max",
            "mib_per_s_min",
            "mib_per_s_max",
            "cpu_s_per_million_min",
            "cpu_s_per_million_max",
            "cpu_source",
            "cf_ratio_msgs_per_s",
            "cf_ratio_msgs_per_s_min",
            "cf_ratio_msgs_per_s_max",
            "cf_ratio_cpu_s_per_million",
            "cf_ratio_cpu_s_per_million_min",
            "cf_ratio_cpu_s_per_million_max",
            "heap_peak_mib",
            "heap_peak_mib_receiver",
            "heap_peak_mib_sender",
            // delivery, checked over the whole run after the drain
            "delivery_ok",
            "delivered_msgs",
            "sent_msgs",
            "undelivered_held_msgs",
            "gap_msgs",
            "duplicate_msgs",
            "out_of_order_msgs",
            "corrupt_msgs",
            "drain_s",
            "direct_peak_mib",
            "direct_peak_mib_receiver",
            "direct_peak_mib_sender",
            "direct_jdk_peak_mib_receiver",
            "direct_jdk_peak_mib_sender",
            // latency (S6)
            "p50_us",
            "p99_us",
            "p999_us",
            "max_us",
            "latency_samples",
            "offered_msgs_per_s",
            // slow stream (S3) and stall (S5)
            "fast_msgs_per_s",
            "reference_msgs_per_s",
            "fast_ratio_vs_reference",
            "slow_msgs_per_s",
            "unconsumed_max_bytes",
            "receiver_held_peak_bytes",
            "window_bytes",
            "bound_bytes",
            "sender_queued_bytes",
            "heap_growth_mib_receiver",
            "heap_growth_mib_sender",
            "heap_retained_growth_mib_receiver",
            "heap_retained_growth_mib_sender",
            "direct_growth_mib_receiver",
            "direct_growth_mib_sender",
            "direct_jdk_growth_mib_receiver",
            "direct_jdk_growth_mib_sender",
            // scale (S7)
            "count",
            "setup_s",
            "heap_per_stream_bytes_receiver",
            "heap_per_stream_bytes_sender",
            // broker (S8)
            "policy",
            "producer_msgs_per_s",
            "fast_consumers_msgs_per_s",
            "slow_consumer_msgs_per_s",
            "broker_buffered_peak_bytes",
            "broker_budget_bytes",
            "broker_dropped_msgs",
            "slow_evicted",
            // adaptive windows (S10)
            "windows",
            "rtt_ms",
            "receiver_held_bytes",
            "drain_msgs_per_s",
            "window_target_bytes",
            "window_reason",
            "measured_rtt_ms",
            "receive_budget_peak_bytes",
            // durable topic log (S8-log, S11)
            "fsync",
            "reference_scenario",
            "slow_lost_records",
            "slow_gap_records",
            "log_unread_records_dropped",
            "log_slow_skipped_records",
            "log_slow_lag_records",
            "log_hold_events",
            "disk_peak_bytes",
            // producer acknowledgements (S11)
            "consumer_msgs_per_s",
            "producer_ratio_vs_reference",
            "ack_p50_us",
            "ack_p99_us",
            "ack_p999_us",
            "ack_max_us",
            "ack_samples",
            // catch-up (S11-catch-up)
            "backlog_records",
            "backlog_disk_bytes",
            "cache",
            "page_cache_mib_after_drop",
            "catch_up_done",
            "catch_up_s",
            "catch_up_first_record_s",
            "catch_up_mib_per_s",
            "catch_up_records_per_s");

    private final Map<String, Object> values = new LinkedHashMap<>();

    private Row() {}

    private Row(Scenario sc, SystemKind system, Map<String, Object> machine) {
        for (String f : FIELDS) {
            values.put(f, null);
        }
        values.put("scenario", sc.id());
        values.put("group", sc.group());
        values.put("title", sc.title());
        values.put("system", system.label());
        values.put("policy", sc.policy());
        values.put("fsync", sc.fsync());
        values.put("jvm_options", String.join(" ", ChildProcess.JVM_OPTIONS));
        if (machine != null) {
            values.put("machine_load1", machine.get("load1"));
            values.put("machine_cores", machine.get("cores"));
            values.put("machine_other_cpu_cores", machine.get("other_cpu_cores"));
            values.put("machine_busy", machine.get("busy"));
        }
    }

    static Row of(Scenario sc, SystemKind system, Map<String, Object> machine) {
        Row r = new Row(sc, system, machine);
        r.set("status", "ok");
        return r;
    }

    static Row notApplicable(Scenario sc, SystemKind system, Map<String, Object> machine) {
        Row r = new Row(sc, system, machine);
        r.set("status", "n/a");
        r.set(
                "note",
                sc.kind().broker()
                        ? "the broker is built on creditflow"
                        : sc.group().equals("S10") && system == SystemKind.GRPC
                                ? "gRPC-java's window is its BDP estimator's: it runs in the adaptive rows"
                                : sc.group().equals("S10") && system == SystemKind.GRPC_TUNED
                                        ? "grpc-tuned pins its window: S10 compares adapting windows"
                                        : sc.group().equals("S10")
                                                ? "no receive window to adapt: raw Netty has no flow control"
                                                : "no streams: a raw Netty connection is one stream");
        return r;
    }

    static Row error(Scenario sc, SystemKind system, Map<String, Object> machine, String message) {
        Row r = new Row(sc, system, machine);
        r.set("status", "error");
        r.set("note", message);
        return r;
    }

    /** A copy with the same values. */
    Row copy() {
        Row r = new Row();
        r.values.putAll(values);
        return r;
    }

    /** Sets a field; unknown names are a bug. */
    public Row set(String field, Object value) {
        if (!values.containsKey(field)) {
            throw new IllegalArgumentException("unknown field " + field);
        }
        values.put(field, value instanceof Double d && !Double.isFinite(d) ? null : value);
        return this;
    }

    public Object get(String field) {
        return values.get(field);
    }

    /** A numeric field, or null. */
    public Double number(String field) {
        Object v = values.get(field);
        return v instanceof Number n ? n.doubleValue() : null;
    }

    public String scenario() {
        return (String) values.get("scenario");
    }

    public String group() {
        return (String) values.get("group");
    }

    public SystemKind system() {
        return SystemKind.parse((String) values.get("system"));
    }

    public String status() {
        return (String) values.get("status");
    }

    public boolean ok() {
        return "ok".equals(status());
    }

    public Map<String, Object> values() {
        return Collections.unmodifiableMap(values);
    }

    public String toJson() {
        return Json.write(values);
    }
}
