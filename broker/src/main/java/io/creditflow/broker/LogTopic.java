package io.creditflow.broker;

import io.creditflow.log.AppendRecord;
import io.creditflow.log.AppendResult;
import io.creditflow.log.DiskTotal;
import io.creditflow.log.FileTopicLog;
import io.creditflow.log.LogRecord;
import io.creditflow.log.LogStats;
import io.creditflow.log.RecoveryReport;
import io.creditflow.log.RetentionResult;
import io.creditflow.log.TopicLog;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamRejectedException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A durable topic (a broker with {@link BrokerConfig#dataDir()}): producers append to the topic's {@link TopicLog},
 * each subscription is a cursor that reads it at its own pace ({@link LogSubscription}).
 *
 * <pre>
 * producer streams --admit--> [topic log on disk] --read while credit--> subscription cursors --> consumer streams
 *   (pull, window)            bounded by logMaxBytes      (read-ahead 64 KiB)                    (offer while credit)
 * </pre>
 *
 * <p>The four questions: <b>bound</b> {@link BrokerConfig#logMaxBytes()} on disk, plus one pending batch of at most
 * {@link #MAX_BATCH_BYTES} in the heap; <b>when full</b> the {@link DiskPolicy}: {@code block} reclaims only what
 * every cursor has committed past and otherwise holds the producers, {@code drop-oldest} deletes the oldest
 * segments (laggards see a gap); a full disk or an I/O error holds the producers too; <b>pressure</b> goes to
 * the producers: while a batch cannot be appended, no more is taken from their streams, their receive windows
 * fill and their credit stops; <b>observed</b> {@link LogTopicStats} (held reason, size, lag per cursor).
 *
 * <p>A message taken from a producer stream is never lost: it is appended, or it stays in the pending batch
 * and is retried on the broker tick and whenever cursors commit.
 *
 * <p>Thread-safe: every method takes the topic's lock. Appends and reads run on the event loops (and the broker
 * timer) under that lock: they are page-cache writes and reads; fsync runs on the log's own flusher thread
 * (except in {@code always} mode, where the append waits for it).
 */
final class LogTopic implements TopicEndpoint {
    /** Bytes of records appended at most per batch (one larger message still goes alone). */
    static final int MAX_BATCH_BYTES = 256 * 1024;
    /**
     * The tail cache's bound per topic (also reserved in the broker budget): 4 MiB, 16 batches of the largest size,
     * so that consumers a few batches behind the head still read from memory.
     */
    static final long TAIL_CACHE_BYTES = 4L << 20;

    /** Writes a big-endian long into a byte array (the consumer header's offset) without a wrapper per record. */
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private static final int MAX_MOVES_PER_PUMP = 4096;
    /** Retry-After while the disk is full or failing: no drain rate predicts when it recovers. */
    private static final int DISK_RETRY_SECONDS = 5;

    private static final long FLUSH_CURSORS_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long RETENTION_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final System.Logger LOG = System.getLogger(LogTopic.class.getName());

    /** Why producers are held, if they are. */
    enum Hold {
        NONE,
        LOG_FULL,
        TOTAL_FULL,
        DISK_FULL,
        IO_ERROR,
        CLOSED
    }

    final Broker broker;
    final String name;
    private final BrokerConfig config;
    private final TopicLog log;
    private final RecoveryReport recovery;
    private final int maxBatchBytes;
    private final int largestRecordBytes;
    private final Map<String, LogSubscription> subscriptions = new LinkedHashMap<>();
    private final Set<ProducerLink> producers = new LinkedHashSet<>();
    private final Set<ProducerLink> readable = new LinkedHashSet<>();
    /** Messages taken from producer streams that could not be appended yet; null if none. */
    private List<AppendRecord> pending;
    /** The producer of each pending record, and its sequence. */
    private List<ProducerLink> pendingOwners;

    private long[] pendingSequences;
    private long pendingBytes;
    private long duplicatesDropped;
    private Hold held = Hold.NONE;
    private String holdReason = "";
    private long heldSinceNanos;
    private final EnumMap<Hold, Long> heldNanos = new EnumMap<>(Hold.class);
    private final EnumMap<Hold, Long> holdEvents = new EnumMap<>(Hold.class);
    private long publishedMessages;
    private long publishedBytes;
    private long unreadRecordsDropped;
    private long tooLargeDropped;
    private long refusedConsumers;
    private long httpRejects;
    private long lastFlushNanos = System.nanoTime();
    private long lastRetentionNanos = System.nanoTime();
    private long lastDrainNanos = System.nanoTime();
    private long lastProtectedOffset = -1;
    /** EWMA of the lowest cursor's progress, records per second. */
    private double protectedRecordsPerSecond;

    private boolean draining;
    private boolean closed;
    /** Shortest wait for quota tokens among the producers the last admit skipped; MAX_VALUE if none. */
    private long quotaWait = Long.MAX_VALUE;
    /** Time producers' messages waited for their principals' quotas (reason quota). */
    private final Stalls quotaStalls;
    /** The open hold, as a JFR event (committed when it ends, if longer than its threshold). */
    private BrokerEvents.Stall holdEvent;
    /** The records appended last, for the subscriptions near the head. */
    private final TailCache tail;

    private LogTopic(Broker broker, String name, BrokerConfig config, TopicLog log, RecoveryReport recovery) {
        this.broker = broker;
        this.name = name;
        this.config = config;
        this.log = log;
        this.recovery = recovery;
        this.maxBatchBytes = Math.min(MAX_BATCH_BYTES, config.logSegmentBytes() / 2);
        this.largestRecordBytes = config.maxMessageBytes() + LogRecord.HEADER_BYTES;
        this.quotaStalls = new Stalls(name, "");
        this.tail = new TailCache(TAIL_CACHE_BYTES, broker.budget());
        // Called on the log's flusher thread, or inside an append: acknowledging takes the topic's lock, so it
        // runs on the broker timer, never on the flusher (which must not wait for an event loop's append).
        log.addDurabilityListener(offset -> broker.runLater(() -> acknowledge(offset)));
    }

    /** Opens (recovering) the log in {@code dir} and logs the recovery report. */
    static LogTopic open(Broker broker, String name, BrokerConfig config, Path dir) throws IOException {
        FileTopicLog log = FileTopicLog.open(dir, config.logConfig(), broker.diskTotal());
        RecoveryReport report = log.recoveryReport();
        LOG.log(
                report.lostData() ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                "topic '" + name + "': " + report);
        return new LogTopic(broker, name, config, log, report);
    }

    @Override
    public String name() {
        return name;
    }

    // ------------------------------------------------------------------ membership

    @Override
    public synchronized void addProducer(ProducerLink p) {
        producers.add(p);
    }

    @Override
    public synchronized void removeProducer(ProducerLink p) {
        producers.remove(p);
        readable.remove(p);
        pump();
    }

    @Override
    public synchronized void onProducerReadable(ProducerLink p) {
        readable.add(p);
        pump();
    }

    /**
     * A consumer joins its subscription, created at first use: at its committed offset if it has one (whatever
     * {@code from} says), else where {@code from} says (default latest). The start is committed at once, so the
     * subscription is durable from then on and protects its data from the {@code block} policy.
     *
     * @throws StreamRejectedException INVALID_ARGUMENT if the consumer asked for a policy other than log
     */
    @Override
    public synchronized void addConsumer(ConsumerLink c) {
        if (closed) {
            throw new StreamRejectedException(ErrorCode.REFUSED_STREAM, "the broker is closing");
        }
        if (c.policy != null && c.policy != SubscriptionPolicy.LOG) {
            refusedConsumers++;
            throw new StreamRejectedException(
                    ErrorCode.INVALID_ARGUMENT,
                    "topic '" + name + "' is durable: subscriptions are cursors, policy log (asked for "
                            + c.policy.label() + ")");
        }
        LogSubscription s = subscriptions.get(c.subscription);
        if (s == null) {
            long start = startOffset(c);
            if (!log.cursors().commit(c.subscription, start)) {
                refusedConsumers++;
                throw new StreamRejectedException(
                        ErrorCode.REFUSED_STREAM,
                        "topic '" + name + "' has its maximum number of durable subscriptions");
            }
            s = new LogSubscription(log, tail, name, c.subscription, start, largestRecordBytes);
            subscriptions.put(s.name, s);
        }
        s.attach(c);
        pump();
    }

    private long startOffset(ConsumerLink c) {
        long end = log.endOffset();
        OptionalLong committed = log.cursors().committed(c.subscription);
        if (committed.isPresent()) {
            return Math.min(committed.getAsLong(), end); // a power loss in never mode can leave one past the end
        }
        BrokerProtocol.From from = c.from;
        if (from == null) {
            return end;
        }
        return switch (from.kind()) {
            case EARLIEST -> log.startOffset();
            case LATEST -> end;
            case OFFSET -> Math.min(from.value(), end);
            case TIME -> {
                try {
                    yield log.offsetForTime(from.value());
                } catch (IOException e) {
                    throw new StreamRejectedException(
                            ErrorCode.INTERNAL_ERROR,
                            "topic '" + name + "': cannot seek to time " + from.value() + ": " + e.getMessage());
                }
            }
        };
    }

    /**
     * A consumer left: what it had not consumed goes back to the cursor. The subscription stays (its cursor is
     * on disk) and its commits are flushed.
     */
    @Override
    public synchronized void removeConsumer(ConsumerLink c, boolean mayReturn) {
        LogSubscription s = subscriptions.get(c.subscription);
        if (s == null || closed) {
            return;
        }
        s.detach(c);
        commit(s);
        if (s.members.isEmpty()) {
            flushCursors();
        }
        pump();
    }

    // ------------------------------------------------------------------ the pump

    /** Appends what producers sent and delivers to every subscription with ready members (bounded work). */
    @Override
    public synchronized void pump() {
        if (closed) {
            return;
        }
        int moved = 0;
        int step;
        do {
            step = admit();
            for (LogSubscription s : subscriptions.values()) {
                step += s.deliver(MAX_MOVES_PER_PUMP);
            }
            moved += step;
        } while (step > 0 && moved < MAX_MOVES_PER_PUMP);
        if (moved >= MAX_MOVES_PER_PUMP) {
            broker.runLater(this::pump);
        }
        if (draining && pending == null && producers.isEmpty()) {
            for (LogSubscription s : subscriptions.values()) {
                if (s.caughtUp()) {
                    for (LogSubscription.Member m : s.members) {
                        m.link.stream.halfClose(); // end of the topic: everything was delivered
                    }
                }
            }
        }
    }

    /** Producer streams -> the log, in batches; nothing more is taken while a batch waits. */
    private int admit() {
        long nowNanos = System.nanoTime();
        quotaWait = Long.MAX_VALUE;
        int moved = admitBatches(nowNanos);
        quotaStalls.set(Stalls.Reason.QUOTA, quotaWait != Long.MAX_VALUE, nowNanos);
        if (quotaWait != Long.MAX_VALUE) {
            broker.pumpAfterQuota(this, quotaWait);
        }
        return moved;
    }

    private int admitBatches(long nowNanos) {
        int moved = 0;
        if (pending != null) {
            int n = pending.size();
            if (!appendPending()) {
                return 0;
            }
            moved += n;
        }
        while (!readable.isEmpty() && moved < MAX_MOVES_PER_PUMP) {
            List<AppendRecord> batch = new ArrayList<>();
            List<ProducerLink> owners = new ArrayList<>();
            long[] sequences = new long[16];
            long bytes = 0;
            long now = System.currentTimeMillis();
            boolean more = true;
            while (more && !readable.isEmpty()) {
                more = false;
                for (Iterator<ProducerLink> it = readable.iterator(); it.hasNext(); ) {
                    ProducerLink p = it.next();
                    int size;
                    try {
                        size = p.stream.peekSize();
                    } catch (IllegalStateException e) {
                        size = -1;
                    }
                    if (size < 0) {
                        it.remove();
                        continue;
                    }
                    if (!batch.isEmpty() && bytes + size + LogRecord.HEADER_BYTES > maxBatchBytes) {
                        more = false;
                        break;
                    }
                    int frame = size + BrokerProtocol.HEADER_BYTES;
                    if (p.quota != null) {
                        long wait = p.quota.tryAcquire(frame, nowNanos);
                        if (wait > 0) {
                            quotaWait = Math.min(quotaWait, wait); // stays in its window: no credit goes back
                            continue;
                        }
                    }
                    ByteBuffer payload = take(p, size);
                    if (payload == null) {
                        if (p.quota != null) {
                            p.quota.refund(frame, nowNanos);
                        }
                        it.remove();
                        continue;
                    }
                    long sequence = p.takeSequence();
                    batch.add(p.record(payload, sequence, now));
                    owners.add(p);
                    sequences = append(sequences, owners.size() - 1, sequence);
                    bytes += size + LogRecord.HEADER_BYTES;
                    p.published++;
                    more = true;
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            pending = batch;
            pendingOwners = owners;
            pendingSequences = sequences;
            pendingBytes = bytes;
            if (!appendPending()) {
                break;
            }
            moved += batch.size();
        }
        return moved;
    }

    private static long[] append(long[] array, int index, long value) {
        long[] a = index < array.length ? array : java.util.Arrays.copyOf(array, array.length * 2);
        a[index] = value;
        return a;
    }

    /**
     * Takes the next message from a producer stream (one copy), or null. The copy sits behind an 8-byte slot of
     * its own array, where {@link #cacheAppended} writes the record's offset: the consumer's header, so that the
     * tail cache's record is sent without another copy.
     */
    private static ByteBuffer take(ProducerLink p, int size) {
        try (Message msg = p.stream.poll(0, TimeUnit.SECONDS)) {
            if (msg == null || msg.size() != size) {
                return null; // only the broker polls producer streams, under this lock: cannot happen
            }
            byte[] framed = new byte[BrokerProtocol.HEADER_BYTES + size];
            ByteBuffer copy =
                    ByteBuffer.wrap(framed, BrokerProtocol.HEADER_BYTES, size).slice();
            copy.put(msg.payload()).flip();
            return copy;
        } catch (StreamClosedException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Appends the pending batch; false (and producers held, the batch kept) if it cannot be appended now. */
    private boolean appendPending() {
        AppendResult r = appendWithPolicy(pending);
        switch (r.status()) {
            case OK -> {
                markAppended(r);
                cacheAppended(r);
                duplicatesDropped += r.duplicateRecords();
                publishedMessages += r.appendedRecords();
                publishedBytes += pendingBytes - (long) pending.size() * LogRecord.HEADER_BYTES;
                pending = null;
                pendingOwners = null;
                pendingBytes = 0;
                hold(Hold.NONE, "");
                long durable = log.durableOffset();
                if (durable >= r.endOffset()) {
                    acknowledge(durable); // always and never: durable at once; otherwise the listener will say
                }
                return true;
            }
            case TOO_LARGE -> {
                // BrokerConfig keeps a largest message below a segment and batches below half of one: cannot happen.
                tooLargeDropped += pending.size();
                LOG.log(
                        System.Logger.Level.ERROR,
                        "topic '" + name + "': dropped a batch of " + pending.size()
                                + " messages the log refused as too large: " + r.reason());
                pending = null;
                pendingOwners = null;
                pendingBytes = 0;
                return true;
            }
            case LOG_FULL -> holdFull(r);
            case DISK_FULL -> hold(Hold.DISK_FULL, "disk full: " + r.reason());
            case IO_ERROR -> hold(Hold.IO_ERROR, "I/O error: " + r.reason());
            case CLOSED -> hold(Hold.CLOSED, "log closed");
        }
        return false;
    }

    /**
     * The appended batch into the tail cache, each payload with its offset written into the slot before it (see
     * {@link #take}). A batch with duplicates dropped has offsets the batch does not tell: the cache starts over.
     */
    private void cacheAppended(AppendResult r) {
        if (r.duplicateRecords() != 0 || r.appendedRecords() != pending.size()) {
            tail.clear();
            return;
        }
        long offset = r.firstOffset();
        for (AppendRecord a : pending) {
            ByteBuffer payload = a.payload();
            if (!payload.hasArray() || payload.arrayOffset() + payload.position() < BrokerProtocol.HEADER_BYTES) {
                tail.clear(); // not one of take's buffers: nothing to frame in place
                return;
            }
            LONG_BE.set(
                    payload.array(), payload.arrayOffset() + payload.position() - BrokerProtocol.HEADER_BYTES, offset);
            tail.add(new LogRecord(offset, a.timestampMillis(), a.producerId(), a.sequence(), payload));
            offset++;
        }
    }

    /** Each producer of the appended batch learns the sequence its records reached and when they are durable. */
    private void markAppended(AppendResult r) {
        ProducerLink last = null;
        long lastSequence = -1;
        for (int i = 0; i < pendingOwners.size(); i++) {
            ProducerLink p = pendingOwners.get(i);
            if (p != last && last != null) {
                last.appended(lastSequence, r.endOffset());
            }
            last = p;
            lastSequence = pendingSequences[i];
        }
        if (last != null) {
            last.appended(lastSequence, r.endOffset());
        }
    }

    /** The log is durable below {@code durableOffset}: producers waiting for it get their acknowledgements. */
    private synchronized void acknowledge(long durableOffset) {
        for (ProducerLink p : producers) {
            if (p.awaitsDurability()) {
                p.durable(durableOffset);
            }
        }
    }

    /**
     * One append; on LOG_FULL (the topic's bound or the broker-wide total) room is made and the append is tried
     * once more: first losslessly, deleting this log's segments every cursor has passed and, if the total is
     * what is full, the other topics' passed segments too; then, under drop-oldest, this log's oldest segments,
     * read or not. Under block nothing unread goes.
     */
    private AppendResult appendWithPolicy(List<AppendRecord> batch) {
        AppendResult r = log.append(batch);
        if (r.status() != AppendResult.Status.LOG_FULL) {
            return r;
        }
        long need = r.requiredBytes();
        long protect = protectedOffset();
        try {
            boolean room = log.reclaim(need, protect).satisfied()
                    || log.sizeBytes() + need <= log.maxBytes() && broker.reclaimForTotal(need, this);
            if (!room && config.diskPolicy() == DiskPolicy.DROP_OLDEST) {
                RetentionResult rr = log.dropOldest(need, protect);
                unreadRecordsDropped += rr.unreadRecordsDropped();
                room = rr.satisfied();
            }
            return room ? log.append(batch) : r;
        } catch (IOException e) {
            hold(Hold.IO_ERROR, "I/O error making room: " + e.getMessage());
            return r;
        }
    }

    /**
     * For another topic held by the broker-wide total: deletes this log's oldest segments that every committed
     * cursor has passed, until {@code bytesNeeded} fit under the total. Lossless (what goes was read by every
     * durable subscription). Takes only the log's own lock, never this topic's, so that topics never wait for
     * each other's locks.
     *
     * @return whether {@code bytesNeeded} now fit under the total
     */
    boolean reclaimForTotal(long bytesNeeded) {
        try {
            return log.reclaim(bytesNeeded, log.cursors().lowestCommittedOffset())
                    .satisfied();
        } catch (IOException e) {
            return false; // closed, or deleting failed: the held topic retries on the next tick
        }
    }

    /**
     * Holds the producers on a full bound: the topic's own, or else the broker-wide total, which the other durable
     * topics fill too (this topic can only make room in its own log).
     */
    private void holdFull(AppendResult r) {
        String why = config.diskPolicy() == DiskPolicy.BLOCK
                ? "its oldest data is still needed by a subscription at offset " + protectedOffset()
                        + " (disk policy block)"
                : "it has no whole segment left to drop (disk policy drop-oldest)";
        if (log.sizeBytes() + r.requiredBytes() > log.maxBytes()) {
            hold(Hold.LOG_FULL, "topic log full (" + log.sizeBytes() + " of " + log.maxBytes() + " bytes) and " + why);
        } else {
            DiskTotal total = broker.diskTotal();
            hold(
                    Hold.TOTAL_FULL,
                    "broker-wide log total full (" + total.usedBytes() + " of " + total.maxBytes()
                            + " bytes over all durable topics; this topic holds " + log.sizeBytes() + ") and " + why);
        }
    }

    private void hold(Hold h, String reason) {
        if (h == held) {
            return;
        }
        long now = System.nanoTime();
        if (held != Hold.NONE) {
            heldNanos.merge(held, now - heldSinceNanos, Long::sum);
            BrokerEvents.stallEnds(holdEvent, name, "", held.name().toLowerCase(java.util.Locale.ROOT));
        }
        if (h != Hold.NONE) {
            holdEvent = BrokerEvents.stallBegins();
        }
        if (h == Hold.NONE) {
            LOG.log(System.Logger.Level.INFO, "topic '" + name + "': producers resume (were held: " + holdReason + ")");
        } else {
            holdEvents.merge(h, 1L, Long::sum);
            LOG.log(System.Logger.Level.WARNING, "topic '" + name + "': producers held: " + reason);
        }
        held = h;
        holdReason = reason;
        heldSinceNanos = now;
    }

    /** The lowest offset any subscription still needs: committed cursors on disk and live ones in memory. */
    private long protectedOffset() {
        long p = log.cursors().lowestCommittedOffset();
        for (LogSubscription s : subscriptions.values()) {
            p = Math.min(p, s.commitPoint());
        }
        return p;
    }

    private void commit(LogSubscription s) {
        long offset = s.advanceCommit();
        if (offset >= 0) {
            log.cursors().commit(s.name, offset);
        }
    }

    private void flushCursors() {
        lastFlushNanos = System.nanoTime();
        try {
            log.cursors().flush();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "topic '" + name + "': flushing cursors failed (retried): " + e);
        }
    }

    // ------------------------------------------------------------------ timer, HTTP, shutdown

    /** Broker timer: commits what consumers consumed, flushes cursors (1 s), retention (1 min), retries, pumps. */
    synchronized void tick(long now) {
        if (closed) {
            return;
        }
        for (LogSubscription s : subscriptions.values()) {
            commit(s);
        }
        if (now - lastFlushNanos >= FLUSH_CURSORS_NANOS) {
            flushCursors();
        }
        measureDrain(now);
        if (now - lastRetentionNanos >= RETENTION_NANOS) {
            lastRetentionNanos = now;
            try {
                log.applyRetention(protectedOffset());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "topic '" + name + "': retention failed: " + e);
            }
        }
        pump();
    }

    /** Appends one HTTP message now, or refuses it (nothing kept) while producers are held. */
    synchronized Topic.PublishOutcome tryPublish(byte[] payload) {
        if (draining || closed || pending != null) {
            httpRejects++;
            return new Topic.PublishOutcome(false, -1, retryAfterSeconds());
        }
        AppendResult r =
                appendWithPolicy(List.of(AppendRecord.of(ByteBuffer.wrap(payload), System.currentTimeMillis())));
        if (!r.isOk()) {
            httpRejects++;
            boolean diskTrouble =
                    r.status() == AppendResult.Status.DISK_FULL || r.status() == AppendResult.Status.IO_ERROR;
            return new Topic.PublishOutcome(false, -1, diskTrouble ? DISK_RETRY_SECONDS : retryAfterSeconds());
        }
        publishedMessages++;
        publishedBytes += payload.length;
        pump();
        return new Topic.PublishOutcome(true, r.firstOffset(), 0);
    }

    /**
     * Seconds an HTTP client should wait (1 to 60): while the log is full under {@code block}, the time the
     * slowest subscription takes, at its measured rate, to read past one segment (what must be freed before
     * anything fits); 60 if it reads nothing; 5 while the disk is full or failing (no rate predicts that); 1
     * while shutting down.
     */
    private int retryAfterSeconds() {
        if (draining || closed) {
            return 1;
        }
        if (held == Hold.DISK_FULL || held == Hold.IO_ERROR) {
            return DISK_RETRY_SECONDS;
        }
        double rate = protectedRecordsPerSecond * averageRecordBytes();
        if (rate < 1) {
            return 60;
        }
        return (int) Math.max(1, Math.min(60, Math.ceil(config.logSegmentBytes() / rate)));
    }

    private double averageRecordBytes() {
        return publishedMessages == 0
                ? LogRecord.HEADER_BYTES
                : (double) publishedBytes / publishedMessages + LogRecord.HEADER_BYTES;
    }

    /** Broker timer: the rate at which the lowest cursor moves (what frees the log under {@code block}). */
    private void measureDrain(long now) {
        double seconds = (now - lastDrainNanos) / 1e9;
        if (seconds < 0.5) {
            return;
        }
        long p = Math.min(protectedOffset(), log.endOffset());
        if (lastProtectedOffset >= 0) {
            double rate = Math.max(0, p - lastProtectedOffset) / seconds;
            protectedRecordsPerSecond =
                    protectedRecordsPerSecond == 0 ? rate : 0.7 * protectedRecordsPerSecond + 0.3 * rate;
        }
        lastProtectedOffset = p;
        lastDrainNanos = now;
    }

    /** Shutdown: cursors are flushed; consumers get a half-close once they have read to the end. */
    synchronized void startDraining() {
        draining = true;
        flushCursors();
        pump();
    }

    synchronized boolean isDrained() {
        if (pending != null) {
            return false;
        }
        for (LogSubscription s : subscriptions.values()) {
            if (!s.members.isEmpty() && !s.caughtUp()) {
                return false;
            }
        }
        return true;
    }

    /** Commits what consumers consumed and closes the log (which flushes the cursors). Idempotent. */
    synchronized void close() {
        if (closed) {
            return;
        }
        for (LogSubscription s : subscriptions.values()) {
            commit(s);
        }
        closed = true;
        tail.clear();
        try {
            log.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "topic '" + name + "': closing its log failed: " + e);
        }
    }

    /** The topic's figures in the in-memory topics' shape (policy log; depth = records not yet delivered). */
    synchronized TopicStats stats() {
        long end = log.endOffset();
        List<TopicStats.SubscriptionStats> subs = new ArrayList<>();
        long delivered = 0;
        for (LogSubscription s : subscriptions.values()) {
            subs.add(new TopicStats.SubscriptionStats(
                    s.name,
                    SubscriptionPolicy.LOG,
                    s.members.size(),
                    Math.max(0, end - s.frontier()),
                    s.readAheadBytes(),
                    s.consumerCreditBytes(),
                    s.delivered,
                    s.skippedRecords,
                    0,
                    0));
            delivered += s.delivered;
        }
        return new TopicStats(
                name,
                producers.size(),
                pending == null ? 0 : pending.size(),
                pendingBytes,
                publishedMessages,
                publishedBytes,
                delivered,
                0,
                0,
                0,
                httpRejects,
                0,
                heldTotalNanos(),
                0,
                0,
                quotaStalls.totalNanos(Stalls.Reason.QUOTA, System.nanoTime()),
                0,
                0,
                refusedConsumers,
                0,
                subs);
    }

    private long heldTotalNanos() {
        long total = 0;
        for (long n : heldNanos.values()) {
            total += n;
        }
        return total + (held != Hold.NONE ? System.nanoTime() - heldSinceNanos : 0);
    }

    /** The durable figures: the log, why producers are held, and every cursor. */
    synchronized LogTopicStats logStats() {
        LogStats ls = log.stats();
        long now = System.nanoTime();
        Map<String, Long> held = new LinkedHashMap<>();
        Map<String, Long> events = new LinkedHashMap<>();
        for (Hold h : Hold.values()) {
            if (h != Hold.NONE) {
                long n = heldNanos.getOrDefault(h, 0L) + (this.held == h ? now - heldSinceNanos : 0);
                held.put(h.name().toLowerCase(java.util.Locale.ROOT), n);
                events.put(h.name().toLowerCase(java.util.Locale.ROOT), holdEvents.getOrDefault(h, 0L));
            }
        }
        List<LogTopicStats.CursorStats> cursors = new ArrayList<>();
        Map<String, Long> committed = log.cursors().committedOffsets();
        for (Map.Entry<String, Long> e : committed.entrySet()) {
            LogSubscription s = subscriptions.get(e.getKey());
            long position = s != null ? s.frontier() : e.getValue();
            cursors.add(new LogTopicStats.CursorStats(
                    e.getKey(),
                    s == null ? 0 : s.members.size(),
                    position,
                    e.getValue(),
                    Math.max(0, ls.endOffset() - e.getValue()),
                    s == null ? 0 : s.skippedRecords,
                    s == null ? 0 : s.corruptRecords,
                    s == null ? 0 : s.consumerCreditMessages()));
        }
        DiskTotal total = broker.diskTotal();
        return new LogTopicStats(
                name,
                ls.sizeBytes(),
                ls.maxBytes(),
                total.usedBytes(),
                total.isBounded() ? total.maxBytes() : 0,
                ls.startOffset(),
                ls.endOffset(),
                ls.durableOffset(),
                this.held.name().toLowerCase(java.util.Locale.ROOT),
                holdReason,
                held,
                events,
                unreadRecordsDropped,
                tooLargeDropped,
                duplicatesDropped,
                recovery == null ? 0 : recovery.truncatedBytes(),
                tail.bytes(),
                tail.hits(),
                cursors);
    }
}
