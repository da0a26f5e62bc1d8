package io.creditflow.broker.kafka;

import io.creditflow.broker.BackendMetric;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.TopicBackend;
import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamRejectedException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The broker as a stateless credit gateway over Apache Kafka: a {@link TopicBackend} whose topics are Kafka topics,
 * whose subscriptions are Kafka consumer groups and whose positions are Kafka's committed offsets. Any number of
 * gateways in front of one cluster are interchangeable; a gateway keeps nothing Kafka does not also keep.
 *
 * <pre>
 * producer stream --poll (message kept open)--> KafkaProducer.send --acks=all--> Kafka
 *     ^ credit returns when the message is closed: in the acknowledgement callback
 * Kafka --poll (paused without credit)--> [read-ahead, bounded] --offer while credit--> consumer streams
 *     ^ offsets committed only for what the consumers consumed (their returned credit says so)
 * </pre>
 *
 * <p>The four questions, producer side: <b>bound</b> per stream its receive window (messages are taken from the
 * stream and stay unconsumed until Kafka acknowledged them, so at most one window per stream is unacknowledged),
 * and over the gateway the broker budget, which every record in flight to Kafka reserves and which sizes the Kafka
 * producer's {@code buffer.memory} (so Kafka's buffer never fills first); <b>when full</b> the gateway takes no
 * more from the stream (its credit stops, the producer's send waits) and the HTTP edge answers 503; <b>pressure</b>
 * reaches the producers' credit; <b>observed</b> {@link KafkaGatewayStats} (held reason, records and bytes in
 * flight, oldest unacknowledged age) and {@code creditflow_kafka_*} metrics. {@code max.block.ms} is 0, so {@code
 * send} never waits on an event loop: a send that would wait (no metadata yet, buffer exhausted) fails at once and
 * the record is sent again from the gateway's timer.
 *
 * <p>Consumer side: see {@link KafkaSubscription}.
 *
 * <p>Thread-safe. Producer streams are served on their event loops and on the gateway's timer thread; each
 * subscription has its own consumer thread.
 */
public final class KafkaGateway implements TopicBackend {
    private static final System.Logger LOG = System.getLogger(KafkaGateway.class.getName());
    /** Bytes reserved per record on top of its payload: Kafka's record overhead plus the key (a 16-byte id). */
    static final int RECORD_OVERHEAD_BYTES = 96;
    /**
     * Head room in {@code buffer.memory} beyond the broker budget: Kafka's pool hands out whole {@code batch.size}
     * buffers, one open batch per partition in use, so a few small records take a batch each.
     */
    static final long BUFFER_HEADROOM_BYTES = 8L * 1024 * 1024;

    private static final long TICK_MILLIS = 50;

    /** Why the gateway's producers are held, if they are. */
    enum Hold {
        NONE,
        KAFKA_UNACKNOWLEDGED,
        KAFKA_UNAVAILABLE,
        BUDGET_EXHAUSTED,
        DRAINING
    }

    final KafkaGatewayConfig config;
    final BrokerConfig brokerConfig;
    final MemoryBudget budget;
    final KafkaProducer<byte[], byte[]> producer;
    private final Admin admin;
    private final ScheduledExecutorService timer;
    private final String instanceId = UUID.randomUUID().toString().substring(0, 8);
    private final Set<KafkaProducerLink> producers = ConcurrentHashMap.newKeySet();
    private final Map<String, KafkaSubscription> subscriptions = new ConcurrentHashMap<>();
    /** Topics: true once created (or found existing); absent or false while being created. */
    private final Map<String, Boolean> topics = new ConcurrentHashMap<>();

    // Figures, updated from any thread.
    final AtomicLong acknowledgedRecords = new AtomicLong();
    final AtomicLong acknowledgedBytes = new AtomicLong();
    final AtomicLong failedRecords = new AtomicLong();
    final AtomicLong retriedSends = new AtomicLong();
    final AtomicLong inFlightRecords = new AtomicLong();
    final AtomicLong inFlightBytes = new AtomicLong();
    final AtomicLong httpRejects = new AtomicLong();
    final AtomicLong httpAccepted = new AtomicLong();

