package io.creditflow.pipeline;

import io.creditflow.broker.BrokerProtocol;
import io.creditflow.broker.DashboardBox;
import io.creditflow.client.Client;
import io.creditflow.transport.Connection;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import io.creditflow.transport.StreamOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The bounded sink: {@code workers} threads, each a consumer of one durable subscription (a consumer group)
 * through the public client API and each with its own JDBC connection. A worker polls up to {@code batch}
 * messages, writes them in one transaction ({@link Database#writeBatch}, idempotent), and only then closes them:
 * closing is consuming, so the credit returns to the broker, and the subscription's cursor moves, only for what
 * is in the database. While the database makes a worker wait, it holds its messages and polls nothing: its
 * credit is spent, the broker reads no further from the log for it, and the lag stays on disk.
 *
 * <p>The four questions: <b>bound</b> {@code workers} threads, each holding at most {@code batch} messages (and
 * what the stream's receive window lets the broker send ahead); <b>when full</b> block: a worker waits for the
 * database and takes nothing more; <b>pressure</b> goes to the broker as credit withheld, to the topic log as
 * lag, to the HTTP edge as 503 once the log's quota is reached; <b>observed</b> {@link #workersFigures()} and
 * {@link #databaseFigures()} (registered with the broker: {@code creditflow_stage_*} in {@code /metrics}).
 *
 * <p>Delivery is at least once (a worker that fails before it closes its messages gets them again, as does
 * another member when one leaves); the idempotent insert makes the rows exactly once.
 */
final class SinkWorkers {
    /** A database call taking longer than this counts the worker as blocked in the database. */
    static final long BLOCKED_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How long a worker lingers for more messages once its batch has one. */
    private static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final String jdbcUrl;
    private final int batch;
    private final Client client;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Stream> streams = new ArrayList<>();
    /** Per worker: when its current database call began (System.nanoTime), or 0 while it is not in one. */
    private final AtomicLongArray inDbSince;
    /** Per worker: messages it holds (polled, not yet closed). */
    private final AtomicLongArray held;

    private final AtomicLong rowsWritten = new AtomicLong();
    private final AtomicLong redeliveriesSkipped = new AtomicLong();
    private final AtomicLong dbErrors = new AtomicLong();
    private final AtomicLong dbStallNanos = new AtomicLong();
    private final Rate rowRate = new Rate();
    private volatile boolean running = true;

    /** {@code token}: the sink's bearer token for the broker's auth file, or null for a broker without one. */
    SinkWorkers(
            String host,
            int port,
            String token,
            String topic,
            String subscription,
            int workers,
            int batch,
            String jdbcUrl)
            throws IOException, InterruptedException {
        this.jdbcUrl = jdbcUrl;
        this.batch = batch;
        this.inDbSince = new AtomicLongArray(workers);
        this.held = new AtomicLongArray(workers);
        // A message window of two batches: the broker sends at most that far ahead of a worker, and a worker's
        // message credit (from which the broker learns what was consumed, and commits) goes back after each batch
        // (grants come once half the window is consumed). The default 4,096 would leave up to 2,048 records per
        // worker consumed but uncommitted: with a small log quota, enough to hold the log full after a recovery.
        Client.Builder b = Client.builder().ioThreads(1).streamWindowMessages(2L * batch);
        if (token != null) {
            b.credential(token.getBytes(StandardCharsets.UTF_8));
        }
        this.client = b.build();
        Connection connection = client.connect(host, port);
        for (int i = 0; i < workers; i++) {
            streams.add(connection.openStream(StreamOptions.builder()
                    .metadata(BrokerProtocol.ROLE, BrokerProtocol.CONSUME)
                    .metadata(BrokerProtocol.TOPIC, topic)
                    .metadata(BrokerProtocol.SUBSCRIPTION, subscription)
                    .metadata(BrokerProtocol.POLICY, "log")
                    .metadata(BrokerProtocol.FROM, "earliest")
                    .build()));
            int w = i;
            Thread t = new Thread(() -> work(w), "sink-worker-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    int workers() {
        return threads.size();
    }

    long rowsWritten() {
        return rowsWritten.get();
    }

    long redeliveriesSkipped() {
        return redeliveriesSkipped.get();
    }

    long dbErrors() {
        return dbErrors.get();
    }

    /** Messages the workers hold now (polled, not yet in the database). */
    long inFlight() {
        long n = 0;
        for (int i = 0; i < held.length(); i++) {
            n += held.get(i);
        }
        return n;
    }

    /** Bytes the broker sent that no worker has polled yet (the streams' receive buffers). */
    long bufferedBytes() {
        long n = 0;
        for (Stream st : streams) {
            n += st.stats().receiveBufferedBytes();
        }
        return n;
    }

    /** Workers whose database call has lasted more than {@link #BLOCKED_NANOS}. */
    int blocked() {
        long now = System.nanoTime();
        int n = 0;
        for (int i = 0; i < inDbSince.length(); i++) {
            long since = inDbSince.get(i);
            if (since != 0 && now - since > BLOCKED_NANOS) {
                n++;
            }
        }
        return n;
    }

    /** Worker-time spent in database calls beyond {@link #BLOCKED_NANOS} each, including calls still waiting. */
    long dbStallNanos() {
        long now = System.nanoTime();
        long n = dbStallNanos.get();
        for (int i = 0; i < inDbSince.length(); i++) {
            long since = inDbSince.get(i);
            if (since != 0 && now - since > BLOCKED_NANOS) {
                n += now - since - BLOCKED_NANOS;
            }
        }
        return n;
    }

    /** Rows per second into the database over the last second or so. */
    double rowsPerSecond() {
        return rowRate.perSecond(rowsWritten.get());
    }

    /**
     * The pool as a box of the broker's dashboard (and {@code creditflow_box_*} in /metrics): bound workers x
     * batch, depth the messages in flight, total the rows written, stalled while a worker is blocked.
     */
    DashboardBox workersBox() {
        DashboardBox.Builder b = DashboardBox.builder("workers", "workers", "sink workers")
                .depth(inFlight(), (long) workers() * batch, "messages")
                .total(rowsWritten())
                .detail(String.format("%d workers, %d blocked, %d in flight", workers(), blocked(), inFlight()));
        return (blocked() > 0 ? b.stalled("database") : b).build();
    }

    /** The database as a box: depth the workers waiting in it (bound: all of them), stalled on a lock wait. */
    DashboardBox databaseBox() {
        DashboardBox.Builder b = DashboardBox.builder("database", "database", "database")
                .depth(blocked(), workers(), "workers waiting")
                .total(rowsWritten())
                .detail(String.format(
                        "%,d rows, stalled %.1f s, %d errors", rowsWritten(), dbStallNanos() / 1e9, dbErrors()));
        return (blocked() > 0 ? b.stalled("lock wait") : b).build();
    }

    private void work(int w) {
        Stream stream = streams.get(w);
        List<Message> messages = new ArrayList<>(batch);
        List<Database.Event> events = new ArrayList<>(batch);
        java.sql.Connection c = null;
        PreparedStatement insert = null;
        PreparedStatement tally = null;
        try {
            while (running) {
                try {
                    Message m = stream.poll(100, TimeUnit.MILLISECONDS);
                    if (m == null) {
                        continue;
                    }
                    messages.add(m);
                    long lingerUntil = System.nanoTime() + LINGER_NANOS;
                    while (messages.size() < batch) {
                        long left = lingerUntil - System.nanoTime();
                        Message next = stream.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                        if (next == null) {
                            break;
                        }
                        messages.add(next);
                    }
                    held.set(w, messages.size());
                    events.clear();
                    for (Message x : messages) {
                        ByteBuffer body = BrokerProtocol.payload(x.payload());
                        byte[] copy = new byte[body.remaining()];
                        body.get(copy);
                        events.add(new Database.Event(ByteBuffer.wrap(copy).getLong(), copy));
                    }
                    // Write until it is in the database (or we stop); the messages stay unconsumed meanwhile.
                    boolean written = false;
                    while (running && !written) {
                        long t0 = System.nanoTime();
                        inDbSince.set(w, t0);
                        try {
                            if (c == null) {
                                c = Database.connect(jdbcUrl);
                                insert = c.prepareStatement(Database.idempotentInsert(Database.dialect(jdbcUrl)));
                                tally = c.prepareStatement(Database.tallyUpdate());
                            }
                            int added = Database.writeBatch(c, insert, tally, w, events);
                            rowsWritten.addAndGet(added);
                            redeliveriesSkipped.addAndGet(events.size() - added);
                            written = true;
                        } catch (SQLException e) {
                            dbErrors.incrementAndGet();
                            closeQuietly(c);
                            c = null;
                            TimeUnit.MILLISECONDS.sleep(200); // reconnect backoff after a database error
                        } finally {
                            long took = System.nanoTime() - t0;
                            inDbSince.set(w, 0);
                            if (took > BLOCKED_NANOS) {
                                dbStallNanos.addAndGet(took - BLOCKED_NANOS);
                            }
                        }
                    }
                    if (!written) {
                        break; // stopped before the write: released below, on the cancelled stream
                    }
                    messages.forEach(Message::close); // consumed: the credit goes back, the cursor moves
                    messages.clear();
                    held.set(w, 0);
                } catch (StreamClosedException e) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            messages.forEach(Message::close);
            held.set(w, 0);
            closeQuietly(c);
        }
    }

    private static void closeQuietly(java.sql.Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }
    }

    void close() throws InterruptedException {
        running = false; // no interrupt: an interrupted thread inside embedded H2 closes its file channel
        // Cancel first: a worker stopped mid-write then releases its messages on a cancelled stream, so they are
        // not taken as consumed (the broker hands them back to the subscription).
        for (Stream s : streams) {
            s.cancel("pipeline stopped");
        }
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(10));
        }
        client.close();
    }

    /** A rate from a counter, measured over at least a second. */
    static final class Rate {
        private long lastCount;
        private long lastNanos = System.nanoTime();
        private double perSecond;

        synchronized double perSecond(long count) {
            long now = System.nanoTime();
            if (now - lastNanos >= TimeUnit.SECONDS.toNanos(1)) {
                perSecond = (count - lastCount) * 1e9 / (now - lastNanos);
                lastCount = count;
                lastNanos = now;
            }
            return perSecond;
        }
    }
}
