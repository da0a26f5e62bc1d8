package io.creditflow.broker;

/**
 * What producer and consumer streams attach to: an in-memory {@link Topic} or a durable {@link LogTopic}.
 * Thread-safe: implementations take their topic's lock; the links call these from their event loops.
 */
interface TopicEndpoint {
    /** The topic's name. */
    String name();

    void addProducer(ProducerLink p);

    void removeProducer(ProducerLink p);

    /** A producer stream has a message waiting. */
    void onProducerReadable(ProducerLink p);

    /**
     * A consumer joins its subscription.
     *
     * @throws io.creditflow.transport.StreamRejectedException if it may not (the reason says why)
     */
    void addConsumer(ConsumerLink c);

    /** A consumer left; {@code mayReturn} false if the broker cut it off itself. */
    void removeConsumer(ConsumerLink c, boolean mayReturn);

    /** Moves messages as far as room and credit allow (a consumer became ready, or catch-up). */
    void pump();
}
