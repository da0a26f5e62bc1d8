package io.creditflow.pipeline;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.BitSet;
import java.util.List;

/**
 * The pipeline's SQL: the schema, the sink's idempotent batch insert, the naive sink's plain one, the lock that
 * makes the slow afternoon, and the checks at the end. H2 (embedded in a file, or through its TCP server for the
 * naive child) and PostgreSQL; the dialect is read from the JDBC URL.
 *
 * <p>Tables: {@code events (id BIGINT PRIMARY KEY, body)} for the bounded sink, {@code events_naive (id BIGINT,
 * body)} without a key for the naive one (a plain INSERT, so that what it writes twice shows as duplicates), and
 * {@code sink_progress (sink INT PRIMARY KEY, batches, rows_written)}: every sink transaction also moves its
 * writer's row there, as an application keeps a tally beside its data.
 */
final class Database {
    enum Dialect {
        H2,
        POSTGRESQL
    }

    /** Writers' rows in {@code sink_progress}: sink workers 0..N-1, naive writers from here. */
    static final int NAIVE_SINK_BASE = 1000;
    /** Rows created in {@code sink_progress} (enough for any --workers). */
    static final int PROGRESS_ROWS = 64;
    /** How long a statement waits for a lock before the database gives up (H2's default is 1 s). */
    static final int LOCK_TIMEOUT_MS = 600_000;

    private Database() {}

    static Dialect dialect(String url) {
        if (url.startsWith("jdbc:h2:")) {
            return Dialect.H2;
        }
        if (url.startsWith("jdbc:postgresql:")) {
            return Dialect.POSTGRESQL;
        }
        throw new IllegalArgumentException(
                "unsupported JDBC URL '" + url + "' (expected: jdbc:h2:... or jdbc:postgresql://...)");
    }

    /** A connection with autocommit off; on H2 with a lock timeout long enough to wait out the slow afternoon. */
    static Connection connect(String url) throws SQLException {
        Connection c = DriverManager.getConnection(url);
        if (dialect(url) == Dialect.H2) {
            try (Statement s = c.createStatement()) {
                s.execute("SET LOCK_TIMEOUT " + LOCK_TIMEOUT_MS);
            }
        }
        c.setAutoCommit(false);
        return c;
    }

    /** Drops and creates the three tables. */
    static void createSchema(String url) throws SQLException {
        Dialect d = dialect(url);
        String bytes = d == Dialect.H2 ? "VARBINARY" : "BYTEA";
        try (Connection c = connect(url);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS events");
            s.execute("DROP TABLE IF EXISTS events_naive");
            s.execute("DROP TABLE IF EXISTS sink_progress");
            s.execute("CREATE TABLE events (id BIGINT PRIMARY KEY, body " + bytes + " NOT NULL)");
            s.execute("CREATE TABLE events_naive (id BIGINT NOT NULL, body " + bytes + " NOT NULL)");
            s.execute("CREATE TABLE sink_progress (sink INT PRIMARY KEY, batches BIGINT NOT NULL, "
                    + "rows_written BIGINT NOT NULL)");
            try (PreparedStatement p = c.prepareStatement("INSERT INTO sink_progress VALUES (?, 0, 0)")) {
                for (int i = 0; i < PROGRESS_ROWS; i++) {
                    p.setInt(1, i);
                    p.addBatch();
                    p.setInt(1, NAIVE_SINK_BASE + i);
                    p.addBatch();
                }
                p.executeBatch();
            }
            c.commit();
        }
    }

    /** The sink's insert: a row that is already there (a redelivery) is skipped, not an error. */
    static String idempotentInsert(Dialect d) {
        return d == Dialect.POSTGRESQL
                ? "INSERT INTO events (id, body) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"
                : "MERGE INTO events t USING (VALUES (CAST(? AS BIGINT), CAST(? AS VARBINARY))) s (id, body) "
                        + "ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, body) VALUES (s.id, s.body)";
    }

