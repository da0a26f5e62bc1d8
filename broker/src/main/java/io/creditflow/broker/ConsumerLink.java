package io.creditflow.broker;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;

/**
 * A consumer's stream, as the broker sees it: the broker sends on it; it never expects data on it
 * (anything the consumer sends is taken and discarded, so it cannot pin memory). Callbacks run on the
 * connection's event loop and only take the topic's lock.
 */
final class ConsumerLink implements PullListener {
    final TopicEndpoint topic;
    final String subscription;
    /** The policy the consumer asked for, or null: whatever the subscription has (BLOCK for a new one). */
    final SubscriptionPolicy policy;
    /** Where a new durable subscription starts ({@code from} metadata), or null: latest. Ignored in memory. */
    final BrokerProtocol.From from;

    Stream stream;
    long delivered;
    long ignored;
    /** Guarded by the topic's lock. */
    boolean skip;

    boolean evicted;

    ConsumerLink(TopicEndpoint topic, String subscription, SubscriptionPolicy policy) {
        this(topic, subscription, policy, null);
    }

    ConsumerLink(TopicEndpoint topic, String subscription, SubscriptionPolicy policy, BrokerProtocol.From from) {
        this.topic = topic;
        this.subscription = subscription;
        this.policy = policy;
        this.from = from;
    }

    @Override
    public void onOpen(Stream stream) {
        this.stream = stream;
        topic.addConsumer(this);
    }

    @Override
    public void onReady(Stream s) {
        topic.pump();
    }

    @Override
    public void onReadable(Stream s) {
        for (int i = 0; i < 1024; i++) {
            try (var m = s.poll(0, java.util.concurrent.TimeUnit.SECONDS)) {
                if (m == null) {
                    return;
                }
                ignored++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        // A consumer that went away (it closed, cancelled, or its connection was lost) may come back within
        // the subscription's grace; one the broker itself cut off for misbehaving (a write stall, a protocol
        // error) gets no grace: its subscription goes with it if it was the last member.
        boolean mayReturn = status.remote() || status.code() == ErrorCode.CANCEL || status.code() == ErrorCode.NO_ERROR;
        topic.removeConsumer(this, mayReturn);
    }
}
