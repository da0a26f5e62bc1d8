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
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A producer at full speed and a reader that stalls, on one loopback connection: the table shows the
 * pressure travel back (receiver buffer fills to the window, credit runs out, the sender's queue fills,
 * the producer blocks) while memory stays flat, then the reader resumes.
 */
@Command(name = "stall", mixinStandardHelpOptions = true,
        description = "Show a stalled reader pushing back on a sender, with figures once a second.")
final class StallCommand implements Runnable {
    @Option(names = "--duration", description = "Seconds to run (default: ${DEFAULT-VALUE}).")
    int durationSeconds = 20;

    @Option(names = "--stall-at", description = "Second at which the reader stops reading (default: ${DEFAULT-VALUE}).")
    int stallAtSeconds = 5;

    @Option(names = "--stall-for", description = "Seconds the reader stays stalled (default: ${DEFAULT-VALUE}).")
    int stallForSeconds = 8;

    @Option(names = "--size", description = "Message payload bytes (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(names = "--window", description = "Receiver's stream window in KiB (default: ${DEFAULT-VALUE}).")
    int windowKib = 256;

    @Override
    public void run() {
        long window = windowKib * 1024L;
        LinkedBlockingQueue<Stream> accepted = new LinkedBlockingQueue<>();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong produced = new AtomicLong();
        AtomicLong consumed = new AtomicLong();
        try (Server server = Server.builder().streamWindowBytes(window).maxMessageBytes((int) Math.max(window, size))
                .streamHandler(s -> {
                    accepted.add(s);
                    return StreamListener.PULL;
                }).build().start();
             Client client = Client.builder().build()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> running.set(false)));
            Stream out = client.connect("127.0.0.1", server.port()).openStream(
                    StreamOptions.builder().metadata("topic", "stall-demo").sendQueueBytes(64 * 1024).build());
            Stream in = accepted.poll(10, TimeUnit.SECONDS);
            long start = System.nanoTime();
            Thread producer = new Thread(() -> {
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
            }, "producer");
            Thread consumer = new Thread(() -> {
                long stallFrom = start + TimeUnit.SECONDS.toNanos(stallAtSeconds);
                long stallTo = stallFrom + TimeUnit.SECONDS.toNanos(stallForSeconds);
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
            }, "consumer");
            producer.setDaemon(true);
            consumer.setDaemon(true);
            producer.start();
            consumer.start();
            System.out.printf("one stream, %d-byte messages, receiver window %s; the reader stalls from %d s to %d s%n",
                    size, Fmt.bytes(window), stallAtSeconds, stallAtSeconds + stallForSeconds);
            System.out.printf("%4s %12s %12s %13s %13s %13s %-16s %9s %10s%n", "t", "produced/s", "consumed/s",
                    "send queue", "peer credit", "rcv buffered", "sender stalled", "heap MiB", "direct MiB");
            long lastProduced = 0;
            long lastConsumed = 0;
            for (int t = 1; t <= durationSeconds && running.get(); t++) {
                sleepNanos(start + TimeUnit.SECONDS.toNanos(t) - System.nanoTime());
                long p = produced.get();
                long c = consumed.get();
                StreamStats so = out.stats();
                StreamStats si = in.stats();
                String stalled = so.sendQueuedMessages() > 0 && so.sendCreditBytes() < size
                        ? StallReason.NO_PEER_CREDIT.name() : "-";
                System.out.printf("%3ds %12s %12s %13s %13s %13s %-16s %9.1f %10.1f%n", t, Fmt.rate(p - lastProduced),
                        Fmt.rate(c - lastConsumed), Fmt.bytes(so.sendQueuedBytes()), Fmt.bytes(so.sendCreditBytes()),
                        Fmt.bytes(si.receiveBufferedBytes()), stalled, Fmt.heapMib(), Fmt.directMib());
                lastProduced = p;
                lastConsumed = c;
            }
            running.set(false);
            StreamStats so = out.stats();
            StreamStats si = in.stats();
            System.out.printf("done: %,d produced, %,d consumed; sender stalled on credit %.1f s in total, "
                            + "reader not reading %.1f s%n", produced.get(), consumed.get(),
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
