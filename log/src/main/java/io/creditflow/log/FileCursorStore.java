package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.zip.CRC32C;

/**
 * The {@link CursorStore} of a {@link FileTopicLog}: the file {@code cursors} in the topic directory, replaced as a
 * whole on every {@link #flush()} through {@link AtomicFiles} (write {@code cursors.tmp}, fsync, rename, fsync the
 * directory), so a crash leaves either the previous or the new set of commits. Layout (big-endian): Thread-safe.
 *
 * <pre>
 * byte  size  field
 *    0     4  magic 'CFCU' (0x43464355)
 *    4     1  version 1
 *    5     3  reserved, 0
 *    8     4  count
 *   12     .  count entries: name length u16, name (UTF-8, 1..255 bytes), committed offset i64
 *    .     4  CRC32C of every byte before it
 * </pre>
 *
 * <p>Every method synchronizes on the store; {@code flush} encodes under the lock and
 * writes outside it, serialized by a second lock.
 */
final class FileCursorStore implements CursorStore {
    static final String FILE_NAME = "cursors";
    static final String CORRUPT_NAME = "cursors.corrupt";
    private static final int MAGIC = 0x43464355;
    private static final int MAX_NAME_BYTES = 255;

    private final Path file;
    private final ChannelFactory channels;
    private final boolean sync;
    private final int maxCursors;
    private final Map<String, Long> offsets = new LinkedHashMap<>();
    private final Object flushLock = new Object();
    private long version;
    private long flushedVersion;
    private final String loadProblem;

    private FileCursorStore(Path dir, ChannelFactory channels, boolean sync, int maxCursors) throws IOException {
        this.file = dir.resolve(FILE_NAME);
        this.channels = channels;
        this.sync = sync;
        this.maxCursors = maxCursors;
        Files.deleteIfExists(dir.resolve(FILE_NAME + AtomicFiles.TEMP_SUFFIX));
        String problem = null;
        try {
            decode(AtomicFiles.readAll(file));
        } catch (NoSuchFileException e) {
            // A new topic: no cursors yet.
        } catch (IOException e) {
            offsets.clear();
            problem = e.getMessage();
            Files.move(file, dir.resolve(CORRUPT_NAME), StandardCopyOption.REPLACE_EXISTING);
        }
        this.loadProblem = problem;
    }

    /**
     * Opens the cursors of topic directory {@code dir}. A leftover {@code cursors.tmp} (a flush a crash
     * interrupted) is deleted; a {@code cursors} file that fails its checks is renamed to {@code
     * cursors.corrupt} and the store starts empty ({@link #loadProblem()} says why).
     *
     * @param sync whether flushes fsync (every fsync mode but {@code never})
     */
    static FileCursorStore open(Path dir, ChannelFactory channels, boolean sync, int maxCursors) throws IOException {
        return new FileCursorStore(dir, channels, sync, maxCursors);
    }

    /** Why the cursor file could not be loaded, or {@code null}. */
    String loadProblem() {
        return loadProblem;
    }

    @Override
    public synchronized OptionalLong committed(String name) {
        Long v = offsets.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    @Override
    public synchronized boolean commit(String name, long offset) {
        checkName(name);
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        Long old = offsets.get(name);
        if (old == null && offsets.size() >= maxCursors) {
            return false;
        }
        if (old == null || old != offset) {
            offsets.put(name, offset);
            version++;
        }
        return true;
    }

    @Override
    public synchronized boolean remove(String name) {
        boolean removed = offsets.remove(name) != null;
        if (removed) {
            version++;
        }
        return removed;
    }

    @Override
    public synchronized Map<String, Long> committedOffsets() {
        return Map.copyOf(new HashMap<>(offsets));
    }

    @Override
    public synchronized long lowestCommittedOffset() {
        long min = Long.MAX_VALUE;
        for (long v : offsets.values()) {
            min = Math.min(min, v);
        }
        return min;
    }

    synchronized int size() {
        return offsets.size();
    }

    @Override
    public void flush() throws IOException {
        synchronized (flushLock) {
            ByteBuffer content;
            long v;
            synchronized (this) {
                if (version == flushedVersion) {
                    return;
                }
                v = version;
                content = encode();
            }
            AtomicFiles.write(channels, file, content, sync);
            synchronized (this) {
                flushedVersion = Math.max(flushedVersion, v);
            }
        }
    }

    private static void checkName(String name) {
        int n = name.getBytes(StandardCharsets.UTF_8).length;
        if (n == 0 || n > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name: " + n + " UTF-8 bytes (expected: 1 to " + MAX_NAME_BYTES + ")");
        }
    }

    private ByteBuffer encode() {
        int size = 16;
        Map<String, byte[]> names = new LinkedHashMap<>();
        for (String name : offsets.keySet()) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            names.put(name, b);
            size += 2 + b.length + 8;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putInt(MAGIC).put((byte) 1).put((byte) 0).putShort((short) 0).putInt(offsets.size());
        for (Map.Entry<String, byte[]> e : names.entrySet()) {
            b.putShort((short) e.getValue().length).put(e.getValue()).putLong(offsets.get(e.getKey()));
        }
        CRC32C crc = new CRC32C();
        RecordFormat.update(crc, b, 0, b.position());
        b.putInt((int) crc.getValue());
        return b.flip();
    }

    private void decode(ByteBuffer b) throws IOException {
        int n = b.remaining();
        if (n < 16 || b.getInt(0) != MAGIC || b.get(4) != 1) {
            throw new IOException(file.getFileName() + ": not a cursor file (" + n + " bytes)");
        }
        CRC32C crc = new CRC32C();
        RecordFormat.update(crc, b, 0, n - 4);
        if ((int) crc.getValue() != b.getInt(n - 4)) {
            throw new IOException(file.getFileName() + ": CRC32C mismatch");
        }
        int count = b.getInt(8);
        b.position(12);
        for (int i = 0; i < count; i++) {
            if (b.remaining() < 4 + 2) {
                throw new IOException(file.getFileName() + ": entry " + i + " runs past the end");
            }
            int len = b.getShort() & 0xFFFF;
            if (len == 0 || b.remaining() < len + 8 + 4) {
                throw new IOException(file.getFileName() + ": entry " + i + " runs past the end");
            }
            byte[] name = new byte[len];
            b.get(name);
            offsets.put(new String(name, StandardCharsets.UTF_8), b.getLong());
        }
    }
}
