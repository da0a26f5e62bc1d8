package io.creditflow.pipeline;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.client.Client;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamOptions;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The post's time bomb, on purpose: the naive sink, run by {@link Supervisor} in a child JVM with a small heap.
 * A reader takes every message from the subscription as fast as the broker sends, copies it, <b>closes it at
 * once</b> (closing is consuming: the broker's cursor moves, as a reader that acknowledges on receipt) and puts
 * it on an {@link LinkedBlockingQueue} with no capacity; writers take from the queue and INSERT (plainly, no key)
 * into {@code events_naive}. When the database waits, the queue grows until the heap is gone; the JVM exits on
 * the OutOfMemoryError (exit code 3 with {@code -XX:+ExitOnOutOfMemoryError}) and takes the queued events, already
 * acknowledged, with it.
 *
 * <p>This is the counter-example of docs/boundaries.md: <b>bound</b> none (the heap's, by accident); <b>when
 * full</b> the process dies; <b>pressure</b> goes nowhere upstream: the broker sees a fast consumer;
 * <b>observed</b> only afterwards, as OOM deaths, restarts and events lost.
 *
 * <p>Arguments: host port topic subscription jdbcUrl writers batch; the bearer token, if the broker wants one, in
 * the environment variable {@value #TOKEN_ENV}. Prints {@code status queued=N written=N
 * heap_mib=N} to stdout five times a second for the supervisor.
 */
public final class NaiveSink {
    static final int NAIVE_WINDOW_MESSAGES = 512;
    /** The environment variable that carries the sink's bearer token to the child. */
    static final String TOKEN_ENV = "CREDITFLOW_PIPELINE_TOKEN";

    private NaiveSink() {}

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String topic = args[2];
        String subscription = args[3];
        String url = args[4];
        int writers = Integer.parseInt(args[5]);
        int batch = Integer.parseInt(args[6]);
        LinkedBlockingQueue<Database.Event> queue = new LinkedBlockingQueue<>(); // the time bomb: no capacity
        AtomicLong written = new AtomicLong();
        for (int w = 0; w < writers; w++) {
            int sink = Database.NAIVE_SINK_BASE + w;
            Thread t = new Thread(() -> write(url, sink, batch, queue, written), "naive-writer-" + w);
            t.setDaemon(true);
            t.start();
        }
        Thread status = new Thread(
                () -> {
                    while (true) {
                        System.out.println("status queued=" + queue.size() + " written=" + written.get() + " heap_mib="
                                + ManagementFactory.getMemoryMXBean()
                                                .getHeapMemoryUsage()
                                                .getUsed()
                                        / (1024 * 1024));
                        System.out.flush();
                        try {
                            TimeUnit.MILLISECONDS.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "naive-status");
        status.setDaemon(true);
        status.start();
        // A small message window only makes its grants frequent (the reader closes every message at once, so
        // credit is never what holds it back); with the default 4,096 the broker would learn of consumption only
        // every 2,048 records, and a small log quota could fill before the cursor moved.
        Client.Builder builder = Client.builder().ioThreads(1).streamWindowMessages(NAIVE_WINDOW_MESSAGES);
        String token = System.getenv(TOKEN_ENV);
        if (token != null) {
            builder.credential(token.getBytes(StandardCharsets.UTF_8));
        }
        try (Client client = builder.build()) {
            Stream stream = client.connect(host, port)
                    .openStream(StreamOptions.builder()
                            .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                            .metadata(BrokerProtocol.TOPIC, topic)
                            .metadata(BrokerProtocol.SUBSCRIPTION, subscription)
                            .metadata(BrokerProtocol.POLICY, "log")
                            .metadata(BrokerProtocol.FROM, "earliest")
                            .build());
            while (true) {
                try (Message m = stream.poll(1, TimeUnit.SECONDS)) { // closed (acknowledged) before it is written
                    if (m == null) {
                        continue;
                    }
                    ByteBuffer body = BrokerProtocol.payload(m.payload());
                    byte[] copy = new byte[body.remaining()];
                    body.get(copy);
                    queue.add(new Database.Event(ByteBuffer.wrap(copy).getLong(), copy));
                }
            }
        }
    }

    private static void write(
            String url, int sink, int batch, LinkedBlockingQueue<Database.Event> queue, AtomicLong written) {
        List<Database.Event> events = new ArrayList<>(batch);
        while (true) {
            try (Connection c = Database.connect(url);
                    PreparedStatement insert = c.prepareStatement("INSERT INTO events_naive (id, body) VALUES (?, ?)");
                    PreparedStatement tally = c.prepareStatement(Database.tallyUpdate())) {
                while (true) {
                    if (events.isEmpty()) {
                        events.add(queue.take());
                        queue.drainTo(events, batch - 1);
                    }
                    written.addAndGet(Database.writeBatch(c, insert, tally, sink, events));
                    events.clear();
                }
            } catch (SQLException e) {
                System.err.println("naive writer: " + e); // and the batch is tried again on a new connection
            } catch (InterruptedException e) {
                return;
            }
        }
    }
}
