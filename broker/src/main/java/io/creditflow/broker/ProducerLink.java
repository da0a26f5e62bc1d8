package io.creditflow.broker;

import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;

/**
 * A producer's stream, received in pull mode: the topic takes a message from it only when the topic
 * (and the broker budget) has room for it. Until then the message stays in the stream's receive
 * window, the window runs out, and the producer's {@code send} blocks: this is where the pressure
 * reaches the producer. Callbacks run on the connection's event loop and only take the topic's lock.
 */
final class ProducerLink implements PullListener {
    final TopicEndpoint topic;
    Stream stream;
    long published;

    ProducerLink(TopicEndpoint topic) {
        this.topic = topic;
    }

    @Override
    public void onOpen(Stream stream) {
        this.stream = stream;
        topic.addProducer(this);
    }

    @Override
    public void onReadable(Stream s) {
        topic.onProducerReadable(this);
    }

    @Override
    public void onHalfClose(Stream s) {
        s.halfClose(); // nothing to send back: end our direction too so the stream can close
    }

    @Override
    public void onClose(Stream s, CloseStatus status) {
        topic.removeProducer(this);
    }
}
