package io.creditflow.cli;

import io.creditflow.bench.harness.Json;
import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.SubscriptionPolicy;
import io.creditflow.client.Client;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.PullListener;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Subscribes to a broker topic, optionally reading slowly to show back-pressure. Prints
 * {@code subscribed to ...} once the broker has the subscription (from then on every message published
 * reaches it), then progress once a second, then {@code done: N messages received, ...}.
 */
@Command(
        name = "consume",
        mixinStandardHelpOptions = true,
        description = "Consume a topic through a subscription; prints progress once a second; Ctrl-C stops.")
final class ConsumeCommand implements java.util.concurrent.Callable<Integer> {
    /**
     * The largest message this consumer accepts: the transport's default connection window, which
     * bounds it (so a broker with up to {@link BrokerCommand#MAX_MESSAGE_KIB} KiB messages can deliver
     * every one, with its 8-byte header).
     */
    static final int MAX_MESSAGE_BYTES = (int) io.creditflow.transport.EndpointBuilder.DEFAULT_CONNECTION_WINDOW_BYTES;
    /** How long to wait for the broker to confirm the subscription before going on without it. */
    private static final Duration CONFIRM_TIMEOUT = Duration.ofSeconds(10);

    @Spec
    CommandSpec spec;

    @Mixin
    BrokerTarget target = new BrokerTarget();

    @Option(
            names = "--subscription",
            description = "Subscription; consumers sharing one form a group " + "(default: ${DEFAULT-VALUE}).")
    String subscription = "cli";

    @Option(
            names = "--policy",
            converter = PolicyConverter.class,
            completionCandidates = PolicyConverter.class,
            description = "When this subscription falls behind: "
                    + "${COMPLETION-CANDIDATES}; the first consumer of a subscription sets it, a different one is refused "
                    + "(default: the subscription's policy; block for a new subscription; log, the only one, on a broker "
                    + "with --data-dir).")
    SubscriptionPolicy policy;

    @Option(
            names = "--from",
            paramLabel = "WHERE",
            converter = FromConverter.class,
            description = "Durable topics "
                    + "(broker --data-dir): where a new subscription starts: earliest, latest, offset:N or time:EPOCH_MS "
                    + "(default: latest). A subscription with a committed offset resumes there whatever --from says.")
    BrokerProtocol.From from;

