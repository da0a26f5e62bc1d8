package io.creditflow.broker;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * The broker's JDK Flight Recorder events: the moments that matter under pressure, recorded by any JFR recording
 * with no extra setup ({@code jcmd <pid> JFR.start}, or {@code -XX:StartFlightRecording}). They are enabled by
 * default; none takes a stack trace, and while no recording runs each costs one short-lived object or nothing.
 *
 * <table>
 * <caption>Events (category creditflow / Broker)</caption>
 * <tr><th>name</th><th>when</th><th>fields</th></tr>
 * <tr><td>{@code creditflow.Stall}</td><td>a topic or subscription was stalled for longer than the threshold
 *     (default 1 s; committed when the stall ends)</td><td>topic, subscription ("" for the topic), reason</td></tr>
 * <tr><td>{@code creditflow.BudgetExhausted}</td><td>a topic found the broker budget exhausted (once per
 *     stall)</td><td>topic, reserved, limit, needed</td></tr>
 * <tr><td>{@code creditflow.SubscriptionEvicted}</td><td>a DISCONNECT subscription was evicted</td>
 *     <td>topic, subscription, consumers, droppedMessages, reason</td></tr>
 * <tr><td>{@code creditflow.HttpRejectBurst}</td><td>the HTTP edge answered 503 to publishes (a burst ends after
 *     1 s without one)</td><td>topic, rejections, retryAfterSeconds</td></tr>
 * </table>
 *
 * <p>Stateless; the events themselves are confined to the thread (or lock) that begins them.
 */
final class BrokerEvents {
    private BrokerEvents() {}

    @Name("creditflow.Stall")
    @Label("Broker Stall")
    @Category({"creditflow", "Broker"})
    @Description("A topic or subscription did not move for longer than the threshold, and why")
    @Threshold("1 s")
    @StackTrace(false)
    static final class Stall extends Event {
        @Label("Topic")
        String topic;

        @Label("Subscription")
        @Description("Empty for the topic itself")
        String subscription;

        @Label("Reason")
        @Description("topic_full, subscription_full, budget_exhausted, no_consumer_credit, quota, log_full, "
                + "total_full, disk_full, io_error, closed")
        String reason;
    }

    @Name("creditflow.BudgetExhausted")
    @Label("Broker Budget Exhausted")
    @Category({"creditflow", "Broker"})
    @Description("A topic could not reserve a message in the broker-wide memory budget")
    @StackTrace(false)
    static final class BudgetExhausted extends Event {
        @Label("Topic")
        String topic;

        @Label("Reserved")
        @DataAmount
        long reserved;

        @Label("Limit")
        @DataAmount
        long limit;

        @Label("Needed")
        @DataAmount
        long needed;
    }

    @Name("creditflow.SubscriptionEvicted")
    @Label("Subscription Evicted")
    @Category({"creditflow", "Broker"})
    @Description("A DISCONNECT subscription accepted nothing for too long and was evicted")
    @StackTrace(false)
    static final class SubscriptionEvicted extends Event {
        @Label("Topic")
        String topic;

        @Label("Subscription")
        String subscription;

        @Label("Consumers")
        int consumers;

        @Label("Dropped Messages")
        long droppedMessages;

        @Label("Reason")
        String reason;
    }

    @Name("creditflow.HttpRejectBurst")
    @Label("HTTP 503 Burst")
    @Category({"creditflow", "Broker"})
    @Description("The HTTP edge answered 503 (topic full) to publishes; the event spans the first to the last")
    @StackTrace(false)
    static final class HttpRejectBurst extends Event {
        @Label("Topic")
        String topic;

        @Label("Rejections")
        long rejections;

        @Label("Retry-After (s)")
        int retryAfterSeconds;
    }

    /** A stall begins: its event, begun, or null while no recording wants it. */
    static Stall stallBegins() {
        Stall e = new Stall();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    /** The stall begun as {@code e} ended: committed if a recording wants it and it lasted past the threshold. */
    static void stallEnds(Stall e, String topic, String subscription, String reason) {
        if (e == null) {
            return;
        }
        e.end();
        if (e.shouldCommit()) {
            e.topic = topic;
            e.subscription = subscription;
            e.reason = reason;
            e.commit();
        }
    }

    static void budgetExhausted(String topic, long reserved, long limit, long needed) {
        BudgetExhausted e = new BudgetExhausted();
        if (e.shouldCommit()) {
            e.topic = topic;
            e.reserved = reserved;
            e.limit = limit;
            e.needed = needed;
            e.commit();
        }
    }

    static void subscriptionEvicted(String topic, String subscription, int consumers, long dropped, String reason) {
        SubscriptionEvicted e = new SubscriptionEvicted();
        if (e.shouldCommit()) {
            e.topic = topic;
            e.subscription = subscription;
            e.consumers = consumers;
            e.droppedMessages = dropped;
            e.reason = reason;
            e.commit();
        }
    }
}
