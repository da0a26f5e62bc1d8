package io.creditflow.cli;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Connection;
import io.creditflow.transport.MessageTooLargeException;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Publishes to a broker topic, as fast as credit allows or at a fixed rate. */
@Command(name = "produce", mixinStandardHelpOptions = true,
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

    @Option(names = "--size", description = "Payload bytes per message, " + MIN_SIZE + " or more (the first 8 carry "
            + "a sequence number), at most the broker's --max-message-kib (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(names = "--rate", description = "Messages per second; without it, as fast as credit allows.")
    double rate;

    @Option(names = "--count", description = "Stop after this many messages (default: unlimited).")
    long count = Long.MAX_VALUE;

    private void validate() {
        Usage.range(spec, "--size", size, MIN_SIZE, MAX_SIZE, MIN_SIZE + " to " + MAX_SIZE + " bytes");
        Usage.rate(spec, "--rate", rate);
        Usage.range(spec, "--count", count, 0, Long.MAX_VALUE, ">= 0 messages");
    }

    @Override
    public Integer call() {
        validate();
        Client.Builder builder = target.clientBuilder();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CtrlC running = new CtrlC();
        try (running; Client client = builder.build()) {
            Connection connection = target.connect(client, "produce");
            if (connection == null) {
                return 1;
            }
            Stream stream = connection.openStream(StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE).metadata(BrokerProtocol.TOPIC, target.topic)
                    .build());
            AtomicLong sent = new AtomicLong();
            Progress progress = new Progress(out, () -> {
                StreamStats st = stream.stats();
                return String.format("sent %,d total, credit %s, queued %s, stalled on credit %.1f s", sent.get(),
                        Fmt.bytes(st.sendCreditBytes()), Fmt.bytes(st.sendQueuedBytes()),
                        st.stalledNanos(StallReason.NO_PEER_CREDIT) / 1e9);
            }, sent);
            progress.start();
            try {
                send(stream, sent, running);
            } finally {
                progress.stop();
            }
            stream.halfClose();
            // The broker may have refused the stream (PERMISSION_DENIED) after sends were queued: say so.
            CloseStatus status = stream.closeFuture().toCompletableFuture()
                    .completeOnTimeout(CloseStatus.OK, 2, TimeUnit.SECONDS).join();
            if (status.isOk()) {
                out.printf("done: %,d messages sent%n", sent.get());
                return 0;
            }
            err.println("produce: stream closed: " + status);
            return 1;
        } catch (MessageTooLargeException e) {
            err.println("produce: --size " + size + ": " + e.getMessage() + " (the broker's --max-message-kib)");
            return 1;
        } catch (StreamClosedException e) {
            err.println("produce: stream closed: " + e.status());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    private void send(Stream stream, AtomicLong sent, CtrlC running) throws InterruptedException {
        Pacer pacer = new Pacer(rate);
        for (long i = 0; i < count && running.running(); i++) {
            byte[] payload = new byte[size];
            ByteBuffer.wrap(payload).putLong(i);
            pacer.await();
            for (;;) {
                try {
                    stream.send(payload, 200, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    if (!running.running()) {
                        return; // blocked by back-pressure when asked to stop
                    }
                }
            }
            sent.incrementAndGet();
        }
    }
}
