package io.creditflow.cli;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Subscribes to a broker topic, optionally reading slowly to show back-pressure. */
@Command(name = "consume", mixinStandardHelpOptions = true,
        description = "Consume a topic through a subscription; prints progress once a second; Ctrl-C stops.")
final class ConsumeCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    BrokerTarget target = new BrokerTarget();

    @Option(names = "--subscription", description = "Subscription; consumers sharing one form a group "
            + "(default: ${DEFAULT-VALUE}).")
    String subscription = "cli";

    @Option(names = "--policy", description = "When this subscription falls behind: block, drop-oldest, "
            + "drop-newest, disconnect (default: ${DEFAULT-VALUE}).")
    String policy = "block";

    @Option(names = "--rate", description = "Messages per second to read (a slow reader); without it, full speed.")
    double rate;

    @Override
    public Integer call() {
        CtrlC running = new CtrlC();
        try (running; Client client = target.newClient()) {
            Stream stream = client.connect(target.host, target.port).openStream(StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME).metadata(BrokerProtocol.TOPIC, target.topic)
                    .metadata(BrokerProtocol.SUBSCRIPTION, subscription).metadata(BrokerProtocol.POLICY, policy).build());
            AtomicLong received = new AtomicLong();
            AtomicLong gaps = new AtomicLong();
            AtomicLong lastSeq = new AtomicLong(-1);
            AtomicLong bytes = new AtomicLong();
            Progress progress = new Progress(() -> String.format("received %,d, gaps %,d (messages skipped %s), "
                            + "last sequence %d, buffered here %s", received.get(), gaps.get(),
                    "by the policy", lastSeq.get(), Fmt.bytes(stream.stats().receiveBufferedBytes())),
                    received);
            progress.start();
            Pacer pacer = new Pacer(rate);
            while (running.running()) {
                pacer.await();
                try (Message m = stream.poll(200, TimeUnit.MILLISECONDS)) {
                    if (m == null) {
                        if (stream.isReceiveFinished()) {
                            break;
                        }
                        continue;
                    }
                    long seq = BrokerProtocol.sequence(m.payload());
                    long prev = lastSeq.getAndSet(seq);
                    if (prev >= 0 && seq != prev + 1) {
                        gaps.addAndGet(seq - prev - 1);
                    }
                    bytes.addAndGet(m.size());
                    received.incrementAndGet();
                }
            }
            progress.stop();
            System.out.printf("done: %,d messages received, %,d skipped by the policy%n", received.get(), gaps.get());
            return 0;
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
