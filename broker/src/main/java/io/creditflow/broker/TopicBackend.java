package io.creditflow.broker;

import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.transport.StreamListener;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Where a broker keeps its topics when they live outside the broker process (for example in Apache Kafka, module
 * {@code broker-kafka}): the broker keeps the transport, authentication, authorization, stream metadata checks,
 * the HTTP edge and shutdown, and hands every accepted producer and consumer stream to the backend, which moves
 * the messages under the streams' credit. Set with {@link BrokerConfig.Builder#topicBackend}; without one, topics
 * are in memory or (with a data dir) in the broker's own log.
 *
 * <p>Why a stream-level seam and not a second {@link io.creditflow.log.TopicLog}: a topic log is one partition
 * with dense offsets, synchronous appends and cursors the broker moves itself; a backend such as Kafka has many
 * partitions, acknowledges asynchronously, and assigns partitions to a consumer group across several brokers. The
 * credit bridge has to follow those (acknowledgement callbacks, rebalances), so the backend owns the links.
 *
 * <p>Contract: the listeners returned must never block the event loop they are called on; whatever the backend
 * holds for a stream must be bounded by that stream's credit and by the broker's {@link Context#budget()}; the
 * backend answers the four questions of docs/boundaries.md for its own queues. Thread-safe.
 */
public interface TopicBackend extends AutoCloseable {
    /** What the broker gives a backend when it starts. */
    interface Context {
        /** The broker's settings. */
        BrokerConfig config();

        /** The broker-wide budget: every message byte the backend holds must be reserved here. */
        MemoryBudget budget();
    }

    /** Creates the backend when the broker starts. */
    @FunctionalInterface
    interface Factory {
        TopicBackend create(Context context);
    }

    /** A producer stream's request, from its metadata (docs/broker-protocol.md section 3.1). */
    record ProducerRequest(String topic, String producerName, long firstSequence, boolean acks) {}

    /**
     * A consumer stream's request. {@code from} is null (latest for a new subscription) or the parsed
     * {@code from} metadata.
     */
    record ConsumerRequest(String topic, String subscription, BrokerProtocol.From from) {}

    /**
     * What an HTTP publish got: accepted with its position, or refused (nothing kept) with the seconds to wait
     * and why.
     */
    record PublishResult(boolean accepted, long position, int retryAfterSeconds, String reason) {
        public static PublishResult accepted(long position) {
            return new PublishResult(true, position, 0, "");
        }

        public static PublishResult refused(int retryAfterSeconds, String reason) {
            return new PublishResult(false, -1, retryAfterSeconds, reason);
        }
    }

    /**
     * The listener for a new producer stream.
     *
     * @throws io.creditflow.transport.StreamRejectedException if the stream is refused (the reason says why)
     */
    StreamListener openProducer(ProducerRequest request);

    /**
     * The listener for a new consumer stream.
     *
     * @throws io.creditflow.transport.StreamRejectedException if the stream is refused (the reason says why)
     */
    StreamListener openConsumer(ConsumerRequest request);

    /**
     * Publishes one message from the HTTP edge without blocking: the stage completes once the backend made the
     * message as durable as its producers' acknowledgements promise (accepted), or at once if it cannot take it
     * now (refused, nothing kept).
     */
    CompletionStage<PublishResult> publish(String topic, byte[] payload);

    /** The backend's own figures, rendered into {@code GET /metrics} with the broker's (a snapshot, any thread). */
    List<BackendMetric> metrics();

    /** Graceful shutdown begins: refuse new work, let what is in flight finish. */
    void startDraining();

    /** True once nothing the backend took is still unacknowledged or undelivered. */
    boolean isDrained();

    /** Closes at once (what was not acknowledged is the producers' to resend). Idempotent. */
    @Override
    void close();
}
