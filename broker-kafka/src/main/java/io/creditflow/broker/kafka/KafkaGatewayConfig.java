package io.creditflow.broker.kafka;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Kafka gateway's settings. Immutable; build with {@link #builder(String)}. Every default says where its
 * number comes from.
 */
public final class KafkaGatewayConfig {
    /** Partitions of a topic the gateway creates: enough for a consumer group spread over a few gateways. */
    public static final int DEFAULT_PARTITIONS = 4;
    /**
     * Bytes of records a subscription holds at most ahead of its consumers' credit, per gateway; also its
     * fetch sizes (so one fetch response never overshoots it by more than itself). 256 KiB is the producer
     * window: one window of read-ahead keeps a fast consumer busy while the next fetch is on its way.
     */
    public static final int DEFAULT_READ_AHEAD_BYTES = 256 * 1024;
    /**
     * Producers are held, and the HTTP edge answers 503, once Kafka has acknowledged nothing for this long while
     * records wait: ten times a slow acks=all round trip measured here (p50 14 ms at 1 MiB in flight).
     */
    public static final Duration DEFAULT_ACK_STALL = Duration.ofSeconds(1);
    /**
     * A gateway's consumer leaves its group after this without heartbeats (a killed gateway's partitions move
     * to the others then). Kafka's default is 45 s; 10 s is above the brokers' 6 s minimum and makes recovery
     * from a crashed gateway quick.
     */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(10);

    private final String bootstrapServers;
    private final int partitions;
    private final short replicationFactor;
    private final int readAheadBytes;
    private final Duration ackStall;
    private final Duration sessionTimeout;
    private final Map<String, Object> producerOverrides;
    private final Map<String, Object> consumerOverrides;

    private KafkaGatewayConfig(Builder b) {
        this.bootstrapServers = b.bootstrapServers;
        this.partitions = b.partitions;
        this.replicationFactor = b.replicationFactor;
        this.readAheadBytes = b.readAheadBytes;
        this.ackStall = b.ackStall;
        this.sessionTimeout = b.sessionTimeout;
        this.producerOverrides = Map.copyOf(b.producerOverrides);
        this.consumerOverrides = Map.copyOf(b.consumerOverrides);
    }

    /** Settings for the Kafka cluster at {@code bootstrapServers} ({@code HOST:PORT[,HOST:PORT...]}). */
    public static Builder builder(String bootstrapServers) {
        return new Builder(bootstrapServers);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** Partitions of each topic the gateway creates (existing topics keep theirs). */
    public int partitions() {
        return partitions;
    }

    /** Replication factor of the topics the gateway creates; -1: the cluster's default. */
    public short replicationFactor() {
        return replicationFactor;
    }

    /** See {@link #DEFAULT_READ_AHEAD_BYTES}. */
    public int readAheadBytes() {
        return readAheadBytes;
    }

    /** See {@link #DEFAULT_ACK_STALL}. */
    public Duration ackStall() {
        return ackStall;
    }

    /** See {@link #DEFAULT_SESSION_TIMEOUT}. */
    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** Producer properties that replace the gateway's (tests, tuning); the ones that make credit safe are checked. */
    public Map<String, Object> producerOverrides() {
        return producerOverrides;
    }

    /** Consumer properties that replace the gateway's. */
    public Map<String, Object> consumerOverrides() {
        return consumerOverrides;
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final String bootstrapServers;
        private int partitions = DEFAULT_PARTITIONS;
        private short replicationFactor = -1;
        private int readAheadBytes = DEFAULT_READ_AHEAD_BYTES;
        private Duration ackStall = DEFAULT_ACK_STALL;
        private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;
        private final Map<String, Object> producerOverrides = new LinkedHashMap<>();
        private final Map<String, Object> consumerOverrides = new LinkedHashMap<>();

        private Builder(String bootstrapServers) {
            if (bootstrapServers == null || bootstrapServers.isBlank() || !bootstrapServers.contains(":")) {
                throw new IllegalArgumentException(
                        "bootstrapServers: '" + bootstrapServers + "' (expected: HOST:PORT[,HOST:PORT...])");
            }
            this.bootstrapServers = bootstrapServers.strip();
        }

        public Builder partitions(int n) {
            if (n < 1 || n > 65_535) {
                throw new IllegalArgumentException("partitions: " + n + " (expected: 1 to 65535; the delivered "
                        + "header keeps the partition in 16 bits)");
            }
            this.partitions = n;
            return this;
        }

        public Builder replicationFactor(int rf) {
            if (rf != -1 && (rf < 1 || rf > Short.MAX_VALUE)) {
                throw new IllegalArgumentException("replicationFactor: " + rf + " (expected: -1 or >= 1)");
            }
            this.replicationFactor = (short) rf;
            return this;
        }

        public Builder readAheadBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("readAheadBytes: " + bytes + " (expected: >= 1024)");
            }
            this.readAheadBytes = bytes;
            return this;
        }

        public Builder ackStall(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("ackStall: " + d + " (expected: > 0)");
            }
            this.ackStall = d;
            return this;
        }

        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = d;
            return this;
        }

        public Builder producerProperty(String key, Object value) {
            producerOverrides.put(key, value);
            return this;
        }

        public Builder consumerProperty(String key, Object value) {
            consumerOverrides.put(key, value);
            return this;
        }

        public KafkaGatewayConfig build() {
            return new KafkaGatewayConfig(this);
        }
    }
}
