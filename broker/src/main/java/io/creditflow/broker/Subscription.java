package io.creditflow.broker;

import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.OfferResult;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A named subscription to a topic: one bounded queue of message references and the consumer streams
 * that compete for it (one member: plain fan-out; several: a consumer group).
 *
 * <p>The four questions: <b>bound</b> {@code maxBytes}/{@code maxMessages}; <b>when full</b> its
 * {@link SubscriptionPolicy}; <b>pressure</b> BLOCK holds the topic's dispatch (and so its producers),
 * the other policies keep it off the topic; <b>observed</b> depth, drops, evictions, delivered, and the
 * NO_CONSUMER_CREDIT stall time. Messages move to a consumer only while its stream has credit
 * ({@code isReady}), so nothing piles up in the transport either.
 *
 * <p>Guarded by the topic's lock.
 */
final class Subscription {
    final Topic topic;
    final String name;
    final SubscriptionPolicy policy;
    final long maxBytes;
    final int maxMessages;
    final List<ConsumerLink> members = new ArrayList<>();
    final ArrayDeque<TopicMessage> queue = new ArrayDeque<>();
    final Stalls stalls;
    long queueBytes;
    long delivered;
    long dropped;
    long lastProgressNanos;
    /** When the last member left (meaningful while {@link #members} is empty). */
    long detachedSinceNanos;
    /** Members evicted alone because they could not take a message (see {@link #deliver}). */
    long evictedMembers;

    String evictReason;
    private int nextMember;

    Subscription(Topic topic, String name, SubscriptionPolicy policy, long maxBytes, int maxMessages) {
        this.topic = topic;
        this.name = name;
        this.policy = policy;
        this.maxBytes = maxBytes;
        this.maxMessages = maxMessages;
        this.stalls = new Stalls(topic.name, name);
    }

    /**
     * A consumer joins (or, within the grace period, rejoins) the subscription. The DISCONNECT stall clock
     * restarts: a consumer that just arrived has not yet had the chance to fall behind.
     */
    void attach(ConsumerLink c) {
        members.add(c);
        lastProgressNanos = System.nanoTime();
    }

    boolean hasRoom(int bytes) {
        return queue.isEmpty() || (queueBytes + bytes <= maxBytes && queue.size() < maxMessages);
    }

    /**
     * A message from the topic, applying the policy if the queue is full.
     *
     * @return true if the message was queued here (the caller counts a reference)
     */
    boolean offer(TopicMessage m, long nowNanos) {
        if (evictReason != null) {
            dropped++; // overflowed and about to be evicted: counted, never queued
            return false;
        }
        if (hasRoom(m.bytes())) {
            add(m, nowNanos);
            return true;
        }
        switch (policy) {
            case DROP_OLDEST -> {
                while (!hasRoom(m.bytes())) {
                    TopicMessage old = queue.pollFirst();
                    queueBytes -= old.bytes();
                    dropped++;
                    topic.release(old);
                }
                add(m, nowNanos);
                return true;
            }
            case DROP_NEWEST -> {
                dropped++;
                return false;
            }
            case DISCONNECT -> {
                topic.evictLater(
                        this,
                        "lagged " + queue.size() + " messages / " + queueBytes + " bytes behind (limit " + maxMessages
                                + " messages / " + maxBytes + " bytes)");
                dropped++;
                return false;
            }
            default -> throw new IllegalStateException("BLOCK subscription offered a message it has no room for");
        }
    }

    private void add(TopicMessage m, long nowNanos) {
        if (queue.isEmpty()) {
            lastProgressNanos = nowNanos; // the stall clock starts when something waits
        }
        queue.addLast(m);
        queueBytes += m.bytes();
    }

    /** Moves queued messages to members whose streams have credit, round robin. Returns how many. */
    int deliver(long nowNanos) {
        int moved = 0;
        while (!queue.isEmpty()) {
            ConsumerLink member = nextReadyMember();
            if (member == null) {
                break;
            }
            TopicMessage m = queue.peekFirst();
            OfferResult r;
            try {
                r = member.stream.offer(ByteBuffer.wrap(m.frame));
            } catch (MessageTooLargeException e) {
                // Refused at subscribe time already (Broker.route): kept as a defense, so that one consumer can
                // never stall the topic, its other subscriptions or its producers.
                evictMember(
                        member,
                        ErrorCode.MESSAGE_TOO_LARGE,
                        "cannot take message " + m.sequence + ": " + e.getMessage());
                continue;
            }
            if (r == OfferResult.ACCEPTED) {
                queue.pollFirst();
                queueBytes -= m.bytes();
                topic.release(m);
                member.delivered++;
                delivered++;
                moved++;
                lastProgressNanos = nowNanos;
            } else {
                member.skip = true; // isReady was optimistic; wait for onReady
            }
        }
        for (ConsumerLink member : members) {
            member.skip = false;
        }
        stalls.set(Stalls.Reason.NO_CONSUMER_CREDIT, !queue.isEmpty(), nowNanos);
        return moved;
    }

    private ConsumerLink nextReadyMember() {
        int n = members.size();
        for (int i = 0; i < n; i++) {
            ConsumerLink c = members.get((nextMember + i) % n);
            if (!c.skip && c.stream.isReady()) {
                nextMember = (nextMember + i + 1) % n;
                return c;
            }
        }
        return null;
    }

    /** DISCONNECT: true if messages have waited with no delivery for longer than {@code stallNanos}. */
    boolean stalledLongerThan(long stallNanos, long nowNanos) {
        return policy == SubscriptionPolicy.DISCONNECT && !queue.isEmpty() && nowNanos - lastProgressNanos > stallNanos;
    }

    /** Removes one member, resetting its stream; the subscription and its queue stay for the others. */
    private void evictMember(ConsumerLink member, ErrorCode code, String reason) {
        members.remove(member);
        member.evicted = true;
        evictedMembers++;
        nextMember = 0;
        member.stream.reset(code, "evicted from subscription '" + name + "': " + reason);
        if (members.isEmpty()) {
            detachedSinceNanos = System.nanoTime();
        }
    }

    /** Frees the queue (its references) and evicts every member with SLOW_CONSUMER. */
    void evict(String reason) {
        for (ConsumerLink c : members) {
            c.evicted = true;
            c.stream.reset(ErrorCode.SLOW_CONSUMER, "evicted from subscription '" + name + "': " + reason);
        }
        members.clear();
        releaseQueue();
    }

    void releaseQueue() {
        TopicMessage m;
        while ((m = queue.pollFirst()) != null) {
            topic.release(m);
        }
        queueBytes = 0;
    }

    /** Credit the consumers granted the broker and it has not used yet (racy snapshot). */
    long consumerCreditBytes() {
        long credit = 0;
        for (ConsumerLink c : members) {
            credit += c.stream.stats().sendCreditBytes();
        }
        return credit;
    }
}