    // Hold state: guarded by this.
    private Hold held = Hold.NONE;
    private String holdReason = "";
    private long heldSinceNanos;
    private final EnumMap<Hold, Long> heldNanos = new EnumMap<>(Hold.class);
    private final EnumMap<Hold, Long> holdEvents = new EnumMap<>(Hold.class);
    /** The last synchronous send failure (metadata, buffer), cleared by the next send that succeeds. */
    private volatile String sendFailure;

    private volatile long lastAckNanos = System.nanoTime();
    private double ackBytesPerSecond;
    private long lastRateNanos = System.nanoTime();
    private long lastRateBytes;
    private volatile boolean draining;
    private volatile boolean closed;

    private KafkaGateway(KafkaGatewayConfig config, Context context) {
        this.config = config;
        this.brokerConfig = context.config();
        this.budget = context.budget();
        this.producer = new KafkaProducer<>(
                producerProperties(config, brokerConfig), new ByteArraySerializer(), new ByteArraySerializer());
        Map<String, Object> ap = new java.util.HashMap<>();
        ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        ap.put(AdminClientConfig.CLIENT_ID_CONFIG, "creditflow-gateway-" + instanceId + "-admin");
        this.admin = Admin.create(ap);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "creditflow-kafka-timer");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** The factory to pass to {@link BrokerConfig.Builder#topicBackend}. */
    public static TopicBackend.Factory factory(KafkaGatewayConfig config) {
        return context -> new KafkaGateway(config, context);
    }

    /**
     * The producer's settings: {@code acks=all} and idempotence (the credit guarantee depends on them, so they
     * cannot be overridden), {@code max.block.ms=0} (never wait on an event loop), {@code buffer.memory} the broker
     * budget plus {@link #BUFFER_HEADROOM_BYTES} (every record in flight reserved the budget first, so the buffer
     * cannot run out before the budget does), a long {@code delivery.timeout.ms} (an outage of a few minutes only
     * delays acknowledgements), {@code linger.ms=2} (a window below one batch would otherwise wait for the linger).
     */
    static Map<String, Object> producerProperties(KafkaGatewayConfig config, BrokerConfig broker) {
        Map<String, Object> p = new java.util.HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "creditflow-gateway-producer");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 2);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 300_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Math.max(1 << 20, broker.maxMessageBytes() + 4096));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 100);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        p.putAll(config.producerOverrides());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 0);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, broker.budgetBytes() + BUFFER_HEADROOM_BYTES);
        return p;
    }

    // ------------------------------------------------------------------ streams

    @Override
    public StreamListener openProducer(ProducerRequest request) {
        refuseIfClosing();
        ensureTopic(request.topic());
        byte[] key = (request.producerName() != null
                        ? request.producerName()
                        : UUID.randomUUID().toString())
                .getBytes(StandardCharsets.UTF_8);
        return new KafkaProducerLink(this, request.topic(), key, request.firstSequence(), request.acks());
    }

    @Override
    public StreamListener openConsumer(ConsumerRequest request) {
        refuseIfClosing();
        if (request.from() != null
                && request.from().kind() != io.creditflow.broker.BrokerProtocol.From.Kind.EARLIEST
                && request.from().kind() != io.creditflow.broker.BrokerProtocol.From.Kind.LATEST) {
            throw new StreamRejectedException(
                    ErrorCode.INVALID_ARGUMENT,
                    "bad stream metadata: from: "
                            + request.from().kind().name().toLowerCase(Locale.ROOT)
                            + " (expected: earliest or latest on a "
                            + "Kafka-backed broker; a group with committed offsets resumes there)");
        }
        ensureTopic(request.topic());
        return new KafkaConsumerLink(this, request.topic(), request.subscription(), request.from());
    }

    private void refuseIfClosing() {
        if (draining || closed) {
            throw new StreamRejectedException(ErrorCode.REFUSED_STREAM, "the gateway is shutting down");
        }
    }

    void addProducer(KafkaProducerLink p) {
        producers.add(p);
    }

    void removeProducer(KafkaProducerLink p) {
        producers.remove(p);
    }

    /** A consumer joins its subscription on this gateway; the subscription (and its Kafka consumer) starts with it. */
    synchronized KafkaSubscription attach(KafkaConsumerLink c) {
        String key = c.topic + "\u0000" + c.subscription;
        KafkaSubscription s = subscriptions.get(key);
        if (s == null || !s.addMember(c)) {
            s = new KafkaSubscription(this, c.topic, c.subscription, c.from);
            subscriptions.put(key, s);
            s.addMember(c);
            s.start();
        }
        return s;
    }

    /** The subscription stopped (its last member left): forget it unless a new one took its place. */
    void subscriptionEnded(KafkaSubscription s) {
        subscriptions.remove(s.topic + "\u0000" + s.name, s);
    }

    /** Whether the topic exists in Kafka; creates it (asynchronously) on first use. */
    boolean ensureTopic(String topic) {
        Boolean ready = topics.get(topic);
        if (ready != null) {
            return ready;
        }
        if (topics.putIfAbsent(topic, Boolean.FALSE) == null) {
            createTopic(topic);
        }
        return topics.get(topic);
    }

    private void createTopic(String topic) {
        NewTopic nt = new NewTopic(
                topic,
                Optional.of(config.partitions()),
                config.replicationFactor() < 0 ? Optional.empty() : Optional.of(config.replicationFactor()));
        admin.createTopics(List.of(nt)).all().whenComplete((v, e) -> {
            Throwable cause =
                    e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause == null || cause instanceof TopicExistsException) {
                topics.put(topic, Boolean.TRUE);
            } else {
                LOG.log(System.Logger.Level.WARNING, "creating Kafka topic '" + topic + "' failed (retried): " + cause);
                topics.remove(topic); // the next use retries
            }
        });
    }

    // ------------------------------------------------------------------ sends

    /** The outcome of handing a record to the Kafka producer. */
    enum SendOutcome {
        SENT,
        RETRY_LATER
    }

    /**
     * Hands a record to the Kafka producer without waiting. RETRY_LATER: nothing was sent (the topic is being
     * created, no metadata yet, buffer exhausted); the caller keeps the record and tries again from the timer.
     * The callback runs later on Kafka's I/O thread, never for a RETRY_LATER.
     */
    SendOutcome send(String topic, byte[] key, byte[] value, Callback callback) {
        if (!ensureTopic(topic)) {
            sendFailure = "creating Kafka topic '" + topic + "'";
            return SendOutcome.RETRY_LATER;
        }
        SyncCallback sync = new SyncCallback(callback);
        try {
            producer.send(new ProducerRecord<>(topic, null, key, value), sync);
        } catch (RuntimeException e) {
            sync.syncFailure = e; // closed producer, serialization: not retriable here either
        }
        sync.inSend = false;
        if (sync.syncFailure != null) {
            retriedSends.incrementAndGet();
            sendFailure = "Kafka cannot take the record now: " + sync.syncFailure.getMessage();
            return SendOutcome.RETRY_LATER;
        }
        sendFailure = null;
        return SendOutcome.SENT;
    }

    /**
     * Tells a failure inside {@code send} (metadata or buffer wait of {@code max.block.ms=0}: the callback runs on
     * the calling thread before send returns) from the asynchronous outcome (on Kafka's I/O thread).
     */
    private static final class SyncCallback implements Callback {
        private final Callback delegate;
        private final Thread caller = Thread.currentThread();
        volatile boolean inSend = true;
        Exception syncFailure;

        SyncCallback(Callback delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onCompletion(RecordMetadata metadata, Exception exception) {
            if (exception != null && inSend && Thread.currentThread() == caller) {
                syncFailure = exception;
                return;
            }
            delegate.onCompletion(metadata, exception);
        }
    }

    /** Kafka acknowledged {@code bytes} of payload in one record. */
    void onAcknowledged(int bytes) {
        acknowledgedRecords.incrementAndGet();
        acknowledgedBytes.addAndGet(bytes);
        lastAckNanos = System.nanoTime();
    }

    /** The delivered-header position of a record: partition in the top 16 bits, offset in the low 48. */
    static long position(int partition, long offset) {
        return ((long) partition << 48) | (offset & 0xFFFF_FFFF_FFFFL);
    }

    // ------------------------------------------------------------------ HTTP

    @Override
    public CompletionStage<PublishResult> publish(String topic, byte[] payload) {
        Hold h = currentHold();
        if (h != Hold.NONE) {
            httpRejects.incrementAndGet();
            return CompletableFuture.completedFuture(PublishResult.refused(retryAfterSeconds(), holdReason()));
        }
        int bytes = payload.length + RECORD_OVERHEAD_BYTES;
        if (!budget.tryReserveExactly(bytes)) {
            httpRejects.incrementAndGet();
            return CompletableFuture.completedFuture(PublishResult.refused(
                    retryAfterSeconds(),
                    "broker budget exhausted (" + budget.reservedBytes() + " of " + budget.limitBytes()
                            + " bytes in flight to Kafka)"));
        }
        CompletableFuture<PublishResult> f = new CompletableFuture<>();
        inFlightRecords.incrementAndGet();
        inFlightBytes.addAndGet(bytes);
        attemptPublish(
                topic, payload, bytes, f, System.nanoTime() + config.ackStall().toNanos());
        return f;
    }

    /**
     * Sends an HTTP message (its budget reserved); a send that cannot start (no metadata yet: the first message
     * to a topic) is tried again from the timer until {@code deadlineNanos} (the ack stall), then refused.
     */
    private void attemptPublish(
            String topic, byte[] payload, int bytes, CompletableFuture<PublishResult> f, long deadlineNanos) {
        SendOutcome o = send(topic, null, payload, (md, e) -> {
            inFlightRecords.decrementAndGet();
            inFlightBytes.addAndGet(-bytes);
            budget.release(bytes);
            if (e == null) {
                onAcknowledged(payload.length);
                httpAccepted.incrementAndGet();
                f.complete(PublishResult.accepted(position(md.partition(), md.offset())));
            } else {
                failedRecords.incrementAndGet();
                httpRejects.incrementAndGet();
                f.complete(PublishResult.refused(retryAfterSeconds(), "Kafka did not acknowledge: " + e.getMessage()));
            }
        });
        if (o == SendOutcome.SENT) {
            return;
        }
        if (System.nanoTime() < deadlineNanos && !closed) {
            try {
                timer.schedule(
                        () -> attemptPublish(topic, payload, bytes, f, deadlineNanos),
                        TICK_MILLIS,
                        TimeUnit.MILLISECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing: refuse below
            }
        }
        inFlightRecords.decrementAndGet();
        inFlightBytes.addAndGet(-bytes);
        budget.release(bytes);
        httpRejects.incrementAndGet();
        String why = sendFailure;
        f.complete(PublishResult.refused(retryAfterSeconds(), why == null ? "Kafka unavailable" : why));
    }

    /**
     * Seconds an HTTP client should wait (1 to 60): while Kafka acknowledges nothing, as long as the outage has
     * lasted so far (a long outage is likely to last longer; the client backs off as it grows); while the budget
     * is spent, the time the bytes in flight take to be acknowledged at the measured rate; 1 while draining.
     */
    synchronized int retryAfterSeconds() {
        if (draining || closed) {
            return 1;
        }
        double seconds;
        if (held == Hold.KAFKA_UNACKNOWLEDGED || held == Hold.KAFKA_UNAVAILABLE) {
            seconds = (System.nanoTime() - Math.min(heldSinceNanos, lastAckNanos)) / 1e9;
        } else {
            seconds = ackBytesPerSecond < 1 ? 60 : inFlightBytes.get() / ackBytesPerSecond;
        }
        return (int) Math.max(1, Math.min(60, Math.ceil(seconds)));
    }

    // ------------------------------------------------------------------ timer

    private void tick() {
        try {
            long now = System.nanoTime();
            for (KafkaProducerLink p : producers) {
                p.retryIfStalled();
            }
            updateHold(now);
            measureRate(now);
            for (String t : topics.keySet()) {
                ensureTopic(t);
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Kafka gateway tick failed", e);
        }
    }

    private void updateHold(long now) {
        long oldest = Long.MAX_VALUE;
        boolean budgetShort = false;
        for (KafkaProducerLink p : producers) {
            oldest = Math.min(oldest, p.oldestUnacknowledgedNanos());
            budgetShort |= p.waitsForBudget();
        }
        String failure = sendFailure;
        long stall = config.ackStall().toNanos();
        if (draining) {
            hold(Hold.DRAINING, "the gateway is shutting down");
        } else if (failure != null) {
            hold(Hold.KAFKA_UNAVAILABLE, failure);
        } else if (oldest != Long.MAX_VALUE && now - oldest > stall && now - lastAckNanos > stall) {
            hold(
                    Hold.KAFKA_UNACKNOWLEDGED,
                    "Kafka has acknowledged nothing for "
                            + TimeUnit.NANOSECONDS.toMillis(now - Math.max(oldest, lastAckNanos)) + " ms ("
                            + inFlightRecords.get() + " records, " + inFlightBytes.get() + " bytes in flight)");
        } else if (budgetShort) {
            hold(
                    Hold.BUDGET_EXHAUSTED,
                    "broker budget exhausted (" + budget.reservedBytes() + " of " + budget.limitBytes()
                            + " bytes in flight to Kafka)");
        } else {
            hold(Hold.NONE, "");
        }
    }

    private synchronized void hold(Hold h, String reason) {
        if (h == held) {
            holdReason = reason;
            return;
        }
        long now = System.nanoTime();
        if (held != Hold.NONE) {
            heldNanos.merge(held, now - heldSinceNanos, Long::sum);
        }
        if (h == Hold.NONE) {
            LOG.log(System.Logger.Level.INFO, "Kafka gateway: producers resume (were held: " + holdReason + ")");
        } else {
            holdEvents.merge(h, 1L, Long::sum);
            LOG.log(System.Logger.Level.WARNING, "Kafka gateway: producers held: " + reason);
        }
        held = h;
        holdReason = reason;
        heldSinceNanos = now;
    }

    synchronized Hold currentHold() {
        return held;
    }

    synchronized String holdReason() {
        return holdReason;
    }

    private synchronized void measureRate(long now) {
        double seconds = (now - lastRateNanos) / 1e9;
        if (seconds < 0.5) {
            return;
        }
        long acked = acknowledgedBytes.get();
        double rate = (acked - lastRateBytes) / seconds;
        ackBytesPerSecond = ackBytesPerSecond == 0 ? rate : 0.7 * ackBytesPerSecond + 0.3 * rate;
        lastRateBytes = acked;
        lastRateNanos = now;
    }

    // ------------------------------------------------------------------ figures, shutdown

    /** A snapshot of the gateway's figures. */
    public KafkaGatewayStats stats() {
        List<KafkaGatewayStats.SubscriptionStats> subs = new ArrayList<>();
        for (KafkaSubscription s : subscriptions.values()) {
            subs.add(s.stats());
        }
        subs.sort((a, b) -> (a.topic() + a.name()).compareTo(b.topic() + b.name()));
        Map<String, Long> held = new java.util.LinkedHashMap<>();
        Map<String, Long> events = new java.util.LinkedHashMap<>();
        Hold h;
        String reason;
        synchronized (this) {
            long now = System.nanoTime();
            for (Hold x : Hold.values()) {
                if (x != Hold.NONE) {
                    String k = x.name().toLowerCase(Locale.ROOT);
                    held.put(k, heldNanos.getOrDefault(x, 0L) + (this.held == x ? now - heldSinceNanos : 0));
                    events.put(k, holdEvents.getOrDefault(x, 0L));
                }
            }
            h = this.held;
            reason = holdReason;
        }
        return new KafkaGatewayStats(
                producers.size(),
                inFlightRecords.get(),
                inFlightBytes.get(),
                acknowledgedRecords.get(),
                acknowledgedBytes.get(),
                failedRecords.get(),
                retriedSends.get(),
                httpAccepted.get(),
                httpRejects.get(),
                h.name().toLowerCase(Locale.ROOT),
                reason,
                held,
                events,
                subs);
    }

    @Override
    public List<BackendMetric> metrics() {
        KafkaGatewayStats s = stats();
        List<BackendMetric> m = new ArrayList<>();
        m.add(BackendMetric.gauge(
                "creditflow_kafka_producer_streams", "Producer streams on this gateway", s.producers()));
        m.add(BackendMetric.gauge(
                "creditflow_kafka_in_flight_records",
                "Records sent to Kafka and not yet acknowledged",
                s.inFlightRecords()));
        m.add(BackendMetric.gauge(
                "creditflow_kafka_in_flight_bytes",
                "Bytes reserved for records in flight to Kafka",
                s.inFlightBytes()));
        m.add(BackendMetric.counter(
                "creditflow_kafka_acknowledged_records_total",
                "Records Kafka acknowledged (acks=all)",
                s.acknowledgedRecords()));
        m.add(BackendMetric.counter(
                "creditflow_kafka_failed_records_total",
                "Records Kafka failed (their producers resend)",
                s.failedRecords()));
        m.add(BackendMetric.counter(
                "creditflow_kafka_send_retries_total",
                "Sends that could not start at once (metadata, buffer)",
                s.retriedSends()));
        for (Map.Entry<String, Long> e : s.heldNanos().entrySet()) {
            m.add(BackendMetric.counter(
                    "creditflow_kafka_held_seconds_total",
                    "Time producers were held, by reason",
                    e.getValue() / 1e9,
                    "reason",
                    e.getKey()));
        }
        for (String k : s.heldNanos().keySet()) {
            m.add(BackendMetric.gauge(
                    "creditflow_kafka_held",
                    "Whether producers are held now, by reason",
                    k.equals(s.held()) ? 1 : 0,
                    "reason",
                    k));
        }
        for (KafkaGatewayStats.SubscriptionStats ss : s.subscriptions()) {
            m.add(BackendMetric.gauge(
                    "creditflow_kafka_subscription_read_ahead_bytes",
                    "Records held ahead of consumer credit",
                    ss.readAheadBytes(),
                    "topic",
                    ss.topic(),
                    "subscription",
                    ss.name()));
        }
        for (KafkaGatewayStats.SubscriptionStats ss : s.subscriptions()) {
            m.add(BackendMetric.counter(
                    "creditflow_kafka_subscription_delivered_total",
                    "Records delivered to consumers",
                    ss.delivered(),
                    "topic",
                    ss.topic(),
                    "subscription",
                    ss.name()));
        }
        return m;
    }

    @Override
    public void startDraining() {
        draining = true;
        for (KafkaSubscription s : subscriptions.values()) {
            s.commitSoon();
        }
    }

    @Override
    public boolean isDrained() {
        return inFlightRecords.get() == 0;
    }

    /** Closes the subscriptions (committing what was consumed), then the producer (what is in flight fails). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timer.shutdownNow();
        for (KafkaSubscription s : subscriptions.values()) {
            s.stop();
        }
        for (KafkaSubscription s : subscriptions.values()) {
            s.awaitStopped(10_000);
        }
        producer.close(java.time.Duration.ofSeconds(5));
        admin.close(java.time.Duration.ofSeconds(2));
    }
}
