package io.creditflow.bench.kafka;

import io.creditflow.broker.Broker;
import io.creditflow.broker.BrokerConfig;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.kafka.KafkaGateway;
import io.creditflow.broker.kafka.KafkaGatewayConfig;
import io.creditflow.broker.kafka.KafkaGatewayStats;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * S9: one producer to one consumer through the Kafka gateway against a plain Kafka producer and consumer, same
 * {@code acks=all}, idempotence and record size, on one real Kafka 4.4 broker (a child JVM). Prints, as one JSON
 * line, each side's consumed records per second over the window and their ratio (gateway / plain), and, with a
 * consumer that takes 100 records per second, the heap after GC this JVM grew by and the bytes each side held
 * ahead of its consumer (the plain consumer's fetched-but-unreturned records are not observable, so its figure is
 * the heap growth; the gateway's is its read-ahead peak, bounded by {@code readAheadBytes}).
 *
 * <p>Both sides run in this JVM (the gateway's broker too), one after the other; a warm-up precedes each window.
 * Kafka's jars must be on the classpath: {@code java -cp bench/target/benchmarks.jar:bench/target/kafka-lib/*
 * io.creditflow.bench.kafka.GatewayVsKafka [--window S] [--size B]}. Figures from a busy machine mean little:
 * the lead measures on a quiet one.
 */
public final class GatewayVsKafka {
    private GatewayVsKafka() {}

    public static void main(String[] args) throws Exception {
        int windowS = 10;
        int size = 1024;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--window" -> windowS = Integer.parseInt(args[i + 1]);
                case "--size" -> size = Integer.parseInt(args[i + 1]);
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i] + " (expected: --window S, --size B)");
            }
        }
        if (windowS < 1 || size < 16) {
            throw new IllegalArgumentException("--window: >= 1 s, --size: >= 16 bytes");
        }
        Path dir = Files.createTempDirectory("creditflow-s9-");
        int port = freePort();
        String cp = System.getProperty("java.class.path");
        try (BrokerChild kafka = BrokerChild.start(
                "kafka",
                cp,
                List.of("-Xms128m", "-Xmx384m"),
                KafkaBrokerMain.class.getName(),
                List.of(dir.toString(), Integer.toString(port), Integer.toString(freePort()), "default"),
                dir.resolve("kafka.log"))) {
            kafka.await("@READY", 60_000);
            String bootstrap = "127.0.0.1:" + port;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(
                                new NewTopic("s9-plain", Optional.of(1), Optional.empty()),
                                new NewTopic("s9-plain-slow", Optional.of(1), Optional.empty())))
                        .all()
                        .get(30, TimeUnit.SECONDS);
            }
            double plain = plainThroughput(bootstrap, size, windowS);
            long plainSlowHeap = plainSlowHeap(bootstrap, size, windowS);
            double[] gw = gatewayRuns(bootstrap, size, windowS);
            System.out.println(String.format(
                    Locale.ROOT,
                    "{\"scenario\":\"S9\",\"size\":%d,\"window_s\":%d,"
                            + "\"plain_msgs_per_s\":%.0f,\"gateway_msgs_per_s\":%.0f,\"ratio\":%.3f,"
                            + "\"plain_slow_heap_growth_bytes\":%d,\"gateway_slow_heap_growth_bytes\":%.0f,"
                            + "\"gateway_read_ahead_peak_bytes\":%.0f}",
                    size,
                    windowS,
                    plain,
                    gw[0],
                    gw[0] / plain,
                    plainSlowHeap,
                    gw[1],
                    gw[2]));
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            }
        }
        System.exit(0);
    }

    private static Map<String, Object> producerProps(String bootstrap) {
        return Map.of("bootstrap.servers", bootstrap, "acks", "all", "enable.idempotence", true, "linger.ms", 2);
    }

    private static Map<String, Object> consumerProps(String bootstrap, String group) {
        return Map.of(
                "bootstrap.servers",
                bootstrap,
                "group.id",
                group,
                "auto.offset.reset",
                "earliest",
                "enable.auto.commit",
                true);
    }

    /** A plain producer sending as fast as its buffer lets it and a plain consumer; records/s consumed. */
    static double plainThroughput(String bootstrap, int size, int windowS) throws Exception {
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try (KafkaProducer<byte[], byte[]> kp = new KafkaProducer<>(
                            producerProps(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                        byte[] v = new byte[size];
                        while (run.get()) {
                            kp.send(new ProducerRecord<>("s9-plain", v));
                        }
                    }
                },
                "s9-plain-producer");
        p.start();
        AtomicLong consumed = new AtomicLong();
        try (KafkaConsumer<byte[], byte[]> kc = new KafkaConsumer<>(
                consumerProps(bootstrap, "s9-plain"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            kc.subscribe(List.of("s9-plain"));
            double rate = measure(
                    windowS,
                    consumed,
                    () -> consumed.addAndGet(kc.poll(Duration.ofMillis(50)).count()));
            run.set(false);
            p.join(30_000);
            return rate;
        }
    }

    /** A plain consumer taking 100 records/s (one per poll) while a producer runs: heap after GC growth. */
    static long plainSlowHeap(String bootstrap, int size, int windowS) throws Exception {
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try (KafkaProducer<byte[], byte[]> kp = new KafkaProducer<>(
                            producerProps(bootstrap), new ByteArraySerializer(), new ByteArraySerializer())) {
                        byte[] v = new byte[size];
                        while (run.get()) {
                            kp.send(new ProducerRecord<>("s9-plain-slow", v));
                            pause(1); // about 1,000/s, so the backlog is the consumer's to fetch
                        }
                    }
                },
                "s9-plain-slow-producer");
        p.start();
        Map<String, Object> props = new java.util.HashMap<>(consumerProps(bootstrap, "s9-plain-slow"));
        props.put("max.poll.records", 1);
        long before = heapAfterGc();
        long peak = before;
        try (KafkaConsumer<byte[], byte[]> kc =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            kc.subscribe(List.of("s9-plain-slow"));
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(windowS);
            for (int i = 0; System.nanoTime() < end && i < 1_000_000; i++) {
                ConsumerRecords<byte[], byte[]> r = kc.poll(Duration.ofMillis(10));
                pause(10);
                if (i % 200 == 0) {
                    peak = Math.max(peak, heapAfterGc());
                }
            }
        }
        run.set(false);
        p.join(30_000);
        return peak - before;
    }

    /** The gateway: throughput, then heap growth and read-ahead with a 100 msg/s consumer. */
    static double[] gatewayRuns(String bootstrap, int size, int windowS) throws Exception {
        BrokerConfig cfg = BrokerConfig.builder()
                .port(0)
                .httpPort(-1)
                .topicBackend(KafkaGateway.factory(
                        KafkaGatewayConfig.builder(bootstrap).partitions(1).build()))
                .build();
        try (Broker broker = Broker.start(cfg);
                Client client = Client.builder().build()) {
            double rate = gatewayFlow(broker, client, "s9-gw", size, windowS, 0)[0];
            double[] slow = gatewayFlow(broker, client, "s9-gw-slow", size, windowS, 10);
            KafkaGatewayStats.SubscriptionStats s =
                    ((KafkaGateway) broker.backend()).stats().subscription("s9-gw-slow", "s9");
            return new double[] {rate, slow[1], s == null ? -1 : s.readAheadPeakBytes()};
        }
    }

    /** One producer and one consumer through the gateway; {@code [records/s consumed, heap growth]}. */
    static double[] gatewayFlow(Broker broker, Client client, String topic, int size, int windowS, long pauseMs)
            throws Exception {
        Stream consumer = client.connect("127.0.0.1", broker.port())
                .openStream(StreamOptions.builder()
                        .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                        .metadata(BrokerProtocol.TOPIC, topic)
                        .metadata(BrokerProtocol.SUBSCRIPTION, "s9")
                        .metadata(BrokerProtocol.FROM, "earliest")
                        .build());
        BrokerProducer producer = BrokerProducer.open(client.connect("127.0.0.1", broker.port()), topic, "s9", 0);
        AtomicBoolean run = new AtomicBoolean(true);
        Thread p = new Thread(
                () -> {
                    try {
                        while (run.get()) {
                            producer.send(ByteBuffer.wrap(new byte[size]), 1, TimeUnit.SECONDS);
                            if (pauseMs > 0) {
                                pause(1);
                            }
                        }
                    } catch (Exception e) {
                        // stopped
                    }
                },
                "s9-gateway-producer");
        p.start();
        AtomicLong consumed = new AtomicLong();
        long before = heapAfterGc();
        long[] peak = {before};
        int[] n = {0};
        double rate = measure(windowS, consumed, () -> {
            try (Message m = consumer.poll(50, TimeUnit.MILLISECONDS)) {
                if (m != null) {
                    consumed.incrementAndGet();
                }
            }
            if (pauseMs > 0) {
                pause(pauseMs);
                if (++n[0] % 200 == 0) {
                    peak[0] = Math.max(peak[0], heapAfterGc());
                }
            }
        });
        run.set(false);
        p.join(30_000);
        producer.close();
        consumer.cancel("done");
        return new double[] {rate, peak[0] - before};
    }

    interface Step {
        void run() throws Exception;
    }

    /** Runs {@code step} for a 3 s warm-up, then for the window; the rate of {@code counter} over the window. */
    static double measure(int windowS, AtomicLong counter, Step step) throws Exception {
        long warm = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < warm) {
            step.run();
        }
        long from = counter.get();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(windowS);
        while (System.nanoTime() < end) {
            step.run();
        }
        return (counter.get() - from) / ((System.nanoTime() - start) / 1e9);
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long heapAfterGc() {
        System.gc();
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    private static int freePort() throws java.io.IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
