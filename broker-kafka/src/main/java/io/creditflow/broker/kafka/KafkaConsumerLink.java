package io.creditflow.broker.kafka;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import java.util.concurrent.TimeUnit;

/**
 * A consumer stream of a Kafka-backed broker. Its event-loop callbacks only hand commands to the subscription's
 * consumer thread ({@link KafkaSubscription}), which does all the delivering; anything the consumer sends on the
 * stream is taken and discarded (bounded per callback), so it cannot pin memory. Thread-safe.
 */
final class KafkaConsumerLink implements PullListener {
    final KafkaGateway gateway;
    final String topic;
    final String subscription;
    final BrokerProtocol.From from;
    volatile Stream stream;
    private volatile KafkaSubscription joined;

    KafkaConsumerLink(KafkaGateway gateway, String topic, String subscription, BrokerProtocol.From from) {
        this.gateway = gateway;
        this.topic = topic;
        this.subscription = subscription;
        this.from = from;
    }

    @Override
    public void onOpen(Stream s) {
        this.stream = s;
        joined = gateway.attach(this);
    }

    @Override
    public void onReady(Stream s) {
        KafkaSubscription j = joined;
        if (j != null) {
            j.wake();
        }
    }

    @Override
    public void onReadable(Stream s) {
        for (int i = 0; i < 1024; i++) {
            try (Message m = s.poll(0, TimeUnit.SECONDS)) {
                if (m == null) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        KafkaSubscription j = joined;
        if (j != null) {
            j.removeMember(this);
        }
    }
}
