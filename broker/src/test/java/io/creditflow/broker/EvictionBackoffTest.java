package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamRejectedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * DISCONNECT without a thrash loop: the name of an evicted subscription is held back for a backoff that
 * doubles with each eviction in a row, consumers that come back meanwhile are told how long to wait, and
 * the refusals are counted.
 */
@ExtendWith(LeakCheck.class)
class EvictionBackoffTest {
    static final long S = TimeUnit.SECONDS.toNanos(1);

    static StreamRejectedException refusal(EvictionBackoff b, String name, long now) {
        try {
            b.checkRejoin(name, now);
        } catch (StreamRejectedException e) {
            return e;
        }
        return null;
    }

    @Test
    void theHoldDoublesWithEachEvictionInARowUpToItsMaximum() {
        EvictionBackoff b = new EvictionBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4));
        long t = 100 * S;
        assertThatCode(() -> b.checkRejoin("s", t)).as("never evicted").doesNotThrowAnyException();
        b.onEvicted("s", t);
        StreamRejectedException e = refusal(b, "s", t + S / 2);
        assertThat(e).isNotNull();
        assertThat(e.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
        assertThat(e.getMessage()).endsWith("retry-after-ms=500");
        assertThat(refusal(b, "s", t + S + 1)).as("after 1 s").isNull();
        assertThat(refusal(b, "other", t + S / 2))
                .as("other names are not held")
                .isNull();
        b.onEvicted("s", t + 2 * S);
        assertThat(refusal(b, "s", t + 2 * S + 2 * S - 1))
                .as("second in a row: 2 s")
                .isNotNull();
        assertThat(refusal(b, "s", t + 4 * S + 1)).isNull();
        b.onEvicted("s", t + 5 * S);
        b.onEvicted("s", t + 6 * S);
        assertThat(refusal(b, "s", t + 6 * S + 4 * S - 1).getMessage())
                .as("capped at 4 s")
                .contains("4 evictions in a row")
                .endsWith("retry-after-ms=1");
        assertThat(refusal(b, "s", t + 10 * S + 1)).isNull();
        assertThat(b.refusedRejoins()).isEqualTo(3);
    }

    @Test
    void aQuietMinuteStartsAgainAtTheInitialHoldAndPruningForgetsTheName() {
        EvictionBackoff b = new EvictionBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        long t = 0;
        b.onEvicted("s", t);
        b.onEvicted("s", t + 2 * S);
        long later = t + 2 * S + EvictionBackoff.WINDOW_NANOS + 1;
        b.onEvicted("s", later);
        assertThat(refusal(b, "s", later + S - 1)).isNotNull();
        assertThat(refusal(b, "s", later + S + 1))
                .as("the run started again: 1 s")
                .isNull();
        b.prune(later + EvictionBackoff.WINDOW_NANOS + 1);
        assertThat(refusal(b, "s", later + EvictionBackoff.WINDOW_NANOS + 1)).isNull();
    }

    @Test
    void theNamesRememberedAreBounded() {
        EvictionBackoff b = new EvictionBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30));
        for (int i = 0; i <= EvictionBackoff.MAX_ENTRIES; i++) {
            b.onEvicted("s" + i, i);
        }
        assertThat(refusal(b, "s0", EvictionBackoff.MAX_ENTRIES + 1))
                .as("the oldest was forgotten")
                .isNull();
        assertThat(refusal(b, "s1", EvictionBackoff.MAX_ENTRIES + 1)).isNotNull();
    }

    @Test
    void aConsumerThatResubscribesAtOnceAfterItsEvictionIsToldToWaitAndCounted() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .subscriptionQueue(300 * 1024, 1000)
                .topicBuffer(300 * 1024, 1000)
                .maxMessageBytes(1024)
                .evictionBackoff(Duration.ofMillis(300), Duration.ofSeconds(5))
                .build();
        try (Broker broker = Broker.start(config);
                Client client = TestClients.smallWindowClient()) {
            Connection c = client.connect("127.0.0.1", broker.port());
            Stream stuck = c.openStream(consume("t", "d", "disconnect")); // never reads
            awaitMembers(broker, "t", "d", 1);
            // More than the consumer's window and the queue's 1000 messages: the queue overflows.
            for (int i = 0; i < 2000; i++) {
                broker.publish("t", new byte[100]);
            }
            CloseStatus evicted = stuck.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            assertThat(evicted.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
            Stream again = c.openStream(consume("t", "d", "disconnect"));
            CloseStatus refused = again.closeFuture().toCompletableFuture().get(10, TimeUnit.SECONDS);
            long refusedAt = System.nanoTime();
            assertThat(refused.code()).isEqualTo(ErrorCode.SLOW_CONSUMER);
            assertThat(refused.reason()).contains("was evicted").contains("retry-after-ms=");
            TopicStats t = TestClients.topic(broker, "t").orElseThrow();
            assertThat(t.evictions()).isEqualTo(1);
            assertThat(t.refusedRejoins()).isEqualTo(1);
            assertThat(PrometheusText.value(broker.metrics(), "creditflow_topic_rejoins_refused_total", "topic", "t"))
                    .isEqualTo(1);
            // After the hold it may join, with a clean slate.
            long retryAfterMs = Long.parseLong(refused.reason().replaceAll(".*retry-after-ms=", ""));
            assertThat(retryAfterMs).isBetween(1L, 300L);
            Await.until(
                    "the advertised hold to pass",
                    Duration.ofSeconds(5),
                    () -> System.nanoTime() - refusedAt > TimeUnit.MILLISECONDS.toNanos(retryAfterMs));
            Stream later = c.openStream(consume("t", "d", "disconnect"));
            awaitMembers(broker, "t", "d", 1);
            assertThat(later.closeFuture().toCompletableFuture().isDone()).isFalse();
        }
    }
}
