package io.creditflow.bench.kafka;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka's clients: a {@link KafkaProducer} with {@code acks=all} and {@code enable.idempotence=true}, batching at
 * its defaults unless overridden ({@code batch.size} 16 KiB, {@code linger.ms} 5, {@code buffer.memory} 32 MiB,
 * no compression), and two {@link KafkaConsumer}s in consumer groups {@code fast} and {@code slow}
 * ({@code auto.offset.reset=earliest}, other settings default), on a topic of one partition pre-created with
 * {@link Admin}. A message is acknowledged when its send callback completes without an exception; with
 * idempotence on one partition they complete in send order.
 */
final class KafkaWorkload extends Workload {
    private final String bootstrap;
    private final Map<String, String> producerOverrides;
    private KafkaProducer<byte[], byte[]> producer;
    private KafkaConsumer<byte[], byte[]> fastConsumer;
    private KafkaConsumer<byte[], byte[]> slowConsumer;
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong outOfOrderAcks = new AtomicLong();
    private volatile long sent;

    KafkaWorkload(
            String bootstrap, int size, double slowRate, double producerRate, Map<String, String> producerOverrides) {
        super(size, slowRate, producerRate);
        this.bootstrap = bootstrap;
        this.producerOverrides = producerOverrides;
    }

    static Properties producerProperties(String bootstrap, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        p.putAll(overrides);
        return p;
    }

    private Properties consumerProperties(String group) {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", group);
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        return p;
    }

    @Override
    void open() throws Exception {
        Properties a = new Properties();
        a.put("bootstrap.servers", bootstrap);
        try (Admin admin = Admin.create(a)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(60, TimeUnit.SECONDS);
        }
        producer = new KafkaProducer<>(producerProperties(bootstrap, producerOverrides));
        fastConsumer = new KafkaConsumer<>(consumerProperties("fast"));
        slowConsumer = new KafkaConsumer<>(consumerProperties("slow"));
        for (KafkaConsumer<byte[], byte[]> c : List.of(fastConsumer, slowConsumer)) {
            c.subscribe(List.of(TOPIC));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.assignment().isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no partition assigned to a consumer within 60 s");
                }
                if (!c.poll(Duration.ofMillis(100)).isEmpty()) {
                    throw new IllegalStateException("records on a new topic");
                }
            }
        }
    }

    @Override
    long acknowledged() {
        return acked.get();
    }

    @Override
    long sent() {
        return sent;
    }

    @Override
    long failed() {
        return failed.get();
    }

    @Override
    void produce() throws InterruptedException {
        long n = 0;
        while (producing) {
            paceProducer();
            byte[] payload = new byte[size];
            ByteBuffer.wrap(payload).putLong(n);
            long sequence = n;
            producer.send(new ProducerRecord<>(TOPIC, payload), (meta, e) -> {
                if (e != null) {
                    failed.incrementAndGet();
                } else if (!acked.compareAndSet(sequence, sequence + 1)) {
                    outOfOrderAcks.incrementAndGet(); // acked then counts only the in-order prefix
                }
            });
            sent = ++n;
        }
        producer.flush();
    }

    @Override
    void consume(boolean slowOne) throws Exception {
        KafkaConsumer<byte[], byte[]> c = slowOne ? slowConsumer : fastConsumer;
        try {
            while (!stop) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(100))) {
                    pace(slowOne);
                    if (stop) {
                        return;
                    }
                    delivered(slowOne, ByteBuffer.wrap(r.value()).getLong());
                }
            }
        } finally {
            c.close();
        }
    }

    @Override
    Map<String, Object> figures() {
        Map<String, Object> m = super.figures();
        m.put(
                "client",
                "kafka-clients"
                        + ": producer "
                        + producerProperties("-", producerOverrides).entrySet().stream()
                                .filter(e -> !e.getKey().toString().contains("serializer")
                                        && !e.getKey().equals("bootstrap.servers"))
                                .map(e -> e.getKey() + "=" + e.getValue())
                                .sorted()
                                .toList()
                        + " (others default); consumers auto.offset.reset=earliest (others default)");
        m.put("kafka_acks_out_of_order", outOfOrderAcks.get());
        return m;
    }

    @Override
    public void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(10));
        }
    }
}
