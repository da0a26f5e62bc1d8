package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The deduplication table: for each producer id, the highest sequence appended and its offset. Bounded by {@link
 * LogConfig#maxProducers()}: when full, the least recently active producer is forgotten (and counted), so a retry from
 * it after a very long silence would be appended again. Not thread-safe; confine to one thread (the log's writer, or
 * recovery).
 *
 * <p>Persisted as producer snapshots, {@code <offset>.snapshot}, written atomically at every segment roll
 * and on close; the state covers every record below the snapshot's offset, and recovery replays the
 * records after it (at most about one segment). Layout (big-endian):
 *
 * <pre>
 * byte  size      field
 *    0     4      magic 'CFPS' (0x43465053)
 *    4     1      version 1
 *    5     3      reserved, 0
 *    8     8      offset: the state covers records below it
 *   16     4      count
 *   20  24*count  entries, least recently active first: producerId i64, lastSequence i64, lastOffset i64
 *    .     4      CRC32C of every byte before it
 * </pre>
 */
final class ProducerTable {
    static final String SUFFIX = ".snapshot";
    private static final int MAGIC = 0x43465053;
    private static final int ENTRY_BYTES = 24;

    private final int maxProducers;
    private final LinkedHashMap<Long, long[]> entries;
    private long evicted;

    ProducerTable(int maxProducers) {
        this.maxProducers = maxProducers;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, long[]> eldest) {
                if (size() > ProducerTable.this.maxProducers) {
                    evicted++;
                    return true;
                }
                return false;
            }
        };
    }

    /** The highest sequence appended for {@code producerId}, or -1 if unknown. */
    long lastSequence(long producerId) {
        long[] e = entries.get(producerId);
        return e == null ? -1 : e[0];
    }

    /** Records that {@code producerId} appended {@code sequence} at {@code offset}. */
    void update(long producerId, long sequence, long offset) {
        long[] e = entries.get(producerId);
        if (e == null) {
            entries.put(producerId, new long[] {sequence, offset});
        } else if (sequence > e[0]) {
            e[0] = sequence;
            e[1] = offset;
        }
    }

    int size() {
        return entries.size();
    }

    long evicted() {
        return evicted;
    }

    /** The snapshot of the table as of {@code offset}. */
    ByteBuffer encode(long offset) {
        ByteBuffer b = ByteBuffer.allocate(24 + entries.size() * ENTRY_BYTES);
        b.putInt(MAGIC)
                .put((byte) 1)
                .put((byte) 0)
                .putShort((short) 0)
                .putLong(offset)
                .putInt(entries.size());
        for (Map.Entry<Long, long[]> e : entries.entrySet()) {
            b.putLong(e.getKey()).putLong(e.getValue()[0]).putLong(e.getValue()[1]);
        }
        CRC32C crc = new CRC32C();
        RecordFormat.update(crc, b, 0, b.position());
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    /** Loads a snapshot into this (empty) table; returns its offset. */
    long load(ByteBuffer b, String name) throws IOException {
        if (b.remaining() < 24 || b.getInt(0) != MAGIC || b.get(4) != 1) {
            throw new IOException(name + ": not a producer snapshot");
        }
        int count = b.getInt(16);
        if (count < 0 || b.remaining() != 24 + (long) count * ENTRY_BYTES) {
            throw new IOException(name + ": " + count + " entries do not match the file size " + b.remaining());
        }
        CRC32C crc = new CRC32C();
        RecordFormat.update(crc, b, 0, b.remaining() - 4);
        if ((int) crc.getValue() != b.getInt(b.remaining() - 4)) {
            throw new IOException(name + ": CRC32C mismatch");
        }
        for (int i = 0; i < count; i++) {
            int at = 20 + i * ENTRY_BYTES;
            long producerId = b.getLong(at);
            entries.put(producerId, new long[] {b.getLong(at + 8), b.getLong(at + 16)});
        }
        return b.getLong(8);
    }
}
