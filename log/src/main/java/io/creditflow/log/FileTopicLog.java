package io.creditflow.log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link TopicLog} on local files: one directory per topic holding segment files named by their base offset ({@code
 * 00000000000000000000.log}), a sparse offset index and time index per segment, producer snapshots, a recovery
 * checkpoint and the cursor file. The formats, recovery, fsync modes, retention and the disk bound are described in
 * docs/log.md. Thread-safe: one writer at a time, concurrent readers.
 *
 * <p>Appends, roll, retention and deletion take one writer lock, so there is one writer at a
 * time. Reads take no lock: they use positional {@link FileChannel} reads of the segment files (served
 * from the page cache when warm) bounded by sizes the writer publishes only after the bytes are written,
 * so any number of threads read concurrently, each at its own offset, while the writer appends. In {@code
 * batch} and {@code interval} modes a flusher thread ({@code creditflow-log-flusher-<dir>}) fsyncs outside
 * the writer lock, so appends continue during an fsync and the next fsync covers all of them (group
 * commit). Durability listeners run on the flusher or on the thread that made records durable, never
 * under the writer lock.
 *
 * <p>Memory: a 64 KiB staging buffer for appends, the caller's bound per read, the producer table (bounded
 * by {@link LogConfig#maxProducers()}) and a few objects per segment. No segment is ever held in memory;
 * index lookups are binary searches with positional reads of the index files.
 */
public final class FileTopicLog implements TopicLog {
    private static final System.Logger LOG = System.getLogger(FileTopicLog.class.getName());
    private static final String LOCK_FILE = "lock";
    /** How long the flusher waits before retrying after a failed fsync. */
    private static final long FSYNC_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    /** How often a read starts over because retention deleted the segment it was reading. */
    private static final int READ_ATTEMPTS = 8;

    private final Path dir;
    private final LogConfig config;
    private final FsyncMode.Kind mode;
    private final ChannelFactory channels;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final RecoveryCheckpoint checkpoint;
    private final FileCursorStore cursors;
    private final RecoveryReport recoveryReport;
    /** The bound this log shares with others, or null. */
    private final DiskTotal total;

    private final LogReader reader = new LogReader();
    private final CopyOnWriteArrayList<DurabilityListener> listeners = new CopyOnWriteArrayList<>();

    private final ReentrantLock writeLock = new ReentrantLock();
    private final Condition appended = writeLock.newCondition();
    private final Object flushMonitor = new Object();
    private final Object notifyMonitor = new Object();

    private volatile Segment[] segments;
    private volatile LogTail tail;
    private volatile long durableOffset;
    private volatile long fsyncedOffset;
    private volatile long lastNotified;
    private volatile long sizeBytes;
    private volatile boolean closed;
    /** Segment files were created or deleted without an fsync of the directory ({@code never} mode). */
    private volatile boolean directoryDirty;

    private final Thread flusher;

    // Writer state, guarded by writeLock.
    private final ProducerTable producers;
    private final IndexBuffer indexBuffer = new IndexBuffer();
    private final RecordEncoder encoder = new RecordEncoder();
    private Segment pendingTruncate;
    private int pendingTruncateSize;
    private int pendingTruncateEntries;
    /** The last append failed: later failures of the same kind are logged at DEBUG until one succeeds. */
    private AppendResult.Status failingWith;

    // Counters: written under writeLock (volatile for readers of stats()), or atomics where several threads
    // write.
    private volatile long appendedRecords;
    private volatile long appendedBytes;
    private volatile long duplicatesDropped;
    private volatile long logFullRejections;
    private volatile long tooLargeRejections;
    private volatile long diskFullEvents;
    private volatile long segmentsDeleted;
    private volatile long recordsDeleted;
    private volatile long unreadRecordsDropped;
    private volatile int producerCount;
    private volatile long producersEvicted;
    private final AtomicLong ioErrors = new AtomicLong();
    private final AtomicLong fsyncs = new AtomicLong();
    private final AtomicLong fsyncNanosTotal = new AtomicLong();
    private final AtomicLong fsyncNanosMax = new AtomicLong();

    private FileTopicLog(
            Path dir,
            LogConfig config,
            FileChannel lockChannel,
            FileLock lock,
            RecoveryCheckpoint checkpoint,
            FileCursorStore cursors,
            LogRecovery.Result recovered,
            DiskTotal total) {
        this.dir = dir;
        this.total = total;
        this.config = config;
        this.mode = config.fsync().kind();
        this.channels = config.channelFactory();
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.checkpoint = checkpoint;
        this.cursors = cursors;
        this.recoveryReport = recovered.report();
        this.producers = recovered.producers();
        this.segments = recovered.segments().toArray(new Segment[0]);
        Segment active = segments[segments.length - 1];
        this.tail = new LogTail(active, active.size, active.nextOffset);
        this.durableOffset = active.nextOffset;
        this.fsyncedOffset = active.nextOffset;
        this.lastNotified = active.nextOffset;
        long size = 0;
        for (Segment s : segments) {
            size += s.diskBytes();
        }
        this.sizeBytes = size;
        if (total != null) {
            total.add(size); // what is on disk counts, even over the bound: appends wait until there is room
        }
        this.producerCount = producers.size();
        if (config.fsync().usesFlusher()) {
            flusher = new Thread(this::runFlusher, "creditflow-log-flusher-" + dir.getFileName());
            flusher.setDaemon(true);
            flusher.start();
        } else {
            flusher = null;
        }
    }

    /**
     * Opens the log in {@code directory} (created if absent), recovering it as docs/log.md describes;
     * {@link #recoveryReport()} says what recovery found. The directory is locked against a second opener
     * (in this or another process) until {@link #close()}.
     *
     * @throws IOException if the directory cannot be read or locked, or its segments overlap
     */
    public static FileTopicLog open(Path directory, LogConfig config) throws IOException {
        return open(directory, config, null);
    }

    /**
     * As {@link #open(Path, LogConfig)}, sharing {@code total} with other logs: this log's size counts in it from
     * now until {@link #close()}, and an append must fit under both bounds.
     *
     * @param total the shared bound, or null for none
     */
    public static FileTopicLog open(Path directory, LogConfig config, DiskTotal total) throws IOException {
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(config, "config");
        Files.createDirectories(directory);
        FileChannel lockChannel =
                FileChannel.open(directory.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lockChannel.close();
            throw new IOException("log directory " + directory + " is already open in this process", e);
        } catch (IOException | RuntimeException e) {
            lockChannel.close();
            throw e;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IOException("log directory " + directory + " is in use by another process");
        }
        RecoveryCheckpoint checkpoint = null;
        try {
            checkpoint = RecoveryCheckpoint.open(directory, config.channelFactory());
            FileCursorStore cursors =
                    FileCursorStore.open(directory, config.channelFactory(), true, config.maxCursors());
            LogRecovery.Result recovered = new LogRecovery(directory, config).run(checkpoint, cursors.loadProblem());
            return new FileTopicLog(directory, config, lockChannel, lock, checkpoint, cursors, recovered, total);
        } catch (IOException | RuntimeException e) {
            if (checkpoint != null) {
                checkpoint.close();
            }
            lockChannel.close();
            throw e;
        }
    }

    /** What recovery found and repaired when this log was opened. */
    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    /** The topic directory. */
    public Path directory() {
        return dir;
    }

    /** The configuration. */
    public LogConfig config() {
        return config;
    }

    // ---------------------------------------------------------------------------------------------------
    // Append

    @Override
    public AppendResult append(List<AppendRecord> records) {
        Objects.requireNonNull(records, "records");
        AppendResult result;
        writeLock.lock();
        try {
            result = appendLocked(records);
        } finally {
            writeLock.unlock();
        }
        notifyListeners();
        return result;
    }

    private AppendResult appendLocked(List<AppendRecord> records) {
        if (closed) {
            return AppendResult.refused(AppendResult.Status.CLOSED, tail.endOffset(), 0, "log is closed");
        }
        int n = records.size();
        long endOffset = tail.endOffset();

        // Pass 1: duplicates and size. Nothing changes until the bytes are written.
        long[] mask = null;
        int duplicates = 0;
        long bytes = 0;
        Map<Long, Long> overlay = null;
        long soloProducer = AppendRecord.NO_PRODUCER;
        long soloSequence = -1;
        for (int i = 0; i < n; i++) {
            AppendRecord r = records.get(i);
            if (r.hasProducer()) {
                long last;
                if (r.producerId() == soloProducer) {
                    last = soloSequence;
                } else if (overlay != null && overlay.containsKey(r.producerId())) {
                    last = overlay.get(r.producerId());
                } else {
                    last = producers.lastSequence(r.producerId());
                }
                if (r.sequence() <= last) {
                    if (mask == null) {
                        mask = new long[(n + 63) >>> 6];
                    }
                    mask[i >>> 6] |= 1L << i;
                    duplicates++;
                    continue;
                }
                if (soloProducer == AppendRecord.NO_PRODUCER || soloProducer == r.producerId()) {
                    soloProducer = r.producerId();
                    soloSequence = r.sequence();
                } else {
                    if (overlay == null) {
                        overlay = new HashMap<>();
                    }
                    overlay.put(soloProducer, soloSequence);
                    soloProducer = r.producerId();
                    soloSequence = r.sequence();
                }
            }
            bytes += RecordFormat.HEADER + (long) r.payload().remaining();
        }
        int count = n - duplicates;
        if (count == 0) {
            duplicatesDropped += duplicates;
            return new AppendResult(AppendResult.Status.OK, -1, 0, duplicates, endOffset, 0, 0, null, mask);
        }
        if (bytes > config.segmentBytes()) {
            tooLargeRejections++;
            return AppendResult.refused(
                    AppendResult.Status.TOO_LARGE,
                    endOffset,
                    bytes,
                    "batch of " + bytes + " bytes is larger than a segment (" + config.segmentBytes() + " bytes)");
        }
        long need = bytes + Math.min(count, bytes / config.indexIntervalBytes() + 1) * Segment.ENTRY_BYTES;
        if (sizeBytes + need > config.maxBytes()) {
            logFullRejections++;
            return AppendResult.refused(
                    AppendResult.Status.LOG_FULL,
                    endOffset,
                    need,
                    "the log holds " + sizeBytes + " of " + config.maxBytes() + " bytes; the batch needs " + need);
        }
        if (total != null && !total.tryReserve(need)) {
            logFullRejections++;
            return AppendResult.refused(
                    AppendResult.Status.LOG_FULL,
                    endOffset,
                    need,
                    "the logs sharing a total hold " + total.usedBytes() + " of " + total.maxBytes()
                            + " bytes; the batch needs " + need);
        }

        long sizeBefore = sizeBytes;
        try {
            resolvePendingTruncate();
            Segment active = tail.segment();
            if (active.size > 0 && (active.size + bytes > config.segmentBytes() || rollByAge(active))) {
                roll();
                active = tail.segment();
            }
            AppendResult ok = write(active, records, mask, count, duplicates, bytes);
            if (failingWith != null) {
                LOG.log(Level.INFO, "appends to {0} work again", dir);
                failingWith = null;
            }
            return ok;
        } catch (IOException e) {
            return failed(e, endOffset);
        } finally {
            if (total != null) {
                total.add(sizeBytes - sizeBefore - need); // the reservation becomes what was written
            }
        }
    }

    private boolean rollByAge(Segment active) {
        long segmentMillis = config.segmentMillis();
        return segmentMillis > 0
                && active.firstTimestamp != Long.MIN_VALUE
                && config.clock().epochMillis() - active.firstTimestamp >= segmentMillis;
    }

    private AppendResult write(
            Segment seg, List<AppendRecord> records, long[] mask, int count, int duplicates, long bytes)
            throws IOException {
        int startPos = seg.size;
        int startEntries = seg.indexEntries;
        long firstOffset = tail.endOffset();
        long offset = firstOffset;
        long pos = startPos;
        int lastIndexed = seg.lastIndexedPosition;
        long maxTs = seg.maxTimestamp;
        int interval = config.indexIntervalBytes();
        encoder.start();
        long writePos = startPos;
        indexBuffer.start(seg, startEntries);
        try {
            for (int i = 0, n = records.size(); i < n; i++) {
                if (mask != null && (mask[i >>> 6] & (1L << i)) != 0) {
                    continue;
                }
                AppendRecord r = records.get(i);
                if (Segment.needsIndexEntry(pos, lastIndexed, interval)) {
                    indexBuffer.add((int) (offset - seg.baseOffset), (int) pos, maxTs);
                    lastIndexed = (int) pos;
                }
                writePos = encoder.encode(seg.log, r, offset, writePos);
                maxTs = Math.max(maxTs, r.timestampMillis());
                pos += RecordFormat.HEADER + r.payload().remaining();
                offset++;
            }
            writePos = encoder.flush(seg.log, writePos);
            indexBuffer.finish();
            if (mode == FsyncMode.Kind.ALWAYS) {
                // Published only once durable: in this mode nobody reads a record a crash could take back.
                long t0 = System.nanoTime();
                seg.log.force(false);
                recordFsync(t0);
            }
        } catch (IOException e) {
            rollback(seg, startPos, startEntries);
            throw e;
        }
        assert writePos == pos;

        // Publish: index entries and sizes first, the tail last.
        seg.lastIndexedPosition = lastIndexed;
        if (seg.firstTimestamp == Long.MIN_VALUE) {
            seg.firstTimestamp = records.get(firstIndex(mask)).timestampMillis();
        }
        int added = indexBuffer.added();
        seg.indexEntries = startEntries + added;
        seg.maxTimestamp = maxTs;
        seg.nextOffset = offset;
        seg.size = (int) pos;
        if (mode == FsyncMode.Kind.ALWAYS) {
            seg.syncedSize = (int) pos;
        }
        sizeBytes += (pos - startPos) + (long) added * Segment.ENTRY_BYTES;
        long o = firstOffset;
        for (int i = 0, n = records.size(); i < n; i++) {
            if (mask != null && (mask[i >>> 6] & (1L << i)) != 0) {
                continue;
            }
            AppendRecord r = records.get(i);
            if (r.hasProducer()) {
                producers.update(r.producerId(), r.sequence(), o);
            }
            o++;
        }
        producerCount = producers.size();
        producersEvicted = producers.evicted();
        LogTail t = new LogTail(seg, (int) pos, offset);
        tail = t;
        appendedRecords += count;
        appendedBytes += bytes;
        duplicatesDropped += duplicates;
        switch (mode) {
            case ALWAYS:
                markFsynced(t);
                break;
            case NEVER:
                durableOffset = offset;
                break;
            default:
                appended.signal();
                break;
        }
        return new AppendResult(AppendResult.Status.OK, firstOffset, count, duplicates, offset, bytes, 0, null, mask);
    }

    private static int firstIndex(long[] mask) {
        if (mask == null) {
            return 0;
        }
        for (int i = 0; ; i++) {
            if ((mask[i >>> 6] & (1L << i)) == 0) {
                return i;
            }
        }
    }

    /** Cuts a failed append's bytes off again; if even that fails, the next append must do it first. */
    private void rollback(Segment seg, int size, int entries) {
        try {
            seg.log.truncate(size);
            seg.truncateIndexes(entries);
        } catch (IOException e) {
            pendingTruncate = seg;
            pendingTruncateSize = size;
            pendingTruncateEntries = entries;
            LOG.log(
                    Level.WARNING,
                    "could not cut a failed append off {0}; the next append retries: {1}",
                    seg.logPath,
                    e.getMessage());
        }
    }

    private void resolvePendingTruncate() throws IOException {
        if (pendingTruncate != null) {
            pendingTruncate.log.truncate(pendingTruncateSize);
            pendingTruncate.truncateIndexes(pendingTruncateEntries);
            pendingTruncate = null;
        }
    }

    private AppendResult failed(IOException e, long endOffset) {
        String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        AppendResult.Status status = isDiskFull(e) ? AppendResult.Status.DISK_FULL : AppendResult.Status.IO_ERROR;
        // A caller retries a failed append often (the broker on every tick): one warning per spell, not per retry.
        Level level = status == failingWith ? Level.DEBUG : Level.WARNING;
        failingWith = status;
        if (status == AppendResult.Status.DISK_FULL) {
            diskFullEvents++;
            LOG.log(level, "append to {0} failed, disk full: {1}", dir, reason);
        } else {
            ioErrors.incrementAndGet();
            LOG.log(level, "append to {0} failed: {1}", dir, reason);
        }
        return AppendResult.refused(status, endOffset, 0, reason);
    }

    /** Whether {@code e} (or a cause) is ENOSPC or a quota error; Java exposes them only as messages. */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null
                    && (m.contains("No space left")
                            || m.contains("ENOSPC")
                            || m.contains("quota exceeded")
                            || m.contains("EDQUOT"))) {
                return true;
            }
        }
        return false;
    }

    /** Seals the active segment and starts a new one at the end offset. Under the writer lock. */
    private void roll() throws IOException {
        Segment old = tail.segment();
        long end = tail.endOffset();
        boolean sync = mode != FsyncMode.Kind.NEVER;
        if (sync) {
            long t0 = System.nanoTime();
            old.forceAll();
            recordFsync(t0);
        }
        Segment next = Segment.open(dir, end, channels);
        try {
            if (sync) {
                AtomicFiles.syncDirectory(channels, dir);
            } else {
                directoryDirty = true;
            }
        } catch (IOException e) {
            next.delete();
            throw e;
        }
        Segment[] s = Arrays.copyOf(segments, segments.length + 1);
        s[s.length - 1] = next;
        segments = s;
        LogTail t = new LogTail(next, 0, end);
        tail = t;
        writeProducerSnapshot(end, sync);
        if (sync) {
            markFsynced(t);
        }
    }

    private void writeProducerSnapshot(long offset, boolean sync) {
        Path target = dir.resolve(Segment.fileName(offset, ProducerTable.SUFFIX));
        try {
            AtomicFiles.write(channels, target, producers.encode(offset), sync);
            pruneSnapshots(offset);
        } catch (IOException e) {
            // Not fatal: recovery replays from an older snapshot, or from the start of the log.
            LOG.log(Level.WARNING, "could not write producer snapshot {0}: {1}", target, e.getMessage());
        }
    }

    private void pruneSnapshots(long newest) throws IOException {
        List<Long> offsets = new ArrayList<>();
        try (var files = Files.newDirectoryStream(dir, "*" + ProducerTable.SUFFIX)) {
            for (Path p : files) {
                long o = Segment.parseBaseOffset(p.getFileName().toString(), ProducerTable.SUFFIX);
                if (o >= 0 && o < newest) {
                    offsets.add(o);
                }
            }
        }
        offsets.sort(null);
        // Keep the newest and the one before it.
        for (int i = 0; i < offsets.size() - 1; i++) {
            Files.deleteIfExists(dir.resolve(Segment.fileName(offsets.get(i), ProducerTable.SUFFIX)));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Durability

    private void recordFsync(long startNanos) {
        long nanos = System.nanoTime() - startNanos;
        fsyncs.incrementAndGet();
        fsyncNanosTotal.addAndGet(nanos);
        fsyncNanosMax.accumulateAndGet(nanos, Math::max);
    }

    /** Everything up to {@code t} is fsynced: advance the offsets and the checkpoint. */
    private void markFsynced(LogTail t) {
        synchronized (flushMonitor) {
            if (t.endOffset() < fsyncedOffset) {
                return;
            }
            fsyncedOffset = t.endOffset();
            if (t.endOffset() > durableOffset) {
                durableOffset = t.endOffset();
            }
            try {
                checkpoint.write(new RecoveryCheckpoint.Point(t.segment().baseOffset, t.position(), t.endOffset()));
            } catch (IOException e) {
                // An older checkpoint stays true; recovery then checks a little more.
                LOG.log(Level.WARNING, "could not write the recovery checkpoint of {0}: {1}", dir, e.getMessage());
            }
        }
    }

    /** fsyncs everything appended so far (every segment with unsynced bytes). Outside the writer lock. */
    private void flushOnce() throws IOException {
        synchronized (flushMonitor) {
            LogTail t = tail;
            if (t.endOffset() <= fsyncedOffset) {
                return;
            }
            for (Segment s : segments) {
                if (s.baseOffset > t.segment().baseOffset) {
                    break;
                }
                int target = s == t.segment() ? t.position() : s.size;
                if (s.syncedSize >= target) {
                    continue;
                }
                long t0 = System.nanoTime();
                try {
                    if (s == t.segment()) {
                        s.forceLog();
                    } else {
                        s.forceAll(); // sealed without an fsync (never mode): its indexes too
                    }
                } catch (LogFile.ClosedLogFileException e) {
                    continue; // deleted by retention meanwhile: nothing left to make durable
                }
                recordFsync(t0);
            }
            if (directoryDirty) {
                directoryDirty = false;
                AtomicFiles.syncDirectory(channels, dir);
            }
            markFsynced(t);
        }
    }

    @Override
    public void flush() throws IOException {
        if (closed) {
            return;
        }
        try {
            flushOnce();
        } catch (IOException e) {
            ioErrors.incrementAndGet();
            throw e;
        }
        notifyListeners();
    }

    private void notifyListeners() {
        if (durableOffset <= lastNotified) {
            return;
        }
        synchronized (notifyMonitor) {
            long d = durableOffset;
            if (d <= lastNotified) {
                return;
            }
            lastNotified = d;
            for (DurabilityListener l : listeners) {
                try {
                    l.onDurable(d);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "durability listener of " + dir + " failed", e);
                }
            }
        }
    }

    private void runFlusher() {
        long intervalNanos = TimeUnit.MILLISECONDS.toNanos(config.fsync().intervalMillis());
        long lastFlush = System.nanoTime();
        try {
            while (true) {
                writeLock.lock();
                try {
                    while (!closed) {
                        boolean pending = tail.endOffset() > fsyncedOffset;
                        if (mode == FsyncMode.Kind.BATCH) {
                            if (pending) {
                                break;
                            }
                            appended.await();
                        } else {
                            long wait = lastFlush + intervalNanos - System.nanoTime();
                            if (pending && wait <= 0) {
                                break;
                            }
                            if (pending) {
                                appended.awaitNanos(wait);
                            } else {
                                appended.await();
                            }
                        }
                    }
                    if (closed) {
                        return;
                    }
                } finally {
                    writeLock.unlock();
                }
                try {
                    flushOnce();
                    lastFlush = System.nanoTime();
                    notifyListeners();
                } catch (IOException e) {
                    ioErrors.incrementAndGet();
                    LOG.log(Level.WARNING, "fsync of {0} failed; retrying: {1}", dir, e.getMessage());
                    writeLock.lock();
                    try {
                        if (!closed) {
                            appended.awaitNanos(FSYNC_RETRY_NANOS);
                        }
                    } finally {
                        writeLock.unlock();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long durableOffset() {
        return durableOffset;
    }

    @Override
    public void addDurabilityListener(DurabilityListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeDurabilityListener(DurabilityListener listener) {
        listeners.remove(listener);
    }

    // ---------------------------------------------------------------------------------------------------
    // Read

    @Override
    public ReadResult read(long offset, int maxBytes, int maxRecords) throws IOException {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: > 0)");
        }
        return readWithRetry(offset, null, maxBytes, maxRecords);
    }

    @Override
    public ReadResult read(long offset, ByteBuffer destination, int maxRecords) throws IOException {
        Objects.requireNonNull(destination, "destination");
        if (!destination.hasRemaining()) {
            throw new IllegalArgumentException("destination: no bytes remaining (expected: > 0)");
        }
        return readWithRetry(offset, destination, destination.remaining(), maxRecords);
    }

    private ReadResult readWithRetry(long offset, ByteBuffer destination, int maxBytes, int maxRecords)
            throws IOException {
        if (maxRecords <= 0) {
            throw new IllegalArgumentException("maxRecords: " + maxRecords + " (expected: > 0)");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
        }
        for (int attempt = 0; ; attempt++) {
            if (closed) {
                throw new IOException("log " + dir + " is closed");
            }
            int mark = destination == null ? 0 : destination.position();
            try {
                LogTail t = tail;
                return reader.read(t, segments, offset, destination, maxBytes, maxRecords);
            } catch (LogFile.ClosedLogFileException e) {
                // Retention deleted the segment under us: start again; the read now reports the skip.
                if (destination != null) {
                    destination.position(mark);
                }
                if (attempt + 1 >= READ_ATTEMPTS) {
                    throw new IOException(
                            "log " + dir + ": segments deleted during " + READ_ATTEMPTS + " attempts to read offset "
                                    + offset,
                            e);
                }
            }
        }
    }

    @Override
    public long offsetForTime(long epochMillis) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try {
                LogTail t = tail;
                return reader.offsetForTime(t, segments, epochMillis);
            } catch (LogFile.ClosedLogFileException e) {
                if (attempt + 1 >= READ_ATTEMPTS || closed) {
                    throw new IOException("log " + dir + " is closed or its segments were deleted meanwhile", e);
                }
            }
        }
    }

    @Override
    public long startOffset() {
        return segments[0].baseOffset;
    }

    @Override
    public long endOffset() {
        return tail.endOffset();
    }

    @Override
    public long sizeBytes() {
        return sizeBytes;
    }

    @Override
    public long maxBytes() {
        return config.maxBytes();
    }

    // ---------------------------------------------------------------------------------------------------
    // Retention and the bound

    @Override
    public RetentionResult applyRetention(long protectedOffset) throws IOException {
        writeLock.lock();
        try {
            checkOpen();
            long now = config.clock().epochMillis();
            long retentionMillis = config.retentionMillis();
            long retentionBytes = config.retentionBytes();
            Deletion d = new Deletion(protectedOffset);
            while (segments.length > 1) {
                Segment oldest = segments[0];
                if (oldest.nextOffset > protectedOffset) {
                    break;
                }
                boolean byAge = retentionMillis >= 0 && oldest.maxTimestamp < now - retentionMillis;
                boolean byBytes = retentionBytes >= 0 && sizeBytes - oldest.diskBytes() >= retentionBytes;
                if (!byAge && !byBytes) {
                    break;
                }
                d.delete(oldest);
            }
            return d.result(true);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public RetentionResult reclaim(long bytesNeeded, long protectedOffset) throws IOException {
        return makeRoom(bytesNeeded, protectedOffset, false);
    }

    @Override
    public RetentionResult dropOldest(long bytesNeeded, long protectedOffset) throws IOException {
        return makeRoom(bytesNeeded, protectedOffset, true);
    }

    private RetentionResult makeRoom(long bytesNeeded, long protectedOffset, boolean dropUnread) throws IOException {
        if (bytesNeeded < 0) {
            throw new IllegalArgumentException("bytesNeeded: " + bytesNeeded + " (expected: >= 0)");
        }
        writeLock.lock();
        try {
            checkOpen();
            Deletion d = new Deletion(protectedOffset);
            while (!fits(bytesNeeded) && segments.length > 1) {
                Segment oldest = segments[0];
                if (!dropUnread && oldest.nextOffset > protectedOffset) {
                    break;
                }
                d.delete(oldest);
            }
            return d.result(fits(bytesNeeded));
        } finally {
            writeLock.unlock();
        }
    }

    /** Whether {@code bytes} more fit under the bound and the shared total. */
    private boolean fits(long bytes) {
        return sizeBytes + bytes <= config.maxBytes() && (total == null || total.fits(bytes));
    }

    /** Deletes oldest segments and adds up what went. Under the writer lock. */
    private final class Deletion {
        private final long protectedOffset;
        private int count;
        private long records;
        private long bytes;
        private long unread;

        Deletion(long protectedOffset) {
            this.protectedOffset = protectedOffset;
        }

        void delete(Segment oldest) throws IOException {
            assert writeLock.isHeldByCurrentThread() && oldest == segments[0] && oldest != tail.segment();
            segments = Arrays.copyOfRange(segments, 1, segments.length);
            long diskBytes = oldest.diskBytes();
            sizeBytes -= diskBytes;
            if (total != null) {
                total.add(-diskBytes);
            }
            count++;
            records += oldest.recordCount();
            bytes += diskBytes;
            unread += Math.max(0, oldest.nextOffset - Math.max(oldest.baseOffset, protectedOffset));
            oldest.delete();
        }

        RetentionResult result(boolean satisfied) throws IOException {
            if (count > 0) {
                if (mode != FsyncMode.Kind.NEVER) {
                    AtomicFiles.syncDirectory(channels, dir);
                } else {
                    directoryDirty = true;
                }
                segmentsDeleted += count;
                recordsDeleted += records;
                unreadRecordsDropped += unread;
                LOG.log(
                        unread > 0 ? Level.WARNING : Level.DEBUG,
                        "deleted {0} segment(s) of {1}: {2} records, {3} bytes, {4} of them unread; start offset {5}",
                        count,
                        dir,
                        records,
                        bytes,
                        unread,
                        segments[0].baseOffset);
            }
            return new RetentionResult(count, records, bytes, unread, segments[0].baseOffset, satisfied);
        }
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException("log " + dir + " is closed");
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Cursors, stats, close

    @Override
    public CursorStore cursors() {
        return cursors;
    }

    @Override
    public LogStats stats() {
        LogTail t = tail;
        return new LogStats(
                sizeBytes,
                config.maxBytes(),
                segments.length,
                startOffset(),
                t.endOffset(),
                durableOffset,
                appendedRecords,
                appendedBytes,
                duplicatesDropped,
                logFullRejections,
                tooLargeRejections,
                diskFullEvents,
                ioErrors.get(),
                fsyncs.get(),
                fsyncNanosTotal.get(),
                fsyncNanosMax.get(),
                recoveryReport.truncatedBytes(),
                segmentsDeleted,
                recordsDeleted,
                unreadRecordsDropped,
                reader.corruptRecordsDetected(),
                producerCount,
                producersEvicted,
                cursors.size());
    }

    @Override
    public void close() throws IOException {
        writeLock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (total != null) {
                total.add(-sizeBytes); // a closed log no longer counts (its files stay)
            }
            appended.signalAll();
        } finally {
            writeLock.unlock();
        }
        IOException failure = null;
        try {
            if (flusher != null) {
                flusher.join(TimeUnit.SECONDS.toMillis(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            resolvePendingTruncate();
            LogTail t = tail;
            long t0 = System.nanoTime();
            for (Segment s : segments) {
                if (s.syncedSize < s.size || s == t.segment()) {
                    s.forceAll();
                }
            }
            recordFsync(t0);
            AtomicFiles.syncDirectory(channels, dir);
            markFsynced(t);
            checkpoint.force();
            writeProducerSnapshot(t.endOffset(), true);
        } catch (IOException e) {
            failure = e;
        }
        try {
            cursors.flush();
        } catch (IOException e) {
            failure = addTo(failure, e);
        }
        notifyListeners();
        for (Segment s : segments) {
            s.close();
        }
        try {
            checkpoint.close();
        } catch (IOException e) {
            failure = addTo(failure, e);
        }
        try {
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            failure = addTo(failure, e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static IOException addTo(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }

    /**
     * Simulates a process crash for tests: closes every file without flushing, checkpointing or writing
     * a snapshot, as kill -9 would leave them (the page cache keeps what was written).
     */
    void crashForTest() throws IOException {
        writeLock.lock();
        try {
            boolean wasClosed = closed;
            closed = true;
            if (total != null && !wasClosed) {
                total.add(-sizeBytes); // a closed log no longer counts (its files stay)
            }
            appended.signalAll();
        } finally {
            writeLock.unlock();
        }
        if (flusher != null) {
            try {
                flusher.join(TimeUnit.SECONDS.toMillis(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (flushMonitor) {
            for (Segment s : segments) {
                s.close();
            }
            checkpoint.close();
        }
        lock.release();
        lockChannel.close();
    }

    /** The segment files, oldest first (for tests). */
    List<Path> segmentFiles() {
        List<Path> out = new ArrayList<>();
        for (Segment s : segments) {
            out.add(s.logPath);
        }
        return out;
    }

    /** A summary for logs. */
    @Override
    public String toString() {
        LogTail t = tail;
        return "FileTopicLog{" + dir.getFileName() + ", offsets " + startOffset() + ".." + t.endOffset() + ", durable "
                + durableOffset + ", " + segments.length + " segments, " + sizeBytes + " B}";
    }
}
