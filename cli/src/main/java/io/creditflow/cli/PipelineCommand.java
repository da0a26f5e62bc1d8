package io.creditflow.cli;

import io.creditflow.pipeline.Pipeline;
import io.creditflow.pipeline.PipelineSettings;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./creditflow pipeline}: the pipeline of the post, end to end (HTTP load generator -> the broker's HTTP
 * edge -> a durable topic -> a pool of sink workers -> a SQL database whose slow afternoon is a lock held by
 * another connection), a row once a second and a summary; {@code --naive} runs the post's unbounded-queue sink
 * instead, {@code --compare} both. A thin wrapper over {@link Pipeline} (module {@code pipeline/}, docs/pipeline.md).
 */
@Command(
        name = "pipeline",
        mixinStandardHelpOptions = true,
        description = "HTTP -> broker log -> workers -> SQL, with a slow afternoon in the database; watch the "
                + "pressure reach the HTTP clients as 503s, once a second; --naive or --compare for the post's "
                + "unbounded queue.")
final class PipelineCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            defaultValue = "60s",
            converter = DurationConverter.class,
            description = "How long the load runs (then the backlog drains) (default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--slow-at",
            paramLabel = "DURATION",
            defaultValue = "10s",
            converter = DurationConverter.class,
            description = "When another connection takes the lock the inserts need (default: ${DEFAULT-VALUE}).")
    Duration slowAt;

    @Option(
            names = "--slow-for",
            paramLabel = "DURATION",
            defaultValue = "30s",
            converter = DurationConverter.class,
            description = "How long it holds the lock (0: no slow afternoon) (default: ${DEFAULT-VALUE}).")
    Duration slowFor;

    @Option(
            names = "--rate",
            description = "Events per second offered by the HTTP clients, open loop " + "(default: ${DEFAULT-VALUE}).")
    double rate = 2000;

    @Option(
            names = "--clients",
            description = "HTTP clients (threads), each with its share of the rate " + "(default: ${DEFAULT-VALUE}).")
    int clients = 32;

    @Option(
            names = "--size",
            description = "Bytes per event, 8 to " + PipelineSettings.MAX_SIZE
                    + " (the first 8 are its id) (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(
            names = "--tenant-rate",
            description = "Events per second offered, on top of --rate, by the second tenant (principal batch), "
                    + "over its quota; 0 for none (default: ${DEFAULT-VALUE}).")
    double tenantRate = 200;

    @Option(
            names = "--tenant-quota",
            description = "The second tenant's produce quota, messages per second; the edge answers its excess with "
                    + "429 and a computed Retry-After (default: ${DEFAULT-VALUE}).")
    long tenantQuota = 50;

    @Option(names = "--tenant-clients", description = "The second tenant's HTTP clients (default: ${DEFAULT-VALUE}).")
    int tenantClients = 8;

    @Option(names = "--workers", description = "Sink workers (bounded concurrency) (default: ${DEFAULT-VALUE}).")
    int workers = 4;

    @Option(names = "--batch", description = "Rows per JDBC batch and transaction (default: ${DEFAULT-VALUE}).")
    int batch = 100;

    @Option(
            names = "--log-max-mib",
            description = "The topic log's quota on disk, MiB; at the quota the HTTP edge "
                    + "answers 503 with a computed Retry-After (default: ${DEFAULT-VALUE}).")
    long logMaxMib = 8;

    @Option(
            names = "--segment-kib",
            description = "The log's segment size, KiB; whole segments are freed as the "
                    + "cursor passes them (default: ${DEFAULT-VALUE}).")
    int segmentKib = 1024;

    @Option(
            names = "--max-backoff",
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "The longest a client waits after a 503, whatever Retry-After says (default: "
                    + "${DEFAULT-VALUE}).")
    Duration maxBackoff;

    @Option(
            names = "--jdbc-url",
            description = "The database, e.g. jdbc:postgresql://127.0.0.1:5432/creditflow?"
                    + "user=creditflow&password=... (default: embedded H2 in a file in a temporary folder). The tables "
                    + "events, events_naive and sink_progress are dropped and created.")
    String jdbcUrl;

    @Option(
            names = "--naive",
            description = "The post's sink instead: an unbounded in-memory queue between reader "
                    + "and writers, in a child JVM with a small heap, restarted when it dies.")
    boolean naive;

    @Option(names = "--naive-heap-mib", description = "The naive child's -Xmx, MiB (default: ${DEFAULT-VALUE}).")
    int naiveHeapMib = 32;

    @Option(
            names = "--compare",
            description = "Run the bounded pipeline, then the naive one, and print both " + "summaries side by side.")
    boolean compare;

    @Option(
            names = "--json",
            description = "Print the summary (with --compare both, as {\"bounded\":...,"
                    + "\"naive\":...}) as one JSON object on stdout; the rows go to stderr.")
    boolean json;

    @Override
    public void run() {
        PipelineSettings s = new PipelineSettings();
        s.durationS = seconds(duration);
        s.slowAtS = seconds(slowAt);
        s.slowForS = seconds(slowFor);
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
        s.maxBackoffS = seconds(maxBackoff);
        s.jdbcUrl = jdbcUrl;
        s.naive = naive;
        s.naiveHeapMib = naiveHeapMib;
        if (compare && naive) {
            throw Usage.error(spec, "--naive", "with --compare (expected: one of them; --compare runs both)");
        }
        try {
            s.validate();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            int colon = m.indexOf(':');
            throw Usage.error(
                    spec, colon > 0 ? m.substring(0, colon) : "pipeline", colon > 0 ? m.substring(colon + 2) : m);
        }
        PrintStream table = json ? System.err : System.out;
        try {
            if (compare) {
                Map<String, Object> both = Pipeline.compare(s, table);
                if (!json) {
                    table.println();
                    table.print(Pipeline.sideBySide(both));
                }
                System.out.println(Pipeline.json(both));
            } else {
                Map<String, Object> one = Pipeline.run(s, table);
                System.out.println(Pipeline.json(one));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            throw new IllegalStateException("pipeline failed: " + e, e);
        }
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