    /**
     * One sink transaction: the rows by JDBC batch, then the writer's tally row, then commit. Returns how many
     * rows were new (the rest were redeliveries already written). Rolls back and rethrows on failure.
     */
    static int writeBatch(Connection c, PreparedStatement insert, PreparedStatement tally, int sink, List<Event> events)
            throws SQLException {
        try {
            for (Event e : events) {
                insert.setLong(1, e.id());
                insert.setBytes(2, e.body());
                insert.addBatch();
            }
            int added = 0;
            for (int n : insert.executeBatch()) {
                added += n == Statement.SUCCESS_NO_INFO ? 1 : Math.max(0, n);
            }
            tally.setLong(1, added);
            tally.setInt(2, sink);
            tally.executeUpdate();
            c.commit();
            return added;
        } catch (SQLException e) {
            insert.clearBatch();
            try {
                c.rollback();
            } catch (SQLException ignored) {
                // the connection is gone: the caller reconnects
            }
            throw e;
        }
    }

    static String tallyUpdate() {
        return "UPDATE sink_progress SET batches = batches + 1, rows_written = rows_written + ? WHERE sink = ?";
    }

    /** An event as the sink writes it: the id from the body's first 8 bytes, and the body. */
    record Event(long id, byte[] body) {}

    /**
     * The slow afternoon: another connection takes a lock every sink transaction needs and keeps its transaction
     * open until {@link #close()}. PostgreSQL: {@code LOCK TABLE events, events_naive IN EXCLUSIVE MODE} (INSERT's
     * ROW EXCLUSIVE lock conflicts with it). H2 has no LOCK TABLE: {@code SELECT ... FROM sink_progress FOR
     * UPDATE} locks every writer's tally row, which each sink transaction updates before it commits. Either way
     * the writers wait inside the database, in its lock manager.
     */
    static final class Lock implements AutoCloseable {
        private final Connection c;

        Lock(String url) throws SQLException {
            c = connect(url);
            try (Statement s = c.createStatement()) {
                if (dialect(url) == Dialect.POSTGRESQL) {
                    s.execute("LOCK TABLE events, events_naive IN EXCLUSIVE MODE");
                } else {
                    try (ResultSet r = s.executeQuery("SELECT sink FROM sink_progress FOR UPDATE")) {
                        while (r.next()) {
                            r.getInt(1);
                        }
                    }
                }
            } catch (SQLException e) {
                c.close();
                throw e;
            }
        }

        /** Ends the transaction that holds the lock: the waiting writers go on. */
        @Override
        public void close() throws SQLException {
            try {
                c.rollback();
            } finally {
                c.close();
            }
        }
    }

    /** Sessions now waiting for a lock, as the database reports them; -1 if it cannot say. */
    static int lockWaiters(Connection c, Dialect d) {
        String sql = d == Dialect.POSTGRESQL
                ? "SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                : "SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL";
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            int n = r.next() ? r.getInt(1) : -1;
            c.commit();
            return n;
        } catch (SQLException e) {
            return -1;
        }
    }

    /** Rows in {@code table} now; -1 if the database cannot say. */
    static long count(Connection c, String table) {
        try (Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            long n = r.next() ? r.getLong(1) : -1;
            c.commit();
            return n;
        } catch (SQLException e) {
            return -1;
        }
    }

    /** What the table holds at the end, checked with SQL. */
    record Check(long rows, long duplicates, BitSet ids) {}

    /**
     * Rows, duplicate rows ({@code COUNT(*) - COUNT(DISTINCT id)}) and the set of ids in {@code table}. Ids are the
     * load generator's, from 0 up to {@code maxId}; a row outside that range is an error.
     */
    static Check check(String url, String table, long maxId) throws SQLException {
        try (Connection c = connect(url);
                Statement s = c.createStatement()) {
            long rows;
            long duplicates;
            try (ResultSet r = s.executeQuery("SELECT COUNT(*), COUNT(*) - COUNT(DISTINCT id) FROM " + table)) {
                r.next();
                rows = r.getLong(1);
                duplicates = r.getLong(2);
            }
            BitSet ids = new BitSet();
            s.setFetchSize(10_000);
            try (ResultSet r = s.executeQuery("SELECT DISTINCT id FROM " + table)) {
                while (r.next()) {
                    long id = r.getLong(1);
                    if (id < 0 || id > maxId) {
                        throw new SQLException(table + " holds id " + id + ", which the load generator never sent");
                    }
                    ids.set((int) id);
                }
            }
            c.commit();
            return new Check(rows, duplicates, ids);
        }
    }
}
