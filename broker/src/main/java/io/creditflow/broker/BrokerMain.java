package io.creditflow.broker;

import java.util.concurrent.TimeUnit;

/**
 * Runs a broker with default settings until SIGTERM / Ctrl-C, then drains within the grace period.
 * Arguments: {@code [port] [httpPort]}. The launcher's {@code ./creditflow broker} offers every option.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        BrokerConfig.Builder b = BrokerConfig.builder();
        if (args.length > 0) {
            b.port(Integer.parseInt(args[0]));
        }
        if (args.length > 1) {
            b.httpPort(Integer.parseInt(args[1]));
        }
        BrokerConfig config = b.build();
        Broker broker = Broker.start(config);
        System.out.println(
                "broker listening on " + config.host() + ":" + broker.port() + ", http " + broker.httpPort());
        System.out.flush();
        Thread main = Thread.currentThread();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("shutting down: draining for up to "
                                    + config.shutdownGrace().toMillis() + " ms");
                            try {
                                broker.shutdown(config.shutdownGrace())
                                        .toCompletableFuture()
                                        .get(config.shutdownGrace().toMillis() + 5000, TimeUnit.MILLISECONDS);
                                System.out.println("drained: "
                                        + (broker.isDrained() ? "nothing left buffered" : "closed with data left"));
                            } catch (Exception e) {
                                System.out.println("shutdown: " + e);
                            }
                            System.out.flush();
                            main.interrupt();
                        },
                        "broker-shutdown"));
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            // shutting down
        }
    }
}
