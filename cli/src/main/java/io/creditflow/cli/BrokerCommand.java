package io.creditflow.cli;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.TopicStats;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the demo broker until Ctrl-C / SIGTERM, then drains within the grace period. */
@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Run the broker; prints each topic once a second; Ctrl-C drains and stops.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "creditflow port (default: ${DEFAULT-VALUE}).")
    int port = 7000;

    @Option(names = "--http-port", description = "HTTP edge port, -1 to disable (default: ${DEFAULT-VALUE}).")
    int httpPort = 8080;

    @Option(names = "--budget-mib", description = "Broker-wide buffer budget in MiB (default: ${DEFAULT-VALUE}).")
    long budgetMib = 64;

    @Option(names = "--topic-buffer-kib", description = "Topic buffer per topic in KiB (default: ${DEFAULT-VALUE}).")
    long topicBufferKib = 1024;

    @Option(names = "--subscription-queue-kib",
            description = "Queue per subscription in KiB (default: ${DEFAULT-VALUE}).")
    long subscriptionQueueKib = 1024;

    @Option(names = "--disconnect-stall-ms",
            description = "DISCONNECT: evict consumers idle this long with messages waiting (default: ${DEFAULT-VALUE}).")
    long disconnectStallMillis = 5000;

    @Option(names = "--http-pause", description = "When a topic is full, pause reading HTTP requests instead of 503.")
    boolean httpPause;

    @Option(names = "--grace-ms", description = "Shutdown drain period (default: ${DEFAULT-VALUE}).")
    long graceMillis = 10_000;

    @Option(names = "--auth-file", paramLabel = "FILE", description = "Tokens, principals and per-topic "
            + "produce/consume permissions (docs/broker.md); clients then need --token. Default: no auth.")
    Path authFile;

    @Override
    public Integer call() {
        BrokerConfig.Builder b = BrokerConfig.builder().host(host).port(port).httpPort(httpPort)
                .budgetBytes(budgetMib << 20).topicBuffer(topicBufferKib << 10, 10_000)
                .subscriptionQueue(subscriptionQueueKib << 10, 10_000)
                .disconnectStall(Duration.ofMillis(disconnectStallMillis)).httpPauseInsteadOfReject(httpPause)
                .shutdownGrace(Duration.ofMillis(graceMillis));
        if (authFile != null) {
            b.authFile(authFile);
        }
        BrokerConfig config = b.build();
        CountDownLatch stopped = new CountDownLatch(1);
        try {
            Broker broker;
            try {
                broker = Broker.start(config);
            } catch (UncheckedIOException | IllegalArgumentException e) {
                System.err.println("broker: cannot start: " + e.getMessage());
                return 2;
            }
            System.out.printf("broker listening on %s:%d, http %s; budget %s; auth %s%n", host, broker.port(),
                    broker.httpPort() < 0 ? "off" : host + ":" + broker.httpPort(), Fmt.bytes(config.budgetBytes()),
                    authFile == null ? "off" : authFile);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.printf("shutting down: draining for up to %d ms%n", graceMillis);
                try {
                    broker.shutdown(Duration.ofMillis(graceMillis)).toCompletableFuture()
                            .get(graceMillis + 5000, TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    System.out.println("shutdown: " + e);
                }
                System.out.println(broker.isDrained() ? "drained: nothing left buffered" : "closed with data left");
                stopped.countDown();
            }, "broker-shutdown"));
            for (int t = 1; !stopped.await(1, TimeUnit.SECONDS); t++) {
                for (TopicStats s : broker.stats()) {
                    StringBuilder subs = new StringBuilder();
                    for (TopicStats.SubscriptionStats sub : s.subscriptions()) {
                        subs.append(String.format(" | %s(%s) q=%,d drop=%,d", sub.name(), sub.policy().label(),
                                sub.depthMessages(), sub.droppedMessages()));
                    }
                    System.out.printf("%4ds %s: published %,d, depth %,d, producers %d%s; buffered %s%n", t, s.name(),
                            s.publishedMessages(), s.depthMessages(), s.producers(), subs,
                            Fmt.bytes(broker.budget().reservedBytes()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
