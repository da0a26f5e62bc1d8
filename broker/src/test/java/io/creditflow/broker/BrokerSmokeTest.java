package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BrokerSmokeTest {
    @Test
    void producerToTwoConsumers() throws Exception {
        try (Broker broker = Broker.start(BrokerConfig.builder().port(0).httpPort(0).build());
             Client client = Client.builder().build()) {
            Connection c = client.connect("127.0.0.1", broker.port());
            Stream fast = c.openStream(StreamOptions.builder().metadata("role", "consume").metadata("topic", "t")
                    .metadata("subscription", "fast").build());
            Stream slow = c.openStream(StreamOptions.builder().metadata("role", "consume").metadata("topic", "t")
                    .metadata("subscription", "slow").metadata("policy", "block").build());
            Stream producer = c.openStream(StreamOptions.builder().metadata("role", "produce").metadata("topic", "t").build());
            AtomicLong produced = new AtomicLong();
            Thread p = new Thread(() -> {
                try {
                    for (int i = 0; i < 20000; i++) {
                        producer.send(new byte[100], 5, TimeUnit.SECONDS);
                        produced.incrementAndGet();
                    }
                } catch (Exception e) {
                    // stops when blocked long
                }
            });
            p.start();
            long fastCount = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < deadline) {
                try (Message m = fast.poll(100, TimeUnit.MILLISECONDS)) {
                    if (m != null) {
                        assertThat(BrokerProtocol.sequence(m.payload())).isEqualTo(fastCount);
                        fastCount++;
                    }
                }
            }
            System.out.println("produced " + produced.get() + " fast " + fastCount + " stats " + broker.stats());
            System.out.println(broker.metrics());
            assertThat(fastCount).isPositive();
            p.interrupt();
        }
    }
}
