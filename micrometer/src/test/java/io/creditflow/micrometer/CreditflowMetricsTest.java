package io.creditflow.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.server.Server;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The meters show what the stats say, on a real loopback connection, and go away with what they measure. */
class CreditflowMetricsTest {
    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5); // polling a condition with a bounded deadline
        }
    }

    @Test
    void budgetGaugesFollowReservations() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MemoryBudget budget = MemoryBudget.ofBytes(1000);
        CreditflowMetrics.Binding b = CreditflowMetrics.bindBudget(budget, registry, Tags.of("side", "test"));
        assertThat(budget.tryReserve(300)).isEqualTo(300);
        assertThat(registry.get("creditflow.budget.reserved")
                        .tag("side", "test")
                        .gauge()
                        .value())
                .isEqualTo(300);
        assertThat(registry.get("creditflow.budget.limit").gauge().value()).isEqualTo(1000);
        budget.release(300);
        assertThat(registry.get("creditflow.budget.reserved").gauge().value()).isZero();
        assertThat(registry.get("creditflow.budget.peak.reserved").gauge().value())
                .isEqualTo(300);
        b.close();
        assertThat(registry.find("creditflow.budget.reserved").gauge()).isNull();
    }

    @Test
    void streamAndConnectionMetersCountWhatMovedAndLeaveWithTheirObjects() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicLong received = new AtomicLong();
        try (Server server = Server.builder()
                        .port(0)
                        .streamHandler(s -> new StreamListener() {
                            @Override
                            public void onOpen(Stream stream) {
                                stream.request(100);
                            }

                            @Override
                            public void onMessage(Stream stream, Message m) {
                                received.incrementAndGet();
                            }
                        })
                        .build()
                        .start();
                Client client = Client.builder().build()) {
            Connection connection = client.connect("127.0.0.1", server.port());
            CreditflowMetrics.bindConnection(connection, registry, Tags.of("peer", "server"));
            Stream stream = connection.openStream(StreamOptions.defaults());
            CreditflowMetrics.bindStream(stream, registry, Tags.empty());
            for (int i = 0; i < 10; i++) {
                stream.send(new byte[100], 5, TimeUnit.SECONDS);
            }
            await("10 messages delivered", () -> received.get() == 10);
            await(
                    "the stream's counters",
                    () -> registry.get("creditflow.stream.sent.messages")
                                    .functionCounter()
                                    .count()
                            == 10);
            assertThat(registry.get("creditflow.stream.sent")
                            .tag("stream", Integer.toString(stream.id()))
                            .functionCounter()
                            .count())
                    .isEqualTo(1000);
            assertThat(registry.get("creditflow.stream.send.queued").gauge().value())
                    .isZero();
            assertThat(registry.get("creditflow.connection.sent")
                            .tag("peer", "server")
                            .functionCounter()
                            .count())
                    .isEqualTo(connection.stats().sentBytes())
                    .isGreaterThanOrEqualTo(1000);
            assertThat(registry.find("creditflow.connection.stalled").functionCounters())
                    .as("one per stall reason")
                    .hasSize(io.creditflow.proto.core.StallReason.values().length);

            stream.cancel("done");
            await(
                    "the stream's meters removed",
                    () -> registry.find("creditflow.stream.sent").meters().isEmpty());
            assertThat(registry.find("creditflow.connection.sent").meters())
                    .as("the connection is still up")
                    .hasSize(1);
            connection.close();
            connection.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            await(
                    "the connection's meters removed",
                    () -> registry.find("creditflow.connection.sent").meters().isEmpty());
        }
    }
}
