package io.creditflow.pipeline;

/**
 * What one pipeline run does; plain fields with the command line's defaults, checked by {@link #validate()}.
 * Times are seconds.
 */
public final class PipelineSettings {
    /** The largest event the load generator sends (the broker's default max message is far larger). */
    public static final int MAX_SIZE = 64 * 1024;
    /** Events one run may send at most (rate x duration): the final check keeps one bit per event id. */
    public static final long MAX_EVENTS = 50_000_000;

    public double durationS = 60;
    public double slowAtS = 10;
    public double slowForS = 30;
    /** Events per second offered by the load generator (open loop). */
    public double rate = 2000;

    public int clients = 32;
    /** Bytes per event (8 of id, then padding). */
    public int size = 1024;

    /**
     * Events per second offered by the second tenant, {@value Pipeline#QUOTA_TENANT}, on top of {@link #rate}: four
     * times its quota by default, so that a short run shows the quota at work (its clients send one request at a time
     * each, so on a busy machine they manage less than they are asked for: the quota is kept small); 0: no second
     * tenant.
     */
    public double tenantRate = 200;
    /** The second tenant's produce quota, messages per second (its auth-file {@code quota} line). */
    public long tenantQuota = 50;
    /** The second tenant's HTTP clients. */
    public int tenantClients = 8;

    public int workers = 4;
    public int batch = 100;
    /** The topic log's quota on disk, MiB. */
    public long logMaxMib = 8;
    /** The log's segment size, KiB (the quota must hold at least three). */
    public int segmentKib = 1024;
    /** The longest a client waits after a 503, whatever Retry-After says, seconds. */
    public double maxBackoffS = 5;
    /** Null: embedded H2 in a file in the run's temporary folder. */
    public String jdbcUrl;

    public boolean naive;
    /** The naive child's heap, MiB. */
    public int naiveHeapMib = 32;
    /** How long the drain after the load may take before the run gives up on it, seconds. */
    public double drainTimeoutS = 120;

    /** Throws IllegalArgumentException naming the first bad setting. */
    public void validate() {
        check(durationS > 0 && durationS <= 3600, "--duration", durationS, "0 < seconds <= 3600");
        check(slowAtS >= 0 && slowAtS <= durationS, "--slow-at", slowAtS, "0 to --duration");
        check(slowForS >= 0 && slowForS <= 3600, "--slow-for", slowForS, "0 to 3600 seconds");
        check(rate > 0 && rate <= 100_000, "--rate", rate, "0 < events/s <= 100000");
        check(
                (rate + tenantRate) * durationS <= MAX_EVENTS,
                "--rate x --duration",
                (rate + tenantRate) * durationS,
                "<= " + MAX_EVENTS + " events, with --tenant-rate");
        check(clients >= 1 && clients <= 256, "--clients", clients, "1 to 256");
        check(tenantRate >= 0 && tenantRate <= 100_000, "--tenant-rate", tenantRate, "0 to 100000 events/s");
        check(tenantQuota >= 1 && tenantQuota <= 1_000_000, "--tenant-quota", tenantQuota, "1 to 1000000 msg/s");
        check(tenantClients >= 1 && tenantClients <= 64, "--tenant-clients", tenantClients, "1 to 64");
        check(size >= 8 && size <= MAX_SIZE, "--size", size, "8 to " + MAX_SIZE + " bytes (the first 8 are the id)");
        check(
                workers >= 1 && workers <= Database.PROGRESS_ROWS,
                "--workers",
                workers,
                "1 to " + Database.PROGRESS_ROWS);
        check(batch >= 1 && batch <= 10_000, "--batch", batch, "1 to 10000");
        check(
                segmentKib >= MAX_SIZE / 1024 + 1 && segmentKib <= 1 << 20,
                "--segment-kib",
                segmentKib,
                (MAX_SIZE / 1024 + 1) + " to 1048576 (a segment holds the largest event)");
        check(logMaxMib >= 1 && logMaxMib <= 1 << 20, "--log-max-mib", logMaxMib, "1 to 1048576");
        check(
                logMaxMib * 1024 >= 3L * segmentKib,
                "--log-max-mib",
                logMaxMib,
                "at least three segments of --segment-kib " + segmentKib);
        // What the sink may hold consumed but not yet committed: the workers' windows (two batches each), or the
        // naive reader's message window.
        long windows = (naive ? NaiveSink.NAIVE_WINDOW_MESSAGES : (long) workers * 2 * batch) * (size + 42L);
        check(
                windows <= (logMaxMib << 20) / 4,
                "--log-max-mib",
                logMaxMib,
                "at least four times what the "
                        + (naive
                                ? "naive reader's window holds (" + NaiveSink.NAIVE_WINDOW_MESSAGES + " x (--size + 42)"
                                : "workers' windows hold (--workers x 2 x --batch x (--size + 42)")
                        + " = " + windows + " bytes): the "
                        + "cursor commits what the sink consumed only as its credit returns, and the quota must have room "
                        + "beyond that");
        check(maxBackoffS >= 1 && maxBackoffS <= 600, "--max-backoff", maxBackoffS, "1 to 600 seconds");
        check(naiveHeapMib >= 16 && naiveHeapMib <= 4096, "--naive-heap-mib", naiveHeapMib, "16 to 4096");
        check(drainTimeoutS > 0 && drainTimeoutS <= 3600, "drain timeout", drainTimeoutS, "0 < seconds <= 3600");
        if (jdbcUrl != null) {
            try {
                Database.dialect(jdbcUrl);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--jdbc-url: " + e.getMessage(), e);
            }
        }
    }

    PipelineSettings copy() {
        PipelineSettings s = new PipelineSettings();
        s.durationS = durationS;
        s.slowAtS = slowAtS;
        s.slowForS = slowForS;
        s.rate = rate;
        s.clients = clients;
        s.size = size;
        s.tenantRate = tenantRate;
        s.tenantQuota = tenantQuota;
        s.tenantClients = tenantClients;
        s.workers = workers;
        s.batch = batch;
        s.logMaxMib = logMaxMib;
        s.segmentKib = segmentKib;
        s.maxBackoffS = maxBackoffS;
        s.jdbcUrl = jdbcUrl;
        s.naive = naive;
        s.naiveHeapMib = naiveHeapMib;
        s.drainTimeoutS = drainTimeoutS;
        return s;
    }

    private static void check(boolean ok, String name, Object value, String expected) {
        if (!ok) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + expected + ")");
        }
    }
}
