package io.creditflow.bench.harness;

/**
 * How long things run. {@link #DEFAULT} finishes the whole suite in about five minutes on two cores,
 * {@link #QUICK} in about ninety seconds (shorter windows, fewer streams and connections in S7).
 *
 * @param name label
 * @param sessionWarmupMs traffic before a fresh pair of JVMs' first scenario, not measured
 * @param warmupMs traffic before each scenario's measured window, not measured
 * @param measureMs the measured window of a traffic scenario
 * @param stallMs S5's stall (its measured window)
 * @param brokerMeasureMs S8's measured window per policy
 * @param scaleStreams S7's streams on one connection
 * @param scaleConnections S7's connections
 * @param catchUpBytes S11-catch-up's backlog: payload bytes written to the topic log before the consumer connects
 * @param catchUpMs S11-catch-up's bound on the time the consumer has to read it
 */
public record Profile(
        String name,
        long sessionWarmupMs,
        long warmupMs,
        long measureMs,
        long stallMs,
        long brokerMeasureMs,
        int scaleStreams,
        int scaleConnections,
        long catchUpBytes,
        long catchUpMs) {
    public static final Profile DEFAULT =
            new Profile("default", 3000, 2000, 5000, 30_000, 6000, 10_000, 1_000, 1L << 30, 30_000);
    public static final Profile QUICK =
            new Profile("quick", 1500, 700, 1500, 10_000, 2000, 2_000, 200, 256L << 20, 10_000);
}
