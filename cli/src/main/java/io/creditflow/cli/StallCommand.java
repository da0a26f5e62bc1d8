package io.creditflow.cli;

import io.creditflow.client.Client;
import io.creditflow.proto.core.StallReason;
import io.creditflow.server.Server;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamListener;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A producer at full speed and a reader that stalls, on one loopback connection: the table shows the
 * pressure travel back (receiver buffer fills to the window, credit runs out, the sender's queue fills,
 * the producer blocks) while memory stays flat, then the reader resumes.
 */
@Command(
        name = "stall",
        mixinStandardHelpOptions = true,
        description = "Show a stalled reader pushing back on a sender, with figures once a second.")
final class StallCommand implements Runnable {
    /** The transport's default connection window bounds the largest message (and the window here). */
    private static final long MAX_BYTES = io.creditflow.transport.EndpointBuilder.DEFAULT_CONNECTION_WINDOW_BYTES;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            defaultValue = "20s",
            converter = DurationConverter.class,
            description = "How long to run (15, 15s, 1.5s, 2m, ...; default: ${DEFAULT-VALUE}).")
    Duration duration;

    @Option(
            names = "--stall-at",
            paramLabel = "DURATION",
            defaultValue = "5s",
            converter = DurationConverter.class,
            description = "When the reader stops reading, from the start (default: ${DEFAULT-VALUE}).")
    Duration stallAt;

    @Option(
            names = "--stall-for",
            paramLabel = "DURATION",
            defaultValue = "8s",
            converter = DurationConverter.class,
            description = "How long the reader stays stalled (default: ${DEFAULT-VALUE}).")
    Duration stallFor;

    @Option(
            names = "--size",
            description = "Message payload bytes, 1 to " + MAX_BYTES + " (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(
            names = "--window",
            description =
                    "Receiver's stream window in KiB, 1 to " + (MAX_BYTES / 1024) + " (default: ${DEFAULT-VALUE}).")
    int windowKib = 256;

    private void validate() {
        Usage.range(spec, "--size", size, 1, MAX_BYTES, "1 to " + MAX_BYTES + " bytes");
        Usage.range(spec, "--window", windowKib, 1, MAX_BYTES / 1024, "1 to " + (MAX_BYTES / 1024) + " KiB");
    }

    @Override
    public void run() {
        validate();
        long window = windowKib * 1024L;
        LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong produced = new AtomicLong();
        AtomicLong consumed = new AtomicLong();
        try (Server server = Server.builder()
                        .streamWindowBytes(window)
                        .maxMessageBytes((int) Math.max(window, size))
                        .streamHandler(s -> {
                            accepted.add(s);
                            return StreamListener.PULL;
                        })
                        .build()
                        .start();
                Client client = Client.builder().build()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> running.set(false)));
            Stream out = client.connect("127.0.0.1", server.port())
                    .openStream(StreamOptions.builder()
                            .metadata("topic", "stall-demo")
                            .sendQueueBytes(64 * 1024)
                            .build());
            Stream in = accepted.poll(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            Thread producer = new Thread(
                    () -> {
                        byte[] payload = new byte[size];
                        while (running.get()) {
                            try {
                                out.send(payload, 200, TimeUnit.MILLISECONDS);
                                produced.incrementAndGet();
                            } catch (TimeoutException e) {
                                // blocked by back-pressure: try again (and notice shutdown)
                            } catch (InterruptedException | StreamClosedException e) {
                                return;
                            }
                        }
                    },
                    "producer");
            Thread consumer = new Thread(
                    () -> {
                        long stallFrom = start + stallAt.toNanos();
                        long stallTo = stallFrom + stallFor.toNanos();
                        while (running.get()) {
                            long now = System.nanoTime();
                            if (now >= stallFrom && now < stallTo) {
                                sleepNanos(Math.min(stallTo - now, TimeUnit.MILLISECONDS.toNanos(100)));
                                continue;
                            }
                            try (Message m = in.poll(100, TimeUnit.MILLISECONDS)) {
                                if (m != null) {
                                    consumed.incrementAndGet();
                                }
                            } catch (InterruptedException | StreamClosedException e) {
                                return;
                            }
                        }
                    },
                    "consumer");
            producer.setDaemon(true);
            consumer.setDaemon(true);
            producer.start();
            consumer.start();
            System.out.printf(
                    "one stream, %d-byte messages, receiver window %s; the reader stalls from %s to %s%n",
                    size,
                    Fmt.bytes(window),
                    DurationConverter.format(stallAt),
                    DurationConverter.format(stallAt.plus(stallFor)));
            System.out.printf(
                    "%4s %12s %12s %13s %13s %13s %-16s %9s %10s%n",
                    "t",
                    "produced/s",
                    "consumed/s",
                    "send queue",
                    "peer credit",
                    "rcv buffered",
                    "sender stalled",
                    "heap MiB",
                    "direct MiB");
            long lastProduced = 0;
            long lastConsumed = 0;
            // A row each whole second; a partial last second (--duration 2.5s) runs without one.
            for (int t = 1; duration.compareTo(Duration.ofSeconds(t)) >= 0 && running.get(); t++) {
                sleepNanos(start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime());
                long p = produced.get();
                long c = consumed.get();
                StreamStats so = out.stats();
                StreamStats si = in.stats();
                String stalled = so.sendQueuedMessages() > 0 && so.sendCreditBytes() < size
                        ? StallReason.NO_PEER_CREDIT.name()
                        : "-";
                System.out.printf(
                        "%3ds %12s %12s %13s %13s %13s %-16s %9.1f %10.1f%n",
                        t,
                        Fmt.rate(p - lastProduced),
                        Fmt.rate(c - lastConsumed),
                        Fmt.bytes(so.sendQueuedBytes()),
                        Fmt.bytes(so.sendCreditBytes()),
                        Fmt.bytes(si.receiveBufferedBytes()),
                        stalled,
                        Fmt.heapMib(),
                        Fmt.directMib());
                lastProduced = p;
                lastConsumed = c;
            }
            if (running.get()) {
                sleepNanos(start + duration.toNanos() - System.nanoTime());
            }
            running.set(false);
            StreamStats so = out.stats();
            StreamStats si = in.stats();
            System.out.printf(
                    "done: %,d produced, %,d consumed; sender stalled on credit %.1f s in total, "
                            + "reader not reading %.1f s%n",
                    produced.get(),
                    consumed.get(),
                    so.stalledNanos(StallReason.NO_PEER_CREDIT) / 1e9,
                    si.stalledNanos(StallReason.APPLICATION_NOT_READING) / 1e9);
        } catch (Exception e) {
            throw new IllegalStateException("stall demo failed: " + e, e);
        }
    }

    private static void sleepNanos(long nanos) {
        if (nanos > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(nanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
