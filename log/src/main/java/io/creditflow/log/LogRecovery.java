package io.creditflow.log;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Opens a topic directory's segments and brings them to a consistent state, as described in docs/log.md ("Recovery"):
 * Not thread-safe; confine to one thread (it runs once, inside {@link FileTopicLog#open}).
 *
 * <ol>
 *   <li>Segments older than the recovery checkpoint's are trusted: only the last entry of their index is
 *       checked against the log, and the records after it (at most about one index interval) are checked
 *       to learn where the segment ends. A missing or invalid index is rebuilt from the segment.
 *   <li>The checkpoint's segment (normally the active one) is trusted up to the checkpointed position:
 *       its index entries before that position are validated, and the records from the last valid entry
 *       to the end of the file are checked one by one (CRC32C and header). The first bad record and
 *       everything after it is truncated, and any later segment is deleted.
 *   <li>Segments after the checkpoint's (only when fsyncs were skipped, as in {@code never} mode) are
 *       checked in full, their indexes rebuilt.
 *   <li>The producer table is loaded from the newest usable snapshot and the records after it are
 *       replayed.
 * </ol>
 */
final class LogRecovery {
    private static final System.Logger LOG = System.getLogger(FileTopicLog.class.getName());

    /**
     * The recovered state.
     *
     * @param segments the segments, oldest first; the last is the active one
     * @param producers the deduplication table
     * @param report what recovery found
     */
    record Result(List<Segment> segments, ProducerTable producers, RecoveryReport report) {}

    private final Path dir;
    private final LogConfig config;
    private final ChannelFactory channels;
    private final SegmentScanner scanner = new SegmentScanner();
    private final IndexBuffer indexBuffer = new IndexBuffer();

    private final List<RecoveryReport.Truncation> truncations = new ArrayList<>();
    private final List<Path> deletedAfterTruncation = new ArrayList<>();
    private final List<Path> emptyRemoved = new ArrayList<>();
    private final List<Path> indexesRebuilt = new ArrayList<>();
    private final List<RecoveryReport.Gap> gaps = new ArrayList<>();
    private final List<RecoveryReport.CorruptRecord> corrupt = new ArrayList<>();
    private final List<Segment> corruptTail = new ArrayList<>();
    private long truncatedBytes;
    private boolean filesChanged;

    LogRecovery(Path dir, LogConfig config) {
        this.dir = dir;
        this.config = config;
        this.channels = config.channelFactory();
    }

    Result run(RecoveryCheckpoint checkpoint, String cursorsProblem) throws IOException {
        long startNanos = System.nanoTime();
        TreeMap<Long, Boolean> bases = new TreeMap<>();
        TreeMap<Long, Path> snapshots = new TreeMap<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                long base;
                if ((base = Segment.parseBaseOffset(name, Segment.LOG)) >= 0) {
                    bases.put(base, Boolean.TRUE);
                } else if (Segment.parseBaseOffset(name, Segment.INDEX) >= 0
                        || Segment.parseBaseOffset(name, Segment.TIME_INDEX) >= 0) {
                    indexFiles.add(p);
                } else if ((base = Segment.parseBaseOffset(name, ProducerTable.SUFFIX)) >= 0) {
                    snapshots.put(base, p);
                } else if (name.endsWith(AtomicFiles.TEMP_SUFFIX)) {
                    Files.deleteIfExists(p); // an atomic write a crash interrupted
                }
            }
        }
        for (Path p : indexFiles) {
            String name = p.getFileName().toString();
            if (!bases.containsKey(Long.parseLong(name.substring(0, 20)))) {
                Files.deleteIfExists(p); // the segment was deleted and a crash left its index behind
                filesChanged = true;
            }
        }

        RecoveryCheckpoint.Point cp = checkpoint.last();
        List<Segment> segments = new ArrayList<>();
        List<Boolean> indexesExisted = new ArrayList<>();
        try {
            for (long base : bases.keySet()) {
                Path indexPath = dir.resolve(Segment.fileName(base, Segment.INDEX));
                Path timePath = dir.resolve(Segment.fileName(base, Segment.TIME_INDEX));
                boolean existed = Files.exists(indexPath) && Files.exists(timePath);
                Segment s = Segment.open(dir, base, channels);
                if (s.log.size() == 0 && base != bases.lastKey()) {
                    emptyRemoved.add(s.logPath);
                    s.delete();
                    filesChanged = true;
                    continue;
                }
                segments.add(s);
                indexesExisted.add(existed);
            }
            if (segments.isEmpty()) {
                long base = cp != null ? cp.nextOffset() : 0;
                segments.add(Segment.open(dir, base, channels));
                filesChanged = true;
                return finish(segments, checkpoint, cp, 0, snapshots, cursorsProblem, startNanos);
            }

            int ci;
            long trusted;
            if (cp == null || cp.segmentBase() < segments.get(0).baseOffset) {
                ci = 0;
                trusted = 0;
            } else {
                ci = -1;
                trusted = 0;
                for (int i = 0; i < segments.size(); i++) {
                    long base = segments.get(i).baseOffset;
                    if (base == cp.segmentBase()) {
                        ci = i;
                        trusted = cp.position();
                        break;
                    }
                    if (base > cp.segmentBase()) {
                        ci = i;
                        break;
                    }
                }
                if (ci < 0) {
                    // The checkpoint names a segment newer than every file: all of them are fsynced.
                    ci = segments.size() - 1;
                    trusted = Long.MAX_VALUE;
                }
            }

            for (int i = 0; i < segments.size(); i++) {
                Segment s = segments.get(i);
                boolean truncated;
                if (i < ci) {
                    openTrusted(s, indexesExisted.get(i));
                    truncated = false;
                } else if (i == ci) {
                    truncated = recoverFrom(s, trusted, indexesExisted.get(i));
                } else {
                    truncated = recoverFrom(s, 0, false);
                }
                if (truncated && i < segments.size() - 1) {
                    for (Segment later : segments.subList(i + 1, segments.size())) {
                        deletedAfterTruncation.add(later.logPath);
                        later.delete();
                    }
                    segments.subList(i + 1, segments.size()).clear();
                    filesChanged = true;
                }
            }
            for (Segment s : corruptTail) {
                int i = segments.indexOf(s);
                s.nextOffset = segments.get(i + 1).baseOffset;
            }
            for (int i = 1; i < segments.size(); i++) {
                Segment prev = segments.get(i - 1);
                Segment next = segments.get(i);
                if (prev.nextOffset < next.baseOffset) {
                    gaps.add(new RecoveryReport.Gap(prev.nextOffset, next.baseOffset));
                } else if (prev.nextOffset > next.baseOffset) {
                    throw new IOException("segments overlap: " + prev.logPath + " holds offsets up to "
                            + (prev.nextOffset - 1) + " but " + next.logPath.getFileName() + " starts at "
                            + next.baseOffset);
                }
            }
            return finish(segments, checkpoint, cp, ci, snapshots, cursorsProblem, startNanos);
        } catch (IOException | RuntimeException e) {
            for (Segment s : segments) {
                s.close();
            }
            throw e;
        }
    }

    /** A segment older than the checkpoint's: check the last index entry and the records after it. */
    private void openTrusted(Segment s, boolean indexExisted) throws IOException {
        long size = s.log.size();
        int entries = indexExisted ? trustedEntries(s, size) : -1;
        if (entries < 0) {
            rebuild(s, size);
            return;
        }
        s.indexEntries = entries;
        SegmentScanner.End end = scanFromLastEntry(s, size, entries);
        s.size = (int) Math.min(size, LogConfig.MAX_SEGMENT_BYTES);
        s.nextOffset = end.nextOffset();
        if (end.problem() != null) {
            // Fsynced data that no longer checks out: media corruption. Keep the bytes (reads refuse them
            // and name the record); the segment ends where the next one begins.
            corrupt.add(new RecoveryReport.CorruptRecord(s.logPath, end.nextOffset(), end.position(), end.problem()));
            LOG.log(
                    Level.WARNING,
                    "corrupt record in sealed segment {0} at offset {1} (byte {2}): {3}",
                    s.logPath,
                    end.nextOffset(),
                    end.position(),
                    end.problem());
            corruptTail.add(s);
        }
    }

    /**
     * Number of index entries of a trusted segment if its index files look right (sizes agree, the last
     * entry points at the record it names), or -1.
     */
    private int trustedEntries(Segment s, long logSize) throws IOException {
        long indexSize = s.index.size();
        long timeSize = s.timeIndex.size();
        if (indexSize % Segment.INDEX_ENTRY_BYTES != 0
                || timeSize % Segment.TIME_ENTRY_BYTES != 0
                || indexSize / Segment.INDEX_ENTRY_BYTES != timeSize / Segment.TIME_ENTRY_BYTES) {
            return -1;
        }
        int entries = (int) (indexSize / Segment.INDEX_ENTRY_BYTES);
        if (entries == 0) {
            return 0; // the scan from the segment's start adds whatever entries are missing
        }
        long e = s.entry(entries - 1);
        int rel = (int) (e >>> 32);
        long pos = e & 0xFFFFFFFFL;
        ByteBuffer t = ByteBuffer.allocate(Segment.TIME_ENTRY_BYTES);
        s.timeIndex.readFully(t, (long) (entries - 1) * Segment.TIME_ENTRY_BYTES);
        if (rel <= 0 || pos <= 0 || pos >= logSize || t.getInt(8) != rel || !headerNames(s, pos, s.baseOffset + rel)) {
            return -1;
        }
        return entries;
    }

    /** Whether the record header at {@code position} is a version-1 header for {@code offset}. */
    private static boolean headerNames(Segment s, long position, long offset) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(RecordFormat.HEADER);
        if (s.log.read(h, position) < RecordFormat.HEADER) {
            return false;
        }
        return h.get(RecordFormat.MAGIC) == RecordFormat.MAGIC_V1 && h.getLong(RecordFormat.OFFSET) == offset;
    }

    private void rebuild(Segment s, long size) throws IOException {
        indexesRebuilt.add(s.logPath);
        filesChanged = true;
        s.truncateIndexes(0);
        s.indexEntries = 0;
        SegmentScanner.End end = scanWithIndex(s, size, 0, s.baseOffset, Long.MIN_VALUE);
        s.size = (int) Math.min(size, LogConfig.MAX_SEGMENT_BYTES);
        s.nextOffset = end.nextOffset();
        if (end.problem() != null) {
            corrupt.add(new RecoveryReport.CorruptRecord(s.logPath, end.nextOffset(), end.position(), end.problem()));
            LOG.log(
                    Level.WARNING,
                    "corrupt record in sealed segment {0} at offset {1} (byte {2}): {3}",
                    s.logPath,
                    end.nextOffset(),
                    end.position(),
                    end.problem());
            corruptTail.add(s);
        }
    }

    /**
     * Recovers a segment the checkpoint vouches for only up to byte {@code trusted}: keeps the valid index
     * entries before it, checks every record from the last of them to the end of the file, truncates at
     * the first bad one. Returns whether it truncated.
     */
    private boolean recoverFrom(Segment s, long trusted, boolean indexExisted) throws IOException {
        long size = s.log.size();
        long limit = Math.min(trusted, size);
        int kept = indexExisted ? validEntriesBefore(s, limit) : 0;
        if (!indexExisted) {
            indexesRebuilt.add(s.logPath);
            filesChanged = true;
        }
        s.truncateIndexes(kept);
        s.indexEntries = kept;
        SegmentScanner.End end = scanFromLastEntry(s, size, kept);
        s.size = (int) end.position();
        s.nextOffset = end.nextOffset();
        if (end.problem() == null) {
            return false;
        }
        long cut = size - end.position();
        s.log.truncate(end.position());
        truncatedBytes += cut;
        filesChanged = true;
        boolean below = end.position() < limit;
        truncations.add(
                new RecoveryReport.Truncation(s.logPath, end.position(), end.nextOffset(), cut, end.problem(), below));
        LOG.log(
                below ? Level.ERROR : Level.WARNING,
                "truncated {0} at byte {1} (offset {2}): {3}; {4} bytes removed{5}",
                s.logPath,
                end.position(),
                end.nextOffset(),
                end.problem(),
                cut,
                below ? " from data the checkpoint said was fsynced" : "");
        return true;
    }

    /**
     * How many leading index entries are valid and lie before byte {@code limit}: strictly increasing,
     * parallel in both files, and the last one pointing at the record it names. Entries written after the
     * last fsync may be zeros or stale after a power loss; they are cut.
     */
    private int validEntriesBefore(Segment s, long limit) throws IOException {
        int count = (int)
                Math.min(s.index.size() / Segment.INDEX_ENTRY_BYTES, s.timeIndex.size() / Segment.TIME_ENTRY_BYTES);
        ByteBuffer idx = ByteBuffer.allocate(4096 * Segment.INDEX_ENTRY_BYTES);
        ByteBuffer time = ByteBuffer.allocate(4096 * Segment.TIME_ENTRY_BYTES);
        int prevRel = 0;
        long prevPos = 0;
        long prevTs = Long.MIN_VALUE;
        int valid = 0;
        scan:
        for (int first = 0; first < count; first += 4096) {
            int n = Math.min(4096, count - first);
            idx.clear().limit(n * Segment.INDEX_ENTRY_BYTES);
            time.clear().limit(n * Segment.TIME_ENTRY_BYTES);
            s.index.readFully(idx, (long) first * Segment.INDEX_ENTRY_BYTES);
            s.timeIndex.readFully(time, (long) first * Segment.TIME_ENTRY_BYTES);
            for (int j = 0; j < n; j++) {
                int rel = idx.getInt(j * Segment.INDEX_ENTRY_BYTES);
                long pos = idx.getInt(j * Segment.INDEX_ENTRY_BYTES + 4) & 0xFFFFFFFFL;
                long ts = time.getLong(j * Segment.TIME_ENTRY_BYTES);
                int timeRel = time.getInt(j * Segment.TIME_ENTRY_BYTES + 8);
                if (rel <= prevRel || pos <= prevPos || pos >= limit || timeRel != rel || ts < prevTs) {
                    break scan;
                }
                prevRel = rel;
                prevPos = pos;
                prevTs = ts;
                valid++;
            }
        }
        while (valid > 0) {
            long e = s.entry(valid - 1);
            if (headerNames(s, e & 0xFFFFFFFFL, s.baseOffset + (e >>> 32))) {
                break;
            }
            valid--;
        }
        return valid;
    }

    /**
     * Scans {@code s} record by record from its last kept index entry ({@code entries} of them; from the
     * segment's start without one) to {@code size}, checking offsets and timestamps against that entry.
     */
    private SegmentScanner.End scanFromLastEntry(Segment s, long size, int entries) throws IOException {
        long start = 0;
        long expected = s.baseOffset;
        long maxTs = Long.MIN_VALUE;
        if (entries > 0) {
            long e = s.entry(entries - 1);
            start = e & 0xFFFFFFFFL;
            expected = s.baseOffset + (e >>> 32);
            ByteBuffer t = ByteBuffer.allocate(Segment.TIME_ENTRY_BYTES);
            s.timeIndex.readFully(t, (long) (entries - 1) * Segment.TIME_ENTRY_BYTES);
            maxTs = t.getLong(0);
        }
        return scanWithIndex(s, size, start, expected, maxTs);
    }

    /**
     * Scans {@code s} from {@code start} (where offset {@code expected} begins), adding index entries as
     * the append path would, and leaves the writer-side index state of the segment set.
     */
    private SegmentScanner.End scanWithIndex(Segment s, long size, long start, long expected, long maxTsBefore)
            throws IOException {
        indexBuffer.start(s, s.indexEntries);
        long[] state = {start, maxTsBefore};
        int interval = config.indexIntervalBytes();
        SegmentScanner.End end = scanner.scan(s.log, size, start, expected, (offset, pos, bytes, ts, pid, seq) -> {
            if (Segment.needsIndexEntry(pos, state[0], interval)) {
                indexBuffer.add((int) (offset - s.baseOffset), (int) pos, state[1]);
                state[0] = pos;
            }
            state[1] = Math.max(state[1], ts);
        });
        int added = indexBuffer.finish();
        if (added > 0) {
            filesChanged = true;
        }
        s.indexEntries += added;
        s.lastIndexedPosition = (int) state[0];
        s.maxTimestamp = state[1];
        return end;
    }

    private Result finish(
            List<Segment> segments,
            RecoveryCheckpoint checkpoint,
            RecoveryCheckpoint.Point cp,
            int firstUnsynced,
            TreeMap<Long, Path> snapshots,
            String cursorsProblem,
            long startNanos)
            throws IOException {
        Segment active = segments.get(segments.size() - 1);
        if (active.size > 0) {
            ByteBuffer h = ByteBuffer.allocate(RecordFormat.HEADER);
            active.log.readFully(h, 0);
            active.firstTimestamp = h.getLong(RecordFormat.TIMESTAMP);
        }
        long end = active.nextOffset;
        long start = segments.get(0).baseOffset;

        long scanned = scanner.bytesScanned();
        ProducerTable producers = new ProducerTable(config.maxProducers());
        long snapshotOffset = -1;
        for (Long offset : snapshots.descendingKeySet()) {
            Path p = snapshots.get(offset);
            if (offset > end) {
                Files.deleteIfExists(p); // taken before records that recovery truncated
                continue;
            }
            try {
                ProducerTable t = new ProducerTable(config.maxProducers());
                t.load(AtomicFiles.readAll(p), p.getFileName().toString());
                producers = t;
                snapshotOffset = offset;
                break;
            } catch (IOException e) {
                LOG.log(Level.WARNING, "ignoring producer snapshot {0}: {1}", p, e.getMessage());
            }
        }
        long replayed = replayProducers(segments, producers, Math.max(snapshotOffset, start));
        int keep = 0;
        for (Long offset : snapshots.descendingKeySet()) {
            Path p = snapshots.get(offset);
            if (offset <= end && Files.exists(p) && ++keep > 2) {
                Files.deleteIfExists(p);
            }
        }

        // Make what recovery kept, truncated and rebuilt durable, then vouch for all of it.
        for (int i = Math.max(0, firstUnsynced); i < segments.size(); i++) {
            segments.get(i).forceAll();
        }
        for (Segment s : segments) {
            s.syncedSize = s.size;
            if (indexesRebuilt.contains(s.logPath)) {
                s.forceAll();
            }
        }
        if (filesChanged || cp == null) {
            AtomicFiles.syncDirectory(channels, dir);
        }
        checkpoint.reset(new RecoveryCheckpoint.Point(active.baseOffset, active.size, end));

        RecoveryReport report = new RecoveryReport(
                dir,
                cp != null,
                segments.size(),
                scanned,
                truncations,
                truncatedBytes,
                deletedAfterTruncation,
                emptyRemoved,
                indexesRebuilt,
                gaps,
                corrupt,
                snapshotOffset,
                replayed,
                producers.size(),
                cursorsProblem,
                System.nanoTime() - startNanos);
        LOG.log(report.lostData() ? Level.WARNING : Level.INFO, "{0}", report);
        return new Result(segments, producers, report);
    }

    /** Replays the producer ids and sequences of the records from {@code from} to the end. */
    private long replayProducers(List<Segment> segments, ProducerTable producers, long from) throws IOException {
        long replayed = 0;
        for (Segment s : segments) {
            if (s.nextOffset <= from || s.size == 0) {
                continue;
            }
            long startPos = 0;
            long expected = s.baseOffset;
            if (from > s.baseOffset) {
                long e = s.floorEntry(from, s.indexEntries);
                startPos = e & 0xFFFFFFFFL;
                expected = s.baseOffset + (e >>> 32);
            }
            long[] count = {0};
            scanner.scan(s.log, s.size, startPos, expected, (offset, pos, bytes, ts, pid, seq) -> {
                if (offset >= from) {
                    count[0]++;
                    if (pid != AppendRecord.NO_PRODUCER) {
                        producers.update(pid, seq, offset);
                    }
                }
            });
            replayed += count[0];
        }
        return replayed;
    }
}