    /** {@code --from}: {@link BrokerProtocol.From#parse}. */
    static final class FromConverter implements picocli.CommandLine.ITypeConverter<BrokerProtocol.From> {
        @Override
        public BrokerProtocol.From convert(String value) {
            try {
                return BrokerProtocol.From.parse(value);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                        "'" + value + "' (expected: earliest, latest, offset:N or time:EPOCH_MS)");
            }
        }
    }

    @Option(names = "--rate", description = "Messages per second to read (a slow reader); without it, full speed.")
    double rate;

    @Option(
            names = "--count",
            paramLabel = "N",
            description = "Stop after N messages and exit 0 " + "(default: until the stream ends or Ctrl-C).")
    Long count;

    @Option(
            names = "--idle-exit",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Stop after this long without a message (15, 15s, 500ms, 2m, ...); exit 0, or 1 if "
                    + "--count was not reached (default: never).")
    Duration idleExit;

    @Option(
            names = "--json",
            description = "At exit, print one JSON line: received, gaps, duplicates, out_of_order, "
                    + "first_sequence, last_sequence (of the producer sequences in the payloads' first 8 bytes, as "
                    + "./creditflow produce writes them), skipped_by_policy, stop, first_message_ms (from connecting) "
                    + "(progress goes to stderr).")
    boolean json;

    /** Why the receive loop ended. */
    private enum Stop {
        END_OF_STREAM,
        COUNT,
        IDLE,
        INTERRUPTED
    }

    /** What this consumer saw; read by the progress thread while the loop writes it. */
    private static final class Tally {
        final AtomicLong received = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        volatile long lastSequence = -1;
        final SequenceCheck producerSequences = new SequenceCheck();
        long unsequenced;

        /** When the first message arrived ({@link System#nanoTime()}), or -1. */
        long firstMessageNanos = -1;

        void add(Message m) {
            if (firstMessageNanos < 0) {
                firstMessageNanos = System.nanoTime();
            }
            long seq = BrokerProtocol.sequence(m.payload());
            ByteBuffer payload = BrokerProtocol.payload(m.payload());
            if (payload.remaining() >= Long.BYTES) {
                producerSequences.add(payload.getLong(payload.position()));
            } else {
                unsequenced++;
            }
            long prev = lastSequence;
            lastSequence = seq;
            if (prev >= 0 && seq != prev + 1) {
                gaps.addAndGet(seq - prev - 1);
            }
            bytes.addAndGet(m.size());
            received.incrementAndGet();
        }
    }

    private void validate() {
        if (subscription == null || subscription.isEmpty()) {
            throw Usage.error(spec, "--subscription", "'' (expected: a name)");
        }
        Usage.rate(spec, "--rate", rate);
        if (count != null) {
            Usage.range(spec, "--count", count, 1, Long.MAX_VALUE, ">= 1 messages");
        }
        if (idleExit != null && idleExit.isZero()) {
            throw Usage.error(spec, "--idle-exit", "0s (expected: > 0)");
        }
    }

    @Override
    public Integer call() {
        validate();
        Client.Builder builder = target.clientBuilder().maxMessageBytes(MAX_MESSAGE_BYTES);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CtrlC running = new CtrlC();
        try (running;
                Client client = builder.build()) {
            long connectNanos = System.nanoTime();
            Connection connection = target.connect(client, "consume");
            if (connection == null) {
                return 1;
            }
            // The broker grants the stream credit once it has registered the subscription (docs/protocol.md,
            // section 4: an accepted stream immediately gets its initial Credit); onReady says so.
            CountDownLatch answered = new CountDownLatch(1);
            StreamOptions.Builder options = StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                    .metadata(BrokerProtocol.TOPIC, target.topic)
                    .metadata(BrokerProtocol.SUBSCRIPTION, subscription);
            if (policy != null) {
                options.metadata(BrokerProtocol.POLICY, policy.label()); // absent: join whatever the subscription has
            }
            if (from != null) {
                options.metadata(BrokerProtocol.FROM, from.toString());
            }
            Stream stream = connection.openStream(options.listener(new PullListener() {
                        @Override
                        public void onReady(Stream s) {
                            answered.countDown();
                        }

                        @Override
                        public void onClose(Stream s, CloseStatus status) {
                            answered.countDown();
                        }
                    })
                    .build());
            boolean confirmed = answered.await(CONFIRM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (stream.closeFuture().toCompletableFuture().isDone()) {
                err.println("consume: stream closed: "
                        + stream.closeFuture().toCompletableFuture().join());
                return 1;
            }
            PrintWriter info = json ? err : out;
            info.printf(
                    "subscribed to topic '%s' as subscription '%s' (policy %s)%s%n",
                    target.topic,
                    subscription,
                    policy == null ? "of the subscription" : policy.label(),
                    confirmed
                            ? ""
                            : ", not confirmed by the broker within " + DurationConverter.format(CONFIRM_TIMEOUT));
            info.flush();
            Tally tally = new Tally();
            Progress progress = new Progress(
                    info,
                    () -> String.format(
                            "received %,d, gaps %,d (messages skipped "
                                    + "by the policy), last sequence %d, buffered here %s",
                            tally.received.get(),
                            tally.gaps.get(),
                            tally.lastSequence,
                            Fmt.bytes(stream.stats().receiveBufferedBytes())),
                    tally.received);
            progress.start();
            Stop stop = receive(stream, tally, running);
            progress.stop();
            if (json) {
                Map<String, Object> m = tally.producerSequences.fields();
                m.put("skipped_by_policy", tally.gaps.get());
                m.put("unsequenced", tally.unsequenced);
                m.put("stop", stop.name().toLowerCase(java.util.Locale.ROOT));
                m.put(
                        "first_message_ms",
                        tally.firstMessageNanos < 0
                                ? -1
                                : TimeUnit.NANOSECONDS.toMillis(tally.firstMessageNanos - connectNanos));
                out.println(Json.write(m));
            } else {
                out.printf(
                        "done: %,d messages received, %,d skipped by the policy%s%n",
                        tally.received.get(),
                        tally.gaps.get(),
                        stop != Stop.IDLE
                                ? ""
                                : "; nothing for " + DurationConverter.format(idleExit)
                                        + (count == null ? "" : ", before --count " + count));
            }
            out.flush();
            return stop == Stop.IDLE && count != null ? 1 : 0;
        } catch (StreamClosedException e) {
            err.println("consume: stream closed: " + e.status());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** Takes messages until the stream ends, {@code --count} or {@code --idle-exit} is reached, or Ctrl-C. */
    private Stop receive(Stream stream, Tally tally, CtrlC running) throws InterruptedException {
        Pacer pacer = new Pacer(rate);
        long pollNanos = TimeUnit.MILLISECONDS.toNanos(200);
        long lastMessage = System.nanoTime();
        while (running.running()) {
            if (count != null && tally.received.get() >= count) {
                return Stop.COUNT;
            }
            pacer.await();
            long wait = pollNanos;
            if (idleExit != null) {
                long left = idleExit.toNanos() - (System.nanoTime() - lastMessage);
                if (left <= 0) {
                    return Stop.IDLE;
                }
                wait = Math.min(wait, left);
            }
            try (Message m = stream.poll(wait, TimeUnit.NANOSECONDS)) {
                if (m == null) {
                    if (stream.isReceiveFinished()) {
                        return Stop.END_OF_STREAM;
                    }
                    continue;
                }
                lastMessage = System.nanoTime();
                tally.add(m);
            }
        }
        return Stop.INTERRUPTED;
    }
}
