package io.creditflow.broker;

import io.creditflow.proto.core.MemoryBudget;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamRejectedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One topic: a bounded buffer between its producers and its subscriptions.
 *
 * <pre>
 * producer streams --admit--> [topic buffer] --dispatch--> [subscription queue] --deliver--> consumer streams
 *   (pull, window)           bytes/messages                 bytes/messages, policy          (offer while credit)
 * </pre>
 *
 * <p>The pressure chain: a consumer stops granting credit, so {@code deliver} stops; its subscription
 * fills; under BLOCK, {@code dispatch} stops; the topic buffer fills; {@code admit} stops taking
 * messages from producer streams; their receive windows fill and no credit goes back; the producer's
 * {@code send} blocks (or its {@code offer} says QUEUE_FULL).
 *
 * <p>The four questions: <b>bound</b> the topic buffer's bytes and messages, and the broker budget for
 * every byte held anywhere in the broker; <b>when full</b> producers wait (the HTTP edge answers 503 or
 * pauses); <b>pressure</b> goes to the producers' transport credit; <b>observed</b> depth, rates, the
 * TOPIC_FULL / SUBSCRIPTION_FULL / BUDGET_EXHAUSTED stall times.
 *
 * <p>Thread-safe: every method takes the topic's lock; nothing inside waits for another thread or
 * calls back into application code, so event loops never block on each other here.
 */
final class Topic implements TopicEndpoint {
    /** Messages moved per pump before the rest is left to the broker's timer (keeps event loops fair). */
    static final int MAX_MOVES_PER_PUMP = 4096;

    final Broker broker;
    final String name;
    private final BrokerConfig config;
    private final MemoryBudget budget;
    private final ArrayDeque<TopicMessage> buffer = new ArrayDeque<>();
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final Set<ProducerLink> producers = new LinkedHashSet<>();
    private final Set<ProducerLink> readable = new LinkedHashSet<>();
    /** Producers that asked for acknowledgements and had messages taken in this admit round. */
    private final Set<ProducerLink> acknowledged = new LinkedHashSet<>();

    private final List<Subscription> toEvict = new ArrayList<>();
    private final ArrayDeque<Runnable> roomWaiters = new ArrayDeque<>();
    final Stalls stalls;
    private long bufferBytes;
    private long nextSequence;
    long publishedMessages;
    long publishedBytes;
    long dispatchedMessages;
    long dispatchedBytes;
    long unroutedMessages;
    long droppedByEvictions;
    long evictions;
    /** Subscriptions removed after their grace period with no consumer, and the messages they still held. */
    long expiredSubscriptions;

    long droppedByExpiry;
    /** Consumers refused at subscribe time (policy conflict, message limit too small). */
    long refusedConsumers;

    final EvictionBackoff evictionBackoff;
    long httpRejects;
    /** Bytes dispatched per second, smoothed; drives Retry-After. */
    double drainBytesPerSecond;

    private long lastRateNanos;
    private long lastRateDispatchedBytes;
    private final long createdNanos = System.nanoTime();
    private boolean draining;

