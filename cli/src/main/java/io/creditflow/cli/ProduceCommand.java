package io.creditflow.cli;

import io.creditflow.bench.harness.Json;
import io.creditflow.broker.BrokerProducer;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Backoff;
import io.creditflow.client.Client;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.ErrorCode;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamStats;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Publishes to a broker topic, as fast as credit allows or at a fixed rate. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description = "Publish messages to a topic; prints progress once a second; Ctrl-C stops.")
final class ProduceCommand implements java.util.concurrent.Callable<Integer> {
    /** The first 8 payload bytes carry the producer's own sequence number. */
    static final int MIN_SIZE = 8;
    /** The largest message any broker started by {@code ./creditflow broker} accepts. */
    static final int MAX_SIZE = BrokerCommand.MAX_MESSAGE_KIB * 1024;

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerTarget target = new BrokerTarget();

    @Option(
            names = "--size",
            description = "Payload bytes per message, " + MIN_SIZE + " or more (the first 8 carry "
                    + "a sequence number), at most the broker's --max-message-kib (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(names = "--rate", description = "Messages per second; without it, as fast as credit allows.")
    double rate;

    @Option(names = "--count", description = "Stop after this many messages (default: unlimited).")
    long count = Long.MAX_VALUE;

    @Option(
            names = "--producer-id",
            paramLabel = "ID",
            description = "The producer's id: on a durable topic the "
                    + "broker drops retried duplicates of its messages, across reconnects and restarts; use one id per "
                    + "producer at a time (default: a new random id).")
    String producerId;

    @Option(
            names = "--first-sequence",
            paramLabel = "N",
            description =
                    "Sequence of the first message; each next " + "one gets one more (default: ${DEFAULT-VALUE}).")
    long firstSequence;

    @Option(
            names = "--reconnect-for",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "After losing the broker, keep reconnecting this long and resume from the first "
                    + "unacknowledged message; also how long to wait for the last acknowledgement "
                    + "(default: ${DEFAULT-VALUE}; 0s: give up at once).")
    Duration reconnectFor = Duration.ofSeconds(30);

    @Option(
            names = "--json",
            description = "At exit, print one JSON line: sent, acknowledged, first_sequence, "
                    + "last_acknowledged_sequence, resent, reconnects, producer_id (progress goes to stderr).")
    boolean json;

    private void validate() {
        Usage.range(spec, "--size", size, MIN_SIZE, MAX_SIZE, MIN_SIZE + " to " + MAX_SIZE + " bytes");
        Usage.rate(spec, "--rate", rate);
        Usage.range(spec, "--count", count, 0, Long.MAX_VALUE, ">= 0 messages");
        Usage.range(spec, "--first-sequence", firstSequence, 0, Long.MAX_VALUE - 1, ">= 0");
        if (count != Long.MAX_VALUE && firstSequence > Long.MAX_VALUE - 1 - count) {
            throw Usage.error(
                    spec,
                    "--first-sequence",
                    firstSequence + " (expected: --first-sequence + --count " + "below 2^63 - 1)");
        }
        if (producerId == null) {
            producerId = "produce-"
                    + Long.toHexString(
                            java.util.concurrent.ThreadLocalRandom.current().nextLong());
        }
        try {
            BrokerProtocol.producerId(producerId);
        } catch (IllegalArgumentException e) {
            throw Usage.error(spec, "--producer-id", e.getMessage().substring("producer: ".length()));
        }
        if (reconnectFor.isNegative()) {
            throw Usage.error(spec, "--reconnect-for", DurationConverter.format(reconnectFor) + " (expected: >= 0)");
        }
    }

    /** What this producer did; the progress thread reads it while the send loop writes it. */
    private final class Tally {
        final AtomicLong sent = new AtomicLong();
        /** The next sequence never sent before (resends are below it). */
        volatile long fresh = firstSequence;

        volatile long acknowledged = firstSequence - 1;
        volatile BrokerProducer producer;
        long resent;
        int reconnects;

        long acknowledgedNow() {
            BrokerProducer p = producer;
            return p == null ? acknowledged : Math.max(acknowledged, p.acknowledgedSequence());
        }

        String json() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("sent", fresh - firstSequence);
            m.put("acknowledged", acknowledged - firstSequence + 1);
            m.put("first_sequence", firstSequence);
            m.put("last_acknowledged_sequence", acknowledged);
            m.put("resent", resent);
            m.put("reconnects", reconnects);
            m.put("producer_id", producerId);
            return Json.write(m);
        }
    }

    /** How one stream ended. */
    private enum End {
        DONE,
        STOPPED,
        LOST,
        FAILED
    }

