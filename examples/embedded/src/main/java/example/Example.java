package example;

import io.creditflow.client.Client;
import io.creditflow.server.Server;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamListener;
import io.creditflow.proto.core.StallReason;
import io.creditflow.transport.StreamOptions;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/** A server whose application is slow, a client that sends as fast as it may: credit holds the client back. */
public final class Example {
    /** What a run saw: messages processed in order, and how long the sender waited for credit. */
    public record Result(long processed, boolean inOrder, long senderStalledMillis) {
    }

    public static Result run(int messages) throws Exception {
        ExecutorService worker = Executors.newSingleThreadExecutor(); // the slow application
        AtomicLong next = new AtomicLong();
        AtomicLong outOfOrder = new AtomicLong();
        CountDownLatch done = new CountDownLatch(1);
        try (Server server = Server.builder().host("127.0.0.1").port(0).streamHandler(s -> new StreamListener() {
            @Override
            public void onOpen(Stream stream) {
                stream.request(16); // demand is credit: 16 messages in flight at most
            }

            @Override
            public void onMessage(Stream stream, Message m) {
                long seq = m.payload().getLong(); // copy what we need: the message is released on return
                worker.execute(() -> {
                    LockSupport.parkNanos(200_000); // 200 µs of slow work
                    if (seq != next.getAndIncrement()) {
                        outOfOrder.incrementAndGet();
                    }
                    stream.request(1); // one more only when one is done
                });
            }

            @Override
            public void onHalfClose(Stream stream) {
                worker.execute(done::countDown); // after the work queued before it
            }
        }).build().start();
             Client client = Client.builder().build()) {
            Stream out = client.connect("127.0.0.1", server.port()).openStream(StreamOptions.defaults());
            for (long i = 0; i < messages; i++) {
                out.send(ByteBuffer.allocate(1024).putLong(0, i), 30, TimeUnit.SECONDS); // blocks without credit
            }
            out.halfClose();
            if (!done.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not all messages processed");
            }
            long stalled = TimeUnit.NANOSECONDS.toMillis(out.stats().stalledNanos(StallReason.NO_PEER_CREDIT));
            return new Result(next.get(), outOfOrder.get() == 0, stalled);
        } finally {
            worker.shutdownNow();
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(args.length > 0 ? Integer.parseInt(args[0]) : 2000));
    }
}