    Topic(Broker broker, String name, BrokerConfig config, MemoryBudget budget) {
        this.broker = broker;
        this.name = name;
        this.config = config;
        this.budget = budget;
        this.lastRateNanos = System.nanoTime();
        this.stalls = new Stalls(name, "");
        this.evictionBackoff = new EvictionBackoff(config.evictionBackoffInitial(), config.evictionBackoffMax());
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

    /**
     * A consumer joins its subscription (created on first use with the consumer's policy, or
     * {@link SubscriptionPolicy#BLOCK} if it named none).
     *
     * @throws StreamRejectedException INVALID_ARGUMENT if the consumer asked for another policy than the
     *         subscription has; SLOW_CONSUMER while the subscription's name is held back after evictions
     *         (the reason says for how much longer: {@code retry-after-ms=N})
     */
    synchronized void countRefusedConsumer() {
        refusedConsumers++;
    }

    @Override
    public synchronized void addConsumer(ConsumerLink c) {
        long now = System.nanoTime();
        Subscription s = subscriptions.get(c.subscription);
        if (s == null) {
            evictionBackoff.checkRejoin(c.subscription, now);
            s = new Subscription(
                    this,
                    c.subscription,
                    c.policy == null ? SubscriptionPolicy.BLOCK : c.policy,
                    config.subscriptionQueueBytes(),
                    config.subscriptionQueueMessages());
            subscriptions.put(s.name, s);
        } else if (c.policy != null && c.policy != s.policy) {
            refusedConsumers++;
            throw new StreamRejectedException(
                    ErrorCode.INVALID_ARGUMENT,
                    "subscription '" + s.name + "' of topic '"
                            + name + "' has policy " + s.policy.label() + "; this consumer asked for "
                            + c.policy.label()
                            + " (a subscription's policy is set by the consumer that creates it)");
        }
        s.attach(c);
        pump();
    }

    /**
     * A consumer left. A subscription whose last member left stays for {@link BrokerConfig#subscriptionGrace()}
     * with its queue (already bounded; under BLOCK it keeps holding the topic, as a slow consumer would), so
     * a consumer that reconnects within it loses nothing but what was in flight to it; then it is removed and
     * its queue freed, so nothing is held for a consumer that is gone. A consumer the broker cut off
     * itself ({@code mayReturn} false: a write stall, a protocol error) gets no grace.
     */
    @Override
    public synchronized void removeConsumer(ConsumerLink c, boolean mayReturn) {
        Subscription s = subscriptions.get(c.subscription);
        if (s != null && s.members.remove(c) && s.members.isEmpty()) {
            if (!mayReturn || config.subscriptionGrace().isZero() || draining) {
                removeSubscription(s);
            } else {
                s.detachedSinceNanos = System.nanoTime();
            }
        }
        pump();
    }

    private void removeSubscription(Subscription s) {
        s.releaseQueue();
        subscriptions.remove(s.name);
    }

    @Override
    public synchronized void onProducerReadable(ProducerLink p) {
        readable.add(p);
        pump();
    }

    // ------------------------------------------------------------------ the pump

    /** Moves messages along the chain as far as room and credit allow (bounded work per call). */
    @Override
    public synchronized void pump() {
        long now = System.nanoTime();
        int moved = 0;
        int step;
        do {
            step = 0;
            for (Subscription s : subscriptions.values()) {
                step += s.deliver(now);
            }
            step += dispatch(now);
            step += admit(now);
            moved += step;
        } while (step > 0 && moved < MAX_MOVES_PER_PUMP);
        applyEvictions();
        if (moved >= MAX_MOVES_PER_PUMP) {
            broker.pumpLater(this);
        }
        if (!roomWaiters.isEmpty() && hasRoom(config.maxMessageBytes() + BrokerProtocol.HEADER_BYTES)) {
            Runnable r;
            while ((r = roomWaiters.pollFirst()) != null) {
                broker.runLater(r);
            }
        }
        if (draining && buffer.isEmpty() && producers.isEmpty()) {
            for (Subscription s : subscriptions.values()) {
                if (s.queue.isEmpty()) {
                    for (ConsumerLink c : s.members) {
                        c.stream.halfClose(); // end of the topic: everything was delivered
                    }
                }
            }
        }
    }

    private boolean hasRoom(int bytes) {
        return buffer.isEmpty()
                || (bufferBytes + bytes <= config.topicBufferBytes() && buffer.size() < config.topicBufferMessages());
    }

    /** Producer streams -> topic buffer, one message per producer per round, while there is room. */
    private int admit(long now) {
        int moved = 0;
        boolean full = false;
        boolean budgetShort = false;
        long quotaWait = Long.MAX_VALUE;
        boolean progressed = true;
        while (!readable.isEmpty() && !full && !budgetShort && progressed) {
            progressed = false;
            Iterator<ProducerLink> it = readable.iterator();
            while (it.hasNext()) {
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
                int bytes = size + BrokerProtocol.HEADER_BYTES;
                if (!hasRoom(bytes)) {
                    full = true;
                    break;
                }
                if (p.quota != null) {
                    long wait = p.quota.tryAcquire(bytes, now);
                    if (wait > 0) {
                        quotaWait = Math.min(quotaWait, wait); // stays in its window: no credit goes back
                        continue;
                    }
                }
                if (!budget.tryReserveExactly(bytes)) {
                    if (p.quota != null) {
                        p.quota.refund(bytes, now);
                    }
                    if (!stalls.isStalled(Stalls.Reason.BUDGET_EXHAUSTED)) {
                        BrokerEvents.budgetExhausted(name, budget.reservedBytes(), budget.limitBytes(), bytes);
                    }
                    budgetShort = true;
                    break;
                }
                TopicMessage m = take(p, size);
                if (m == null) {
                    budget.release(bytes);
                    if (p.quota != null) {
                        p.quota.refund(bytes, now);
                    }
                    it.remove();
                    continue;
                }
                progressed = true;
                append(m);
                p.published++;
                if (p.acks) {
                    p.appended(p.takeSequence(), 0);
                    acknowledged.add(p);
                } else {
                    p.takeSequence();
                }
                moved++;
            }
        }
        for (ProducerLink p : acknowledged) {
            p.durable(Long.MAX_VALUE); // in memory, taken into the topic is as durable as it gets
        }
        acknowledged.clear();
        stalls.set(Stalls.Reason.TOPIC_FULL, full, now);
        stalls.set(Stalls.Reason.BUDGET_EXHAUSTED, budgetShort, now);
        stalls.set(Stalls.Reason.QUOTA, quotaWait != Long.MAX_VALUE, now);
        if (quotaWait != Long.MAX_VALUE) {
            broker.pumpAfterQuota(this, quotaWait);
        }
        return moved;
    }

    /** Takes the next message from a producer stream into a new TopicMessage (one copy), or null. */
    private TopicMessage take(ProducerLink p, int size) {
        try (Message msg = p.stream.poll(0, TimeUnit.SECONDS)) {
            if (msg == null || msg.size() != size) {
                return null; // only the broker polls producer streams, under this lock: cannot happen
            }
            TopicMessage m = new TopicMessage(nextSequence++, size);
            msg.payload().get(m.frame, BrokerProtocol.HEADER_BYTES, size);
            return m;
        } catch (StreamClosedException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void append(TopicMessage m) {
        buffer.addLast(m);
        bufferBytes += m.bytes();
        publishedMessages++;
        publishedBytes += m.bytes() - BrokerProtocol.HEADER_BYTES;
    }

    /** Topic buffer -> subscriptions: each message goes out only when every BLOCK subscription has room. */
    private int dispatch(long now) {
        int moved = 0;
        boolean blocked = false;
        while (!buffer.isEmpty()) {
            TopicMessage m = buffer.peekFirst();
            for (Subscription s : subscriptions.values()) {
                if (s.policy == SubscriptionPolicy.BLOCK && !s.hasRoom(m.bytes())) {
                    blocked = true;
                    break;
                }
            }
            if (blocked) {
                break;
            }
            buffer.pollFirst();
            bufferBytes -= m.bytes();
            int refs = 0;
            for (Subscription s : subscriptions.values()) {
                if (s.offer(m, now)) {
                    refs++;
                }
            }
            m.refs = refs;
            if (refs == 0) {
                budget.release(m.bytes());
                if (subscriptions.isEmpty()) {
                    unroutedMessages++;
                }
            }
            dispatchedMessages++;
            dispatchedBytes += m.bytes();
            moved++;
        }
        stalls.set(Stalls.Reason.SUBSCRIPTION_FULL, blocked, now);
        return moved;
    }

    /** A subscription queue let go of {@code m}: the last one releases its bytes from the budget. */
    void release(TopicMessage m) {
        if (--m.refs == 0) {
            budget.release(m.bytes());
        }
    }

    void evictLater(Subscription s, String reason) {
        if (!toEvict.contains(s)) {
            toEvict.add(s);
            s.evictReason = reason;
        }
    }

    private void applyEvictions() {
        if (toEvict.isEmpty()) {
            return;
        }
        long now = System.nanoTime();
        for (Subscription s : toEvict) {
            BrokerEvents.subscriptionEvicted(name, s.name, s.members.size(), s.queue.size(), s.evictReason);
            droppedByEvictions += s.queue.size();
            boolean attached = !s.members.isEmpty();
            s.evict(s.evictReason);
            subscriptions.remove(s.name);
            evictions++;
            if (attached) {
                evictionBackoff.onEvicted(s.name, now); // its consumers may not come straight back
            }
        }
        toEvict.clear();
    }

    // ------------------------------------------------------------------ timer, HTTP, shutdown

    /** Broker timer: catch-up pump, DISCONNECT stall checks, drain rate. */
    synchronized void tick(long now) {
        long graceNanos = config.subscriptionGrace().toNanos();
        for (Iterator<Subscription> it = subscriptions.values().iterator(); it.hasNext(); ) {
            Subscription s = it.next();
            if (s.members.isEmpty() && now - s.detachedSinceNanos > graceNanos && !toEvict.contains(s)) {
                expiredSubscriptions++;
                droppedByExpiry += s.queue.size();
                s.releaseQueue();
                it.remove();
            }
        }
        evictionBackoff.prune(now);
        for (Subscription s : subscriptions.values()) {
            if (s.stalledLongerThan(config.disconnectStall().toNanos(), now)) {
                evictLater(
                        s,
                        "accepted nothing for " + TimeUnit.NANOSECONDS.toMillis(now - s.lastProgressNanos)
                                + " ms while " + s.queue.size() + " messages waited (limit "
                                + config.disconnectStall().toMillis() + " ms)");
            }
        }
        pump();
        double seconds = (now - lastRateNanos) / 1e9;
        if (seconds >= 0.5) {
            double rate = (dispatchedBytes - lastRateDispatchedBytes) / seconds;
            drainBytesPerSecond = drainBytesPerSecond == 0 ? rate : 0.7 * drainBytesPerSecond + 0.3 * rate;
            lastRateNanos = now;
            lastRateDispatchedBytes = dispatchedBytes;
        }
    }

    /** What an HTTP publish got. */
    record PublishOutcome(boolean accepted, long sequence, int retryAfterSeconds) {}

    /**
     * Publishes one message if the topic and the budget have room right now; otherwise nothing is
     * enqueued and the outcome carries a Retry-After computed from the queued bytes and the measured
     * drain rate.
     */
    synchronized PublishOutcome tryPublish(byte[] payload) {
        int bytes = payload.length + BrokerProtocol.HEADER_BYTES;
        if (draining || !hasRoom(bytes) || !budget.tryReserveExactly(bytes)) {
            httpRejects++;
            return new PublishOutcome(false, -1, retryAfterSeconds());
        }
        TopicMessage m = new TopicMessage(nextSequence++, payload.length);
        System.arraycopy(payload, 0, m.frame, BrokerProtocol.HEADER_BYTES, payload.length);
        append(m);
        pump();
        return new PublishOutcome(true, m.sequence, 0);
    }

    /** Seconds until the queued bytes should have drained at the measured rate (1 to 60). */
    int retryAfterSeconds() {
        long queued = bufferBytes;
        for (Subscription s : subscriptions.values()) {
            if (s.policy == SubscriptionPolicy.BLOCK) {
                queued = Math.max(queued, bufferBytes + s.queueBytes);
            }
        }
        double rate = drainBytesPerSecond;
        if (rate < 1 && dispatchedBytes > 0) {
            rate = dispatchedBytes / Math.max(1e-3, (System.nanoTime() - createdNanos) / 1e9); // not smoothed yet
        }
        if (rate < 1) {
            return 60; // nothing is draining: ask the client to stay away for the longest we advertise
        }
        return (int) Math.max(1, Math.min(60, Math.ceil(queued / rate)));
    }

    /** HTTP requests a topic holds at most in pause mode: each holds its body, up to maxMessageBytes. */
    static final int MAX_ROOM_WAITERS = 1024;

    /**
     * Runs {@code r} (on the broker's executor) once the topic has room for a largest message.
     *
     * @return false if {@link #MAX_ROOM_WAITERS} are already waiting: the caller answers 503 instead
     */
    synchronized boolean awaitRoom(Runnable r) {
        if (roomWaiters.size() >= MAX_ROOM_WAITERS) {
            return false;
        }
        roomWaiters.addLast(r);
        pump();
        return true;
    }

    /** HTTP requests held until this topic has room (pause mode). */
    synchronized int roomWaiters() {
        return roomWaiters.size();
    }

    /** A waiter whose client went away. */
    synchronized void cancelRoomWaiter(Runnable r) {
        roomWaiters.remove(r);
    }

    /** Shutdown: subscriptions nobody is attached to are dropped (nobody would receive them), the rest drain. */
    synchronized void startDraining() {
        draining = true;
        for (Iterator<Subscription> it = subscriptions.values().iterator(); it.hasNext(); ) {
            Subscription s = it.next();
            if (s.members.isEmpty()) {
                expiredSubscriptions++;
                droppedByExpiry += s.queue.size();
                s.releaseQueue();
                it.remove();
            }
        }
        pump();
    }

    synchronized boolean isDrained() {
        if (!buffer.isEmpty()) {
            return false;
        }
        for (Subscription s : subscriptions.values()) {
            if (!s.queue.isEmpty() && !s.members.isEmpty()) {
                return false;
            }
        }
        return true;
    }

    /** A consistent snapshot of this topic's figures. */
    synchronized TopicStats stats() {
        long now = System.nanoTime();
        List<TopicStats.SubscriptionStats> subs = new ArrayList<>();
        for (Subscription s : subscriptions.values()) {
            subs.add(new TopicStats.SubscriptionStats(
                    s.name,
                    s.policy,
                    s.members.size(),
                    s.queue.size(),
                    s.queueBytes,
                    s.consumerCreditBytes(),
                    s.delivered,
                    s.dropped,
                    s.stalls.totalNanos(Stalls.Reason.NO_CONSUMER_CREDIT, now),
                    s.evictedMembers));
        }
        return new TopicStats(
                name,
                producers.size(),
                buffer.size(),
                bufferBytes,
                publishedMessages,
                publishedBytes,
                dispatchedMessages,
                unroutedMessages,
                evictions,
                droppedByEvictions,
                httpRejects,
                drainBytesPerSecond,
                stalls.totalNanos(Stalls.Reason.TOPIC_FULL, now),
                stalls.totalNanos(Stalls.Reason.SUBSCRIPTION_FULL, now),
                stalls.totalNanos(Stalls.Reason.BUDGET_EXHAUSTED, now),
                stalls.totalNanos(Stalls.Reason.QUOTA, now),
                expiredSubscriptions,
                droppedByExpiry,
                refusedConsumers,
                evictionBackoff.refusedRejoins(),
                subs);
    }
}
