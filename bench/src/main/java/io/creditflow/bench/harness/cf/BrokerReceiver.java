package io.creditflow.bench.harness.cf;

import io.creditflow.bench.harness.Receiver;
import io.creditflow.bench.harness.RunContext;
import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.TopicStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * S8's receiving side: the demo {@link Broker} with its default configuration (64 MiB budget, 1 MiB
 * topic buffer and subscription queues), HTTP edge off. Its held bytes are the broker budget's
 * reservation: every message byte in topic buffers and subscription queues.
 */
public final class BrokerReceiver implements Receiver {
    static final String TOPIC = "bench";
    private Broker broker;

    @Override
    public int start(RunContext ctx) throws Exception {
        broker = Broker.start(BrokerConfig.builder().host("127.0.0.1").port(0).httpPort(-1).build());
        return broker.port();
    }

    /** Producers plus consumers attached to the topic. */
    @Override
    public int accepted() {
        int n = 0;
        for (TopicStats t : broker.stats()) {
            n += t.producers();
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                n += s.consumers();
            }
        }
        return n;
    }

    @Override
    public void consumeOne(int stream) {
        // consumers live in the sending JVM
    }

    @Override
    public long heldBytes() {
        return broker.budget().reservedBytes();
    }

    @Override
    public Map<String, Object> figures() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("transport", io.netty.channel.epoll.Epoll.isAvailable() ? "epoll" : "nio");
        m.put("broker_budget_bytes", broker.budget().limitBytes());
        m.put("broker_budget_peak_since_start_bytes", broker.budget().peakReservedBytes());
        long dropped = 0;
        long evictions = 0;
        for (TopicStats t : broker.stats()) {
            evictions += t.evictions();
            for (TopicStats.SubscriptionStats s : t.subscriptions()) {
                dropped += s.droppedMessages();
            }
        }
        m.put("broker_dropped_msgs", dropped);
        m.put("broker_evictions", evictions);
        return m;
    }

    @Override
    public void close() {
        if (broker != null) {
            broker.close();
        }
    }
}
