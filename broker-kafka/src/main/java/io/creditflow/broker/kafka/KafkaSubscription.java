package io.creditflow.broker.kafka;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.OfferResult;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamStats;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One subscription on one gateway: a {@link KafkaConsumer} in the Kafka group {@code creditflow.<topic>.<name>}
 * (so the same subscription on several gateways is one group, its partitions spread over them, and distinct
 * subscriptions are distinct groups: fan-out), on its own thread, feeding this gateway's members of the
 * subscription round robin.
 *
 * <p>The four questions: <b>bound</b> the read-ahead, records polled and not yet accepted by a member's credit,
 * is at most {@link KafkaGatewayConfig#readAheadBytes()} plus one poll (whose size the same bound caps through
 * {@code fetch.max.bytes} and {@code max.partition.fetch.bytes}); Kafka's own fetch buffer holds at most about
 * one more fetch; <b>when full</b> (or when the read-ahead waits and no member has credit) every assigned
 * partition is paused and the thread keeps polling, so the group never evicts a slow consumer
 * ({@code max.poll.interval.ms} is met) and nothing prefetched is dropped; resumed when credit returns;
 * <b>pressure</b> stays in Kafka (its lag grows, on its disks); <b>observed</b>
 * {@link KafkaGatewayStats.SubscriptionStats} (read-ahead, paused, delivered, commits, rebalances).
 *
 * <p>Commits (at least once): what a member consumed is learned from the credit it returned, as for durable
 * topics (docs/broker.md): {@code consumed = sentMessages + sendCreditMessages - W0}; each member keeps the
 * (partition, offset) pairs it was sent and not known to have consumed, in order, in a bounded ring. Per
 * partition the committed offset is the lowest offset still in a ring or the read-ahead, else the next to
 * deliver; committed every {@link #COMMIT_INTERVAL_MILLIS}, on revocation and at the end. A member that leaves
 * hands back what it had not consumed: its partitions are sought back to the lowest such offset and delivered
 * again (the duplicates a consumer can see are bounded by what was in flight to it).
 *
 * <p>Threading: all state except the member count is confined to the consumer thread; event loops reach it only
 * through {@link #commands} and {@link #wake()}.
 */
final class KafkaSubscription implements Runnable {
    static final long COMMIT_INTERVAL_MILLIS = 200;
    /** Records one member may have in flight (sent, not known consumed); beyond, it gets nothing more. */
    static final int MAX_IN_FLIGHT = 65_536;

    private static final int MAX_POLL_RECORDS = 500;
    private static final System.Logger LOG = System.getLogger(KafkaSubscription.class.getName());

    final KafkaGateway gateway;
    final String topic;
    final String name;
    final String groupId;
    private final BrokerProtocol.From from;
    private final int readAheadBound;
    private final ConcurrentLinkedQueue<Runnable> commands = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile boolean polling;
    /** Set by {@link #wake()}; the consumer thread skips its next poll wait when set (no lost wake-ups). */
    private volatile boolean wakeRequested;

    private volatile boolean stopRequested;
    private volatile boolean commitSoon;
    /** Guarded by this. */
    private int memberCount;

    private boolean ending;

    // Consumer-thread confined.
    private final List<Member> members = new ArrayList<>();
    private final ArrayDeque<ConsumerRecord<byte[], byte[]>> readAhead = new ArrayDeque<>();
    private final Map<TopicPartition, Long> nextOffset = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private long readAheadBytes;
    private boolean paused;
    private int nextMember;

    // Figures, read by stats() on any thread.
    private volatile long delivered;
    private volatile long redelivered;
    private volatile long commits;
    private volatile long rebalances;
    private volatile long pauseChanges;
    private volatile long readAheadBytesFigure;
    private volatile int readAheadRecordsFigure;
    private volatile long readAheadPeakBytes;
    private volatile boolean pausedFigure;
    private volatile int assignedFigure;
    private volatile int membersFigure;
    private volatile long unconsumedFigure;

    KafkaSubscription(KafkaGateway gateway, String topic, String name, BrokerProtocol.From from) {
        this.gateway = gateway;
        this.topic = topic;
        this.name = name;
        this.groupId = "creditflow." + topic + "." + name;
        this.from = from;
        this.readAheadBound = gateway.config.readAheadBytes();
        this.thread = new Thread(this, "creditflow-kafka-" + topic + "-" + name);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Any thread: a consumer joins; false if this subscription is ending (its last member left). */
    synchronized boolean addMember(KafkaConsumerLink c) {
        if (ending) {
            return false;
        }
        memberCount++;
        commands.add(() -> members.add(new Member(c)));
        wake();
        return true;
    }

    /** Any thread: a consumer left; the last one ends the subscription on this gateway. */
    void removeMember(KafkaConsumerLink c) {
        boolean last;
        synchronized (this) {
            memberCount--;
            last = memberCount == 0;
            if (last) {
                ending = true;
            }
        }
        if (last) {
            gateway.subscriptionEnded(this);
        }
        commands.add(() -> detach(c));
        wake();
    }

    /** Any thread: a member has credit again, or there are commands. */
    void wake() {
        wakeRequested = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null && polling) {
            c.wakeup();
        }
    }

    void commitSoon() {
        commitSoon = true;
        wake();
    }

    void stop() {
        stopRequested = true;
        wake();
    }

    void awaitStopped(long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ the consumer thread

    private Map<String, Object> consumerProperties() {
        Map<String, Object> p = new HashMap<>();
        KafkaGatewayConfig cfg = gateway.config;
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cfg.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "creditflow-gateway-" + name);
        p.put(
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                from != null && from.kind() == BrokerProtocol.From.Kind.EARLIEST ? "earliest" : "latest");
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, MAX_POLL_RECORDS);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, readAheadBound);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, readAheadBound);
        int session = (int) cfg.sessionTimeout().toMillis();
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, session);
        p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(100, session / 4));
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1000);
        // Partitions added to a topic reach the group within 10 s rather than Kafka's default 5 minutes.
        p.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        p.putAll(cfg.consumerOverrides());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false); // commits follow consumption, never the poll
        return p;
    }

    @Override
    public void run() {
        try {
            // Subscribed before the topic exists, the consumer would learn of it only at its next metadata refresh
            // (metadata.max.age.ms): wait for the gateway to have created it (or found it).
            while (!stopRequested && !gateway.ensureTopic(topic)) {
                runCommands();
                if (endedAndEmpty()) {
                    return;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            }
            KafkaConsumer<byte[], byte[]> c =
                    new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            consumer = c;
            c.subscribe(List.of(topic), new Rebalance());
            long lastCommit = System.nanoTime();
            while (!stopRequested) {
                wakeRequested = false;
                runCommands();
                if (endedAndEmpty()) {
                    break;
                }
                deliver();
                long now = System.nanoTime();
                if (commitSoon || now - lastCommit >= COMMIT_INTERVAL_MILLIS * 1_000_000) {
                    commitSoon = false;
                    commit(false, null);
                    lastCommit = now;
                }
                applyPause();
                ConsumerRecords<byte[], byte[]> records;
                polling = true;
                try {
                    // A wake-up before polling was set is seen here; one after it interrupts the poll.
                    records = c.poll(wakeRequested || !commands.isEmpty() ? Duration.ZERO : Duration.ofMillis(100));
                } catch (WakeupException e) {
                    continue;
                } finally {
                    polling = false;
                }
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    readAhead.addLast(r);
                    readAheadBytes += size(r);
                }
                readAheadPeakBytes = Math.max(readAheadPeakBytes, readAheadBytes);
                figures();
            }
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.ERROR,
                    "subscription '" + name + "' of topic '" + topic + "': consumer "
                            + "failed; its consumers are reset and may reconnect",
                    e);
            for (Member m : members) {
                m.link.stream.reset(ErrorCode.INTERNAL_ERROR, "the gateway's Kafka consumer failed: " + e);
            }
        } finally {
            KafkaConsumer<byte[], byte[]> c = consumer;
            if (c != null) {
                try {
                    commit(true, null);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "subscription '" + name + "': final commit failed: " + e);
                }
                try {
                    c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "subscription '" + name + "': close failed: " + e);
                }
            }
            synchronized (this) {
                ending = true;
            }
            gateway.subscriptionEnded(this);
        }
    }

    private static int size(ConsumerRecord<byte[], byte[]> r) {
        return (r.value() == null ? 0 : r.value().length) + BrokerProtocol.HEADER_BYTES;
    }

    private void runCommands() {
        Runnable r;
        while ((r = commands.poll()) != null) {
            r.run();
        }
    }

    private boolean endedAndEmpty() {
        synchronized (this) {
            if (!ending || memberCount > 0) {
                return false;
            }
        }
        return members.isEmpty();
    }

    private void figures() {
        readAheadBytesFigure = readAheadBytes;
        readAheadRecordsFigure = readAhead.size();
        pausedFigure = paused;
        membersFigure = members.size();
        long unconsumed = 0;
        for (Member m : members) {
            unconsumed += m.size;
        }
        unconsumedFigure = unconsumed;
        assignedFigure = consumer.assignment().size();
    }

    /** Offers read-ahead records to members with credit, round robin, in the order polled. */
    private void deliver() {
        while (!readAhead.isEmpty()) {
            Member m = nextReadyMember();
            if (m == null) {
                break;
            }
            if (m.initialCredit < 0) {
                StreamStats st = m.link.stream.stats();
                m.initialCredit = st.sendCreditMessages();
                long cap = Math.min(MAX_IN_FLIGHT, Math.max(16, Math.min(m.initialCredit, MAX_IN_FLIGHT / 2) * 2));
                m.partitions = new int[(int) cap];
                m.offsets = new long[(int) cap];
            }
            if (m.ringFull()) {
                m.skip = true;
                continue;
            }
            ConsumerRecord<byte[], byte[]> r = readAhead.peekFirst();
            byte[] value = r.value() == null ? new byte[0] : r.value();
            byte[] frame = new byte[BrokerProtocol.HEADER_BYTES + value.length];
            ByteBuffer.wrap(frame)
                    .putLong(KafkaGateway.position(r.partition(), r.offset()))
                    .put(value);
            OfferResult result;
            try {
                result = m.link.stream.offer(ByteBuffer.wrap(frame));
            } catch (MessageTooLargeException e) {
                m.link.stream.reset(
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "cannot take record " + r.partition() + "/" + r.offset() + ": " + e.getMessage());
                m.skip = true;
                continue;
            } catch (StreamClosedException | IllegalStateException e) {
                m.skip = true; // it is leaving: the detach command follows
                continue;
            }
            if (result == OfferResult.ACCEPTED) {
                readAhead.pollFirst();
                readAheadBytes -= size(r);
                m.sent(r.partition(), r.offset());
                nextOffset.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                delivered++;
            } else {
                m.skip = true;
            }
        }
        for (Member m : members) {
            m.skip = false;
        }
    }

    private Member nextReadyMember() {
        int n = members.size();
        for (int i = 0; i < n; i++) {
            Member m = members.get((nextMember + i) % n);
            if (!m.skip && m.link.stream.isReady()) {
                nextMember = (nextMember + i + 1) % n;
                return m;
            }
        }
        return null;
    }

    /**
     * Pauses every assigned partition when the read-ahead reached its bound, or waits while no member has
     * credit; resumes otherwise. Polling goes on either way.
     */
    private void applyPause() {
        boolean anyReady = false;
        for (Member m : members) {
            if (m.link.stream.isReady()) {
                anyReady = true;
                break;
            }
        }
        boolean want = readAheadBytes >= readAheadBound || (!readAhead.isEmpty() && !anyReady) || members.isEmpty();
        if (want != paused) {
            paused = want;
            pauseChanges++;
            if (want) {
                consumer.pause(consumer.assignment());
            } else {
                consumer.resume(consumer.assignment());
            }
        }
    }

    /** A member left: learn what it consumed; what it had not goes back to Kafka's positions. */
    private void detach(KafkaConsumerLink c) {
        for (int i = 0; i < members.size(); i++) {
            Member m = members.get(i);
            if (m.link != c) {
                continue;
            }
            m.settle();
            members.remove(i);
            nextMember = 0;
            Map<TopicPartition, Long> back = new HashMap<>();
            m.forEachInFlight((p, off) -> back.merge(new TopicPartition(topic, p), off, Math::min));
            redelivered += m.size;
            var assigned = consumer.assignment();
            for (Map.Entry<TopicPartition, Long> e : back.entrySet()) {
                TopicPartition tp = e.getKey();
                if (!assigned.contains(tp)) {
                    continue; // revoked meanwhile: its new owner starts from the committed offset
                }
                long low = e.getValue();
                readAhead.removeIf(r -> {
                    if (r.partition() == tp.partition()) {
                        readAheadBytes -= size(r);
                        return true;
                    }
                    return false;
                });
                consumer.seek(tp, low);
                nextOffset.put(tp, low);
            }
            commit(false, null);
            return;
        }
    }

    /**
     * Commits, per assigned partition (or only {@code only}), the lowest offset not known to be consumed, if it
     * moved.
     */
    private void commit(boolean sync, Collection<TopicPartition> only) {
        for (Member m : members) {
            m.settle();
        }
        Map<TopicPartition, Long> low = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAhead) {
            low.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        for (Member m : members) {
            m.forEachInFlight((p, off) -> low.merge(new TopicPartition(topic, p), off, Math::min));
        }
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : only != null ? only : consumer.assignment()) {
            Long point = low.get(tp);
            if (point == null) {
                point = nextOffset.get(tp);
            }
            if (point != null && point > committed.getOrDefault(tp, -1L)) {
                out.put(tp, new OffsetAndMetadata(point));
            }
        }
        if (out.isEmpty()) {
            return;
        }
        try {
            if (sync) {
                consumer.commitSync(out, Duration.ofSeconds(5));
                out.forEach((tp, o) -> committed.put(tp, o.offset()));
            } else {
                consumer.commitAsync(out, (offsets, e) -> {
                    if (e == null) {
                        offsets.forEach((tp, o) -> committed.merge(tp, o.offset(), Math::max));
                    }
                });
            }
            commits++;
        } catch (WakeupException e) {
            commitSoon = true; // retried on the next round
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "subscription '" + name + "': commit failed (retried): " + e);
        }
    }

    /** Rebalances (inside poll, on the consumer thread). */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            rebalances++;
            if (!partitions.isEmpty()) {
                commit(true, partitions);
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            rebalances++;
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (paused) {
                consumer.pause(partitions); // newly assigned partitions start resumed
            }
        }

        private void forget(Collection<TopicPartition> partitions) {
            readAhead.removeIf(r -> {
                if (partitions.contains(new TopicPartition(r.topic(), r.partition()))) {
                    readAheadBytes -= size(r);
                    return true;
                }
                return false;
            });
            for (TopicPartition tp : partitions) {
                nextOffset.remove(tp);
                committed.remove(tp);
            }
        }
    }

    /** One consumer stream of the subscription and the records it was sent and has not consumed yet. */
    private static final class Member {
        final KafkaConsumerLink link;
        long initialCredit = -1;
        boolean skip;
        int[] partitions;
        long[] offsets;
        int head;
        int size;
        long consumed;

        Member(KafkaConsumerLink link) {
            this.link = link;
        }

        boolean ringFull() {
            return partitions != null && size == partitions.length;
        }

        void sent(int partition, long offset) {
            int i = (head + size) % partitions.length;
            partitions[i] = partition;
            offsets[i] = offset;
            size++;
        }

        interface PairConsumer {
            void accept(int partition, long offset);
        }

        void forEachInFlight(PairConsumer c) {
            for (int i = 0; i < size; i++) {
                int j = (head + i) % partitions.length;
                c.accept(partitions[j], offsets[j]);
            }
        }

        /** Learns from the stream's figures how many more records were consumed; drops them from the ring. */
        void settle() {
            if (initialCredit < 0 || size == 0) {
                return;
            }
            Stream s = link.stream;
            StreamStats first = s.stats();
            StreamStats second = s.stats();
            if (second.sendCreditMessages() == Long.MAX_VALUE) {
                return;
            }
            long sent = first.sentMessages();
            long returned = second.sendCreditMessages() + sent - initialCredit;
            long known = Math.max(0, Math.min(returned, sent));
            while (consumed < known && size > 0) {
                head = (head + 1) % partitions.length;
                size--;
                consumed++;
            }
        }
    }

    KafkaGatewayStats.SubscriptionStats stats() {
        return new KafkaGatewayStats.SubscriptionStats(
                topic,
                name,
                groupId,
                membersFigure,
                readAheadBytesFigure,
                readAheadRecordsFigure,
                readAheadPeakBytes,
                pausedFigure,
                pauseChanges,
                assignedFigure,
                delivered,
                unconsumedFigure,
                redelivered,
                commits,
                rebalances);
    }
}