    @Override
    public Integer call() {
        validate();
        Client.Builder builder = target.clientBuilder();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter progressOut = json ? err : out;
        CtrlC running = new CtrlC();
        Tally tally = new Tally();
        long end = count == Long.MAX_VALUE ? Long.MAX_VALUE : firstSequence + count; // exclusive
        try (running;
                Client client = builder.build()) {
            Connection connection = target.connect(client, "produce");
            if (connection == null) {
                return 1;
            }
            Progress progress = new Progress(
                    progressOut,
                    () -> {
                        BrokerProducer p = tally.producer;
                        StreamStats st = p == null ? null : p.stream().stats();
                        return String.format(
                                "sent %,d total, acknowledged to %d, credit %s, queued %s, stalled on credit "
                                        + "%.1f s",
                                tally.sent.get(),
                                tally.acknowledgedNow(),
                                st == null ? "-" : Fmt.bytes(st.sendCreditBytes()),
                                st == null ? "-" : Fmt.bytes(st.sendQueuedBytes()),
                                st == null ? 0 : st.stalledNanos(StallReason.NO_PEER_CREDIT) / 1e9);
                    },
                    tally.sent);
            progress.start();
            End how;
            try {
                for (; ; ) {
                    how = stream(connection, tally, end, running, err);
                    if (how != End.LOST) {
                        break;
                    }
                    connection = reconnect(client, tally, running, err);
                    if (connection == null) {
                        how = End.FAILED;
                        break;
                    }
                }
            } finally {
                progress.stop();
            }
            if (json) {
                out.println(tally.json());
            } else {
                out.printf(
                        "done: %,d messages sent, acknowledged up to sequence %d%s%n",
                        tally.fresh - firstSequence,
                        tally.acknowledged,
                        tally.reconnects == 0
                                ? ""
                                : " (" + tally.reconnects + " reconnects, " + tally.resent + " resent)");
            }
            out.flush();
            return how == End.FAILED ? 1 : 0;
        } catch (MessageTooLargeException e) {
            err.println("produce: --size " + size + ": " + e.getMessage() + " (the broker's --max-message-kib)");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /**
     * One producer stream: resumes after the last acknowledged sequence, sends to {@code end}, then waits for the
     * last acknowledgement. LOST if the broker went away (retry), FAILED if it refused us.
     */
    private End stream(Connection connection, Tally tally, long end, CtrlC running, PrintWriter err)
            throws InterruptedException {
        long from = tally.acknowledged + 1;
        BrokerProducer p;
        try {
            p = BrokerProducer.open(connection, target.topic, producerId, from);
        } catch (StreamClosedException e) {
            return lostOrFailed(e.status(), err);
        }
        tally.producer = p;
        if (from < tally.fresh) {
            tally.resent += tally.fresh - from;
        }
        Pacer pacer = new Pacer(rate);
        byte[] payload = new byte[size];
        ByteBuffer buf = ByteBuffer.wrap(payload);
        try {
            for (long seq = from; seq < end && running.running(); ) {
                buf.putLong(0, seq);
                if (seq >= tally.fresh) {
                    pacer.await(); // resends go at once: they were paced the first time
                }
                try {
                    p.send(ByteBuffer.wrap(payload), 200, TimeUnit.MILLISECONDS); // a fresh buffer: send keeps it
                } catch (TimeoutException e) {
                    continue; // blocked by back-pressure; check Ctrl-C and try again
                }
                payload = new byte[size];
                buf = ByteBuffer.wrap(payload);
                tally.sent.incrementAndGet();
                seq++;
                if (seq > tally.fresh) {
                    tally.fresh = seq;
                }
            }
            long last = p.nextSequence() - 1;
            p.close();
            long deadline = System.nanoTime() + Math.max(reconnectFor.toNanos(), TimeUnit.SECONDS.toNanos(1));
            boolean acked = p.awaitAcknowledged(last, Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            tally.acknowledged = Math.max(tally.acknowledged, p.acknowledgedSequence());
            if (acked) {
                p.closeFuture()
                        .toCompletableFuture()
                        .completeOnTimeout(CloseStatus.OK, 2, TimeUnit.SECONDS)
                        .join();
                return running.running() ? End.DONE : End.STOPPED;
            }
            CloseStatus status = p.closeStatus();
            if (status == null) {
                err.println("produce: no acknowledgement for sequence " + last + " within "
                        + DurationConverter.format(reconnectFor));
                p.stream().cancel("no acknowledgement");
                return End.FAILED;
            }
            return lostOrFailed(status, err);
        } catch (StreamClosedException e) {
            tally.acknowledged = Math.max(tally.acknowledged, p.acknowledgedSequence());
            return lostOrFailed(e.status(), err);
        } finally {
            tally.producer = null;
        }
    }

    /** A stream that ended with {@code status}: the broker went away (LOST, retried) or refused us (FAILED). */
    private End lostOrFailed(CloseStatus status, PrintWriter err) {
        boolean lost = status.isRetryable()
                || status.code() == ErrorCode.CANCEL
                || status.code() == ErrorCode.NO_ERROR; // a broker draining for shutdown ends streams cleanly
        if (!lost || reconnectFor.isZero()) {
            err.println("produce: stream closed: " + status);
            return End.FAILED;
        }
        err.println("produce: lost the broker (" + status + "); reconnecting");
        err.flush();
        return End.LOST;
    }

    /** Connects again with backoff for up to {@code --reconnect-for}; null if that passed or Ctrl-C. */
    private Connection reconnect(Client client, Tally tally, CtrlC running, PrintWriter err)
            throws InterruptedException {
        Backoff backoff = new Backoff(Duration.ofMillis(50), Duration.ofSeconds(1));
        long deadline = System.nanoTime() + reconnectFor.toNanos();
        for (int attempt = 0; running.running(); attempt++) {
            try {
                Connection c = client.connect(target.host, target.port);
                tally.reconnects++;
                err.println("produce: reconnected; resuming after sequence " + tally.acknowledged);
                err.flush();
                return c;
            } catch (java.io.IOException e) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    err.println("produce: cannot reconnect to " + target.host + ":" + target.port + " within "
                            + DurationConverter.format(reconnectFor) + ": " + e.getMessage());
                    return null;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, backoff.delayNanos(attempt)));
            }
        }
        return null;
    }
}
