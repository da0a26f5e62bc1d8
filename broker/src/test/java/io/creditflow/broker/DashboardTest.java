package io.creditflow.broker;

import static io.creditflow.broker.TestClients.awaitMembers;
import static io.creditflow.broker.TestClients.consume;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.client.Client;
import io.creditflow.testing.Await;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.Connection;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The dashboard without a browser: the page, its event stream (history first, then one event a second), the
 * embedder's boxes on the page and in /metrics, the bound on live connections, a slow browser closed rather than
 * buffered for, stall reasons derived from the snapshot, and the five-minute rings.
 */
@ExtendWith(LeakCheck.class)
class DashboardTest {

    /** A raw HTTP/1.1 connection that reads lines with a 5 s timeout (every read is bounded). */
    private static final class RawHttp implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;

        RawHttp(int port, String path) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        }

        String statusLine() throws IOException {
            return in.readLine();
        }

        /** The next line starting with {@code prefix}, within {@code maxLines} lines. */
        String lineStarting(String prefix, int maxLines) throws IOException {
            for (int i = 0; i < maxLines; i++) {
                String l = in.readLine();
                if (l == null) {
                    throw new AssertionError("connection closed before a line starting with " + prefix);
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
            throw new AssertionError("no line starting with " + prefix + " within " + maxLines + " lines");
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void thePageStreamsTheChainWithTheEmbeddersBoxes() throws Exception {
        BrokerConfig config = BrokerConfig.builder().port(0).httpPort(0).build();
        AtomicLong rows = new AtomicLong();
        DashboardSource pipeline = () -> List.of(
                DashboardBox.builder("workers", "workers", "sink workers")
                        .depth(3, 4, "busy")
                        .total(rows.get())
                        .stalled("database lock")
                        .build(),
                DashboardBox.builder("database", "database", "database")
                        .depth(0, 0, "rows")
                        .total(rows.get())
                        .detail("H2")
                        .build());
        try (Broker broker = Broker.start(config);
                Client consumers = TestClients.smallWindowClient()) {
            broker.addDashboardSource(pipeline);
            Connection cc = consumers.connect("127.0.0.1", broker.port());
            cc.openStream(consume("t", "stuck", "block"));
            awaitMembers(broker, "t", "stuck", 1);
            try (RawHttp page = new RawHttp(broker.httpPort(), "/")) {
                assertThat(page.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                assertThat(page.lineStarting("content-type", 20)).contains("text/html");
                page.lineStarting("const source = new EventSource(\"events\"", 400);
            }
            try (RawHttp events = new RawHttp(broker.httpPort(), "/events")) {
                assertThat(events.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                assertThat(events.lineStarting("content-type", 20)).contains("text/event-stream");
                events.lineStarting("event: history", 50);
                String history = events.lineStarting("data: ", 5);
                assertThat(history).contains("\"boxes\":[");
                rows.set(500);
                // The next events (one a second, no event name): the broker's boxes, then the embedder's.
                String live = "";
                for (int i = 0; i < 5 && !live.contains("\"id\":\"database\""); i++) {
                    live = events.lineStarting("data: ", 50);
                }
                assertThat(live)
                        .contains("\"id\":\"http\"")
                        .contains("\"id\":\"topic:t\"")
                        .contains("\"id\":\"sub:t/stuck\"")
                        .contains("\"id\":\"workers\"")
                        .contains("\"stall\":\"database lock\"")
                        .contains("\"state\":\"stalled\"")
                        .doesNotContain("\"hd\":");
                assertThat(live.indexOf("\"id\":\"sub:t/stuck\"")).isLessThan(live.indexOf("\"id\":\"workers\""));
                assertThat(broker.snapshot().http().dashboardClients()).isEqualTo(1);
            }
            // The same boxes in /metrics, from the same snapshot.
            String metrics = broker.metrics();
            assertThat(PrometheusText.value(metrics, "creditflow_box_depth", "box", "workers", "unit", "busy"))
                    .isEqualTo(3);
            assertThat(PrometheusText.value(metrics, "creditflow_box_bound", "box", "workers", "unit", "busy"))
                    .isEqualTo(4);
            assertThat(PrometheusText.value(metrics, "creditflow_box_total", "box", "database"))
                    .isEqualTo(500);
            assertThat(PrometheusText.value(
                            metrics,
                            "creditflow_box_stalled",
                            "box",
                            "workers",
                            "reason",
                            "database lock",
                            "state",
                            "stalled"))
                    .isEqualTo(1);
            assertThat(broker.removeDashboardSource(pipeline)).isTrue();
            assertThat(broker.metrics()).doesNotContain("creditflow_box_depth");
        }
    }

    @Test
    void withAnAuthFileTheDashboardTakesTheTokenInItsQuery(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path auth = dir.resolve("auth");
        java.nio.file.Files.writeString(auth, "token s3cret principal ops\n");
        BrokerConfig config =
                BrokerConfig.builder().port(0).httpPort(0).authFile(auth).build();
        try (Broker broker = Broker.start(config)) {
            try (RawHttp none = new RawHttp(broker.httpPort(), "/events")) {
                assertThat(none.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
            }
            try (RawHttp wrong = new RawHttp(broker.httpPort(), "/?token=nope")) {
                assertThat(wrong.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
            }
            try (RawHttp page = new RawHttp(broker.httpPort(), "/?token=s3cret")) {
                assertThat(page.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            }
            try (RawHttp events = new RawHttp(broker.httpPort(), "/events?token=s3cret")) {
                assertThat(events.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                events.lineStarting("event: history", 50);
            }
            // Only the dashboard takes it from the query: /metrics wants the header.
            try (RawHttp metrics = new RawHttp(broker.httpPort(), "/metrics?token=s3cret")) {
                assertThat(metrics.statusLine()).isEqualTo("HTTP/1.1 401 Unauthorized");
            }
        }
    }

    @Test
    void liveConnectionsAreBounded() throws Exception {
        BrokerConfig config = BrokerConfig.builder()
                .port(0)
                .httpPort(0)
                .dashboardMaxClients(2)
                .build();
        try (Broker broker = Broker.start(config);
                RawHttp b = new RawHttp(broker.httpPort(), "/events")) {
            assertThat(b.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            try (RawHttp a = new RawHttp(broker.httpPort(), "/events")) {
                assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 OK");
                try (RawHttp c = new RawHttp(broker.httpPort(), "/events")) {
                    assertThat(c.statusLine()).isEqualTo("HTTP/1.1 503 Service Unavailable");
                    assertThat(c.lineStarting("retry-after", 20)).isEqualTo("retry-after: 5");
                }
            }
            Await.until(
                    "the closed connection leaves the dashboard",
                    Duration.ofSeconds(5),
                    () -> broker.snapshot().http().dashboardClients() == 1);
            try (RawHttp d = new RawHttp(broker.httpPort(), "/events")) {
                assertThat(d.statusLine()).isEqualTo("HTTP/1.1 200 OK");
            }
        }
    }

    @Test
    void aBrowserThatDoesNotReadIsClosedNotBufferedFor() {
        SseClients clients = new SseClients(4);
        EmbeddedChannel fast = new EmbeddedChannel();
        EmbeddedChannel slow = new EmbeddedChannel();
        clients.add(fast, "event: history\ndata: {}\n\n");
        clients.add(slow, "event: history\ndata: {}\n\n");
        assertThat(clients.size()).isEqualTo(2);
        release(fast);
        release(slow);
        // The slow one's buffer is over its high watermark: Netty says unwritable.
        slow.unsafe().outboundBuffer().setUserDefinedWritability(1, false);
        assertThat(slow.isWritable()).isFalse();
        clients.broadcast("data: {\"t\":1}\n\n");
        assertThat(slow.isOpen()).isFalse();
        assertThat(clients.closedSlow()).isEqualTo(1);
        assertThat(clients.size()).isEqualTo(1);
        assertThat(release(fast)).isEqualTo(List.of("data: {\"t\":1}\n\n"));
        fast.finishAndReleaseAll();
        slow.finishAndReleaseAll();
    }

    /** The event texts written to {@code ch}, released. */
    private static List<String> release(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = ((HttpContent) o).content();
            out.add(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return out;
    }

    private static TopicStats topic(
            String name, long published, long rejects, long topicFullNanos, TopicStats.SubscriptionStats... subs) {
        return new TopicStats(
                name,
                1,
                10,
                4096,
                published,
                published * 100,
                published,
                0,
                0,
                0,
                rejects,
                0,
                topicFullNanos,
                0,
                0,
                0,
                0,
                0,
                0,
                0,
                List.of(subs));
    }

    private static TopicStats.SubscriptionStats sub(String name, long depth, long delivered, long noCreditNanos) {
        return new TopicStats.SubscriptionStats(
                name, SubscriptionPolicy.BLOCK, 1, depth, depth * 100, 0, delivered, 0, noCreditNanos, 0);
    }

    private static BrokerSnapshot snapshot(
            long nanos, List<TopicStats> topics, BrokerSnapshot.Http http, List<DashboardBox> extra) {
        return new BrokerSnapshot(nanos, 0, 0, 1 << 20, 0, 0, 0, topics, List.of(), List.of(), http, extra, List.of());
    }

    @Test
    void stallReasonsAndRatesComeFromTheSnapshotsCounters() {
        BrokerConfig config = BrokerConfig.builder().build();
        long second = 1_000_000_000L;
        BrokerSnapshot.Http h0 = new BrokerSnapshot.Http(100, 0, 0, 3, 0, 0);
        BrokerSnapshot.Http h1 = new BrokerSnapshot.Http(150, 7, 0, 3, 0, 0);
        BrokerSnapshot s0 = snapshot(0, List.of(topic("t", 1000, 0, 0, sub("slow", 5, 900, 0))), h0, List.of());
        // One second later: the topic was full for 0.8 s, the subscription waited for credit 0.9 s, 503s happened.
        BrokerSnapshot s1 = snapshot(
                second, List.of(topic("t", 1200, 0, 800_000_000L, sub("slow", 9, 1000, 900_000_000L))), h1, List.of());
        Dashboard d = new Dashboard(null, config);
        d.update(s0, 0);
        d.update(s1, 1000);
        List<Dashboard.Row> rows = d.rows();
        assertThat(rows).extracting(r -> r.box().id()).containsExactly("http", "topic:t", "sub:t/slow");
        Dashboard.Row http = rows.get(0);
        assertThat(http.box().state()).isEqualTo(DashboardBox.State.REJECTING);
        assertThat(http.box().stallReason()).isEqualTo("topic full (503)");
        assertThat(http.rate()).isEqualTo(50);
        Dashboard.Row topic = rows.get(1);
        assertThat(topic.box().state()).isEqualTo(DashboardBox.State.STALLED);
        assertThat(topic.box().stallReason()).isEqualTo("topic full");
        assertThat(topic.box().bound()).isEqualTo(config.topicBufferBytes());
        assertThat(topic.rate()).isEqualTo(200);
        Dashboard.Row sub = rows.get(2);
        assertThat(sub.box().state()).isEqualTo(DashboardBox.State.STALLED);
        assertThat(sub.box().stallReason()).isEqualTo("no consumer credit");
        assertThat(sub.box().depth()).isEqualTo(900);
        assertThat(sub.rate()).isEqualTo(100);
        // A second with little stalling: moving again.
        BrokerSnapshot s2 = snapshot(
                2 * second,
                List.of(topic("t", 1400, 0, 900_000_000L, sub("slow", 2, 1200, 1_000_000_000L))),
                h1,
                List.of());
        d.update(s2, 2000);
        assertThat(d.rows()).allMatch(r -> r.box().state() == DashboardBox.State.OK);
    }

    @Test
    void aDurableSubscriptionWhoseConsumersHoldAllTheirMessagesIsStalledForCredit() {
        BrokerConfig config = BrokerConfig.builder().build();
        // Records waiting, byte credit left, but every member's message window full (as the pipeline's workers
        // holding their batches while the database makes them wait).
        Dashboard d = new Dashboard(null, config);
        d.update(durable(0, 3_000_000, 0), 0);
        assertThat(d.rows().get(1).box().id()).isEqualTo("sub:events/sink");
        assertThat(d.rows().get(1).box().state()).isEqualTo(DashboardBox.State.STALLED);
        assertThat(d.rows().get(1).box().stallReason()).isEqualTo("no consumer credit");
        // Message credit back: moving.
        d.update(durable(1_000_000_000L, 3_000_000, 50), 1000);
        assertThat(d.rows().get(1).box().state()).isEqualTo(DashboardBox.State.OK);
    }

    /** A durable topic {@code events} whose subscription {@code sink} has 1,700 records waiting. */
    private static BrokerSnapshot durable(long nanos, long creditBytes, long creditMessages) {
        TopicStats.SubscriptionStats sub = new TopicStats.SubscriptionStats(
                "sink", SubscriptionPolicy.LOG, 4, 1700, 1700 * 1024, creditBytes, 5000, 0, 0, 0);
        LogTopicStats log = new LogTopicStats(
                "events",
                2 << 20,
                2 << 20,
                2 << 20,
                0,
                0,
                6700,
                6700,
                "none",
                "",
                java.util.Map.of(),
                java.util.Map.of(),
                0,
                0,
                0,
                0,
                0,
                0,
                List.of(new LogTopicStats.CursorStats("sink", 4, 5000, 5000, 1700, 0, 0, creditMessages)));
        return new BrokerSnapshot(
                nanos,
                0,
                0,
                1 << 20,
                0,
                0,
                0,
                List.of(topic("events", 6700, 0, 0, sub)),
                List.of(log),
                List.of(),
                null,
                List.of(),
                List.of());
    }

    @Test
    void sparklinesKeepFiveMinutesAndBoxesAreBounded() {
        BrokerConfig config = BrokerConfig.builder().dashboardMaxBoxes(3).build();
        Dashboard d = new Dashboard(null, config);
        for (int i = 0; i < 400; i++) {
            List<DashboardBox> extra = new ArrayList<>();
            for (int b = 0; b < 5; b++) {
                extra.add(DashboardBox.builder("b" + b, "x", "box " + b)
                        .depth(i, 1000, "rows")
                        .total(i * 10L)
                        .build());
            }
            d.update(snapshot(i * 1_000_000_000L, List.of(), null, extra), i * 1000L);
        }
        assertThat(d.rows()).extracting(r -> r.box().id()).containsExactly("b0", "b1", "b2");
        assertThat(d.rows().get(0).rate()).isEqualTo(10);
        String history = d.historyEvent();
        assertThat(history).startsWith("event: history\ndata: {\"t\":399000,\"omitted\":2,");
        String hd =
                history.substring(history.indexOf("\"hd\":[") + 6, history.indexOf(']', history.indexOf("\"hd\":[")));
        String[] depths = hd.split(",");
        assertThat(depths).hasSize(Dashboard.SAMPLES);
        assertThat(depths[0]).isEqualTo("100");
        assertThat(depths[Dashboard.SAMPLES - 1]).isEqualTo("399");
        // A box that goes away takes its ring with it.
        d.update(snapshot(400_000_000_000L, List.of(), null, List.of()), 400_000L);
        assertThat(d.rows()).isEmpty();
        assertThat(d.historyEvent()).contains("\"boxes\":[]");
    }

    @Test
    void titlesCannotBreakOutOfTheirJsonString() {
        Dashboard d = new Dashboard(null, BrokerConfig.builder().build());
        d.update(
                snapshot(
                        0,
                        List.of(),
                        null,
                        List.of(DashboardBox.builder("x", "s", "a\"b</script>\n")
                                .build())),
                0);
        assertThat(d.historyEvent()).contains("\"title\":\"a\\\"b\\u003c/script>\\u000a\"");
    }

    @Test
    void anEmptyReasonLeavesTheBoxMoving() {
        assertThat(DashboardBox.builder("w", "workers", "w").stalled("").build().state())
                .isEqualTo(DashboardBox.State.OK);
        assertThat(DashboardBox.builder("w", "workers", "w")
                        .rejecting(null)
                        .build()
                        .state())
                .isEqualTo(DashboardBox.State.OK);
        DashboardBox b = DashboardBox.builder("w", "workers", "w")
                .stalled("database lock")
                .build();
        assertThat(b.state()).isEqualTo(DashboardBox.State.STALLED);
        assertThat(b.stallReason()).isEqualTo("database lock");
    }
}
