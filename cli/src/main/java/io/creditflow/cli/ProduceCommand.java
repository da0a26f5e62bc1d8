package io.creditflow.cli;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import io.creditflow.transport.StreamStats;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Publishes to a broker topic, as fast as credit allows or at a fixed rate. */
@Command(name = "produce", mixinStandardHelpOptions = true,
        description = "Publish messages to a topic; prints progress once a second; Ctrl-C stops.")
final class ProduceCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    BrokerTarget target = new BrokerTarget();

    @Option(names = "--size", description = "Payload bytes per message (default: ${DEFAULT-VALUE}).")
    int size = 1024;

    @Option(names = "--rate", description = "Messages per second; without it, as fast as credit allows.")
    double rate;

    @Option(names = "--count", description = "Stop after this many messages (default: unlimited).")
    long count = Long.MAX_VALUE;

    @Override
    public Integer call() {
        CtrlC running = new CtrlC();
        try (running; Client client = target.newClient()) {
            Stream stream = client.connect(target.host, target.port).openStream(StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.PRODUCE).metadata(BrokerProtocol.TOPIC, target.topic).build());
            AtomicLong sent = new AtomicLong();
            Progress progress = new Progress(() -> {
                StreamStats st = stream.stats();
                return String.format("sent %,d total, credit %s, queued %s, stalled on credit %.1f s", sent.get(),
                        Fmt.bytes(st.sendCreditBytes()), Fmt.bytes(st.sendQueuedBytes()),
                        st.stalledNanos(StallReason.NO_PEER_CREDIT) / 1e9);
            }, sent);
            progress.start();
            Pacer pacer = new Pacer(rate);
            for (long i = 0; i < count && running.running(); i++) {
                byte[] payload = new byte[Math.max(size, 8)];
                ByteBuffer.wrap(payload).putLong(i);
                pacer.await();
                for (;;) {
                    try {
                        stream.send(payload, 200, TimeUnit.MILLISECONDS);
                        break;
                    } catch (TimeoutException e) {
                        if (!running.running()) {
                            break; // blocked by back-pressure when asked to stop
                        }
                    }
                }
                sent.incrementAndGet();
            }
            stream.halfClose();
            progress.stop();
            // The broker may have refused the stream (PERMISSION_DENIED) after sends were queued: say so.
            CloseStatus status = stream.closeFuture().toCompletableFuture()
                    .completeOnTimeout(CloseStatus.OK, 2, TimeUnit.SECONDS).join();
            if (status.isOk()) {
                System.out.printf("done: %,d messages sent%n", sent.get());
                return 0;
            }
            System.out.println("stream closed: " + status);
            return 1;
        } catch (StreamClosedException e) {
            System.out.println("stream closed: " + e.status());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        } catch (java.io.IOException e) {
            System.err.println("cannot connect: " + e.getMessage());
            return 1;
        }
    }
}
