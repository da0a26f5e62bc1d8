package io.creditflow.bench.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one child does in one run: sent to both children as JSON with the SETUP command. Stream
 * {@code i} lives on connection {@code i / streamsPerConnection}; the last {@code slowStreams} streams
 * are read by a paced reader at {@code slowRate} messages per second.
 *
 * @param system the system under test
 * @param scenario the scenario id (for logs)
 * @param kind what is measured
 * @param connections connections the sender opens
 * @param streamsPerConnection streams on each connection
 * @param payloadBytes payload bytes per message (at least {@link Payloads#HEADER_BYTES})
 * @param slowStreams how many of the last streams are read slowly
 * @param slowRate messages per second a slow stream's reader takes
 * @param stallAtMark the receiver stops reading every stream at the mark
 * @param offeredRate messages per second the sender offers in all, or 0 for as fast as it can
 * @param capBytes bytes the sender sends at most to a slow stream (since its start) or, in a stall,
 *        to any stream since the mark; 0 for no cap. Bounds raw Netty, which has no flow control.
 * @param latency the receiver records one-way latency from the stamped intended send time
 * @param gcAtMark both sides collect garbage at the mark and at the stop (heap figures after GC)
 * @param maxConcurrentStreams creditflow's stream cap for this run, or 0 for its default
 * @param cfPush creditflow's receiver takes fast streams in push mode (else pull on the event loop)
 * @param policy the broker subscription policy (S8)
 * @param consumers broker consumers (S8); the last {@code slowStreams} of them are slow
 * @param port the receiver's port (sender only)
 * @param rttMs the round trip the latency relay adds between sender and receiver (S10), or -1 for a
 *        direct connection
 * @param windows creditflow's receive windows, {@code "fixed"} or {@code "adaptive"}, or null for its default
 * @param fsync the broker's topics are durable, in a temporary topic log with this fsync mode, or null: in memory
 * @param backlogBytes payload bytes the receiver writes to the topic log before the consumer connects, or 0
 */
public record RunSpec(
        SystemKind system,
        String scenario,
        Kind kind,
        int connections,
        int streamsPerConnection,
        int payloadBytes,
        int slowStreams,
        double slowRate,
        boolean stallAtMark,
        double offeredRate,
        long capBytes,
        boolean latency,
        boolean gcAtMark,
        int maxConcurrentStreams,
        boolean cfPush,
        String policy,
        int consumers,
        int port,
        int rttMs,
        String windows,
        String fsync,
        long backlogBytes) {

    public RunSpec {
        if (connections <= 0 || streamsPerConnection <= 0) {
            throw new IllegalArgumentException("connections and streamsPerConnection must be > 0");
        }
        if (payloadBytes < Payloads.HEADER_BYTES) {
            throw new IllegalArgumentException(
                    "payloadBytes: " + payloadBytes + " (expected: >= " + Payloads.HEADER_BYTES + ")");
        }
    }

    /** True if the broker's topics are durable (a topic log). */
    public boolean durable() {
        return fsync != null;
    }

    /** The backlog's records: {@code backlogBytes} of payloads. */
    public long backlogRecords() {
        return backlogBytes / payloadBytes;
    }

    public int totalStreams() {
        return connections * streamsPerConnection;
    }

    /** True if stream {@code i} is read by the paced slow reader. */
    public boolean isSlow(int i) {
        return i >= totalStreams() - slowStreams;
    }

    public RunSpec withPort(int p) {
        return new RunSpec(
                system,
                scenario,
                kind,
                connections,
                streamsPerConnection,
                payloadBytes,
                slowStreams,
                slowRate,
                stallAtMark,
                offeredRate,
                capBytes,
                latency,
                gcAtMark,
                maxConcurrentStreams,
                cfPush,
                policy,
                consumers,
                p,
                rttMs,
                windows,
                fsync,
                backlogBytes);
    }

    /** This spec with creditflow's receive windows set to {@code w}, unless the scenario chose them. */
    public RunSpec withDefaultWindows(String w) {
        if (windows != null || w == null) {
            return this;
        }
        return new RunSpec(
                system,
                scenario,
                kind,
                connections,
                streamsPerConnection,
                payloadBytes,
                slowStreams,
                slowRate,
                stallAtMark,
                offeredRate,
                capBytes,
                latency,
                gcAtMark,
                maxConcurrentStreams,
                cfPush,
                policy,
                consumers,
                port,
                rttMs,
                w,
                fsync,
                backlogBytes);
    }

    /** True if the sender reaches the receiver through the latency relay. */
    public boolean relayed() {
        return rttMs >= 0;
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("system", system.label());
        m.put("scenario", scenario);
        m.put("kind", kind.name());
        m.put("connections", connections);
        m.put("streamsPerConnection", streamsPerConnection);
        m.put("payloadBytes", payloadBytes);
        m.put("slowStreams", slowStreams);
        m.put("slowRate", slowRate);
        m.put("stallAtMark", stallAtMark);
        m.put("offeredRate", offeredRate);
        m.put("capBytes", capBytes);
        m.put("latency", latency);
        m.put("gcAtMark", gcAtMark);
        m.put("maxConcurrentStreams", maxConcurrentStreams);
        m.put("cfPush", cfPush);
        m.put("policy", policy);
        m.put("consumers", consumers);
        m.put("port", port);
        m.put("rttMs", rttMs);
        m.put("windows", windows);
        m.put("fsync", fsync);
        m.put("backlogBytes", backlogBytes);
        return m;
    }

    public String toJson() {
        return Json.write(toMap());
    }

    public static RunSpec fromJson(String json) {
        Map<String, Object> m = Json.parseObject(json);
        return new RunSpec(
                SystemKind.parse(Json.getString(m, "system", "")),
                Json.getString(m, "scenario", ""),
                Kind.valueOf(Json.getString(m, "kind", "THROUGHPUT")),
                (int) Json.getLong(m, "connections", 1),
                (int) Json.getLong(m, "streamsPerConnection", 1),
                (int) Json.getLong(m, "payloadBytes", 1024),
                (int) Json.getLong(m, "slowStreams", 0),
                Json.getDouble(m, "slowRate", 0),
                Json.getBoolean(m, "stallAtMark", false),
                Json.getDouble(m, "offeredRate", 0),
                Json.getLong(m, "capBytes", 0),
                Json.getBoolean(m, "latency", false),
                Json.getBoolean(m, "gcAtMark", false),
                (int) Json.getLong(m, "maxConcurrentStreams", 0),
                Json.getBoolean(m, "cfPush", false),
                Json.getString(m, "policy", null),
                (int) Json.getLong(m, "consumers", 0),
                (int) Json.getLong(m, "port", 0),
                (int) Json.getLong(m, "rttMs", -1),
                Json.getString(m, "windows", null),
                Json.getString(m, "fsync", null),
                Json.getLong(m, "backlogBytes", 0));
    }
}
