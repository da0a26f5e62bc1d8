package io.creditflow.broker.kafka;

import io.creditflow.broker.Broker;
import java.time.Duration;

/**
 * A gateway in a child JVM, for the crash test: {@code BOOTSTRAP}; prints {@code @PORT n} once it listens, then
 * runs until its stdin closes (or it is killed).
 */
public final class GatewayChildMain {
    private GatewayChildMain() {}

    public static void main(String[] args) throws Exception {
        Broker b = Gateways.start(args[0], k -> k.sessionTimeout(Duration.ofSeconds(6)), c -> c.httpPort(-1));
        System.out.println("@PORT " + b.port());
        System.out.flush();
        while (System.in.read() >= 0) {
            // until stdin closes
        }
        b.close();
        System.exit(0);
    }
}
