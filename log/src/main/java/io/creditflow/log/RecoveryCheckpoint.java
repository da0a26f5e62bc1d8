package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * The recovery checkpoint, {@code recovery.checkpoint}: the position up to which every segment's data was fsynced, so
 * recovery checks record by record only what comes after it. Written after every fsync of segment data (and at roll and
 * close), without an fsync of its own: a checkpoint that a power loss rolls back is only older, and an older checkpoint
 * is still true (recovery then checks a little more). It is never written ahead of the data it vouches for.
 * Thread-safe.
 *
 * <p>Two slots, 512 bytes apart so that they never share a disk sector, are written alternately; the
 * valid slot with the higher sequence wins, so a torn write loses at most the newest checkpoint. Slot
 * layout (big-endian):
 *
 * <pre>
 * byte  size  field
 *    0     4  magic 'CFRC' (0x43465243)
 *    4     1  version 1
 *    5     3  reserved, 0
 *    8     8  sequence, increasing with every write
 *   16     8  segment base offset
 *   24     8  byte position in that segment: everything before it, in it and in older segments, is fsynced
 *   32     8  the offset of the record at that position (the log's end offset when it was written)
 *   40     4  CRC32C of bytes 0 .. 39
 * </pre>
 */
final class RecoveryCheckpoint {
    static final String FILE_NAME = "recovery.checkpoint";
    static final int SLOT_BYTES = 44;
    static final int SLOT_DISTANCE = 512;
    private static final int MAGIC = 0x43465243;

    /**
     * A checkpointed position.
     *
     * @param segmentBase the segment's base offset
     * @param position the byte position in it
     * @param nextOffset the offset of the record at that position
     */
    record Point(long segmentBase, long position, long nextOffset) {}

    private final LogFile file;
    private final ByteBuffer slot = ByteBuffer.allocate(SLOT_BYTES);
    private final CRC32C crc = new CRC32C();
    private long sequence;
    private Point last;

    private RecoveryCheckpoint(LogFile file, long sequence, Point last) {
        this.file = file;
        this.sequence = sequence;
        this.last = last;
    }

    /** Opens (creating) the checkpoint file of {@code dir}. */
    static RecoveryCheckpoint open(Path dir, ChannelFactory channels) throws IOException {
        LogFile file = new LogFile(
                dir.resolve(FILE_NAME),
                channels,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        long bestSequence = 0;
        Point best = null;
        ByteBuffer b = ByteBuffer.allocate(SLOT_BYTES);
        CRC32C crc = new CRC32C();
        for (int s = 0; s < 2; s++) {
            b.clear();
            if (file.read(b, (long) s * SLOT_DISTANCE) < SLOT_BYTES) {
                continue;
            }
            crc.reset();
            RecordFormat.update(crc, b, 0, 40);
            if (b.getInt(0) != MAGIC || b.get(4) != 1 || (int) crc.getValue() != b.getInt(40)) {
                continue;
            }
            long seq = b.getLong(8);
            if (best == null || seq > bestSequence) {
                bestSequence = seq;
                best = new Point(b.getLong(16), b.getLong(24), b.getLong(32));
            }
        }
        return new RecoveryCheckpoint(file, bestSequence, best);
    }

    /** The checkpoint found when the file was opened, or the last one written; {@code null} if none. */
    synchronized Point last() {
        return last;
    }

    /** Writes {@code point} if it is ahead of the last one written. */
    synchronized void write(Point point) throws IOException {
        if (last != null && point.nextOffset() < last.nextOffset()) {
            return;
        }
        if (point.equals(last)) {
            return;
        }
        sequence++;
        slot.clear();
        slot.putInt(MAGIC)
                .put((byte) 1)
                .put((byte) 0)
                .putShort((short) 0)
                .putLong(sequence)
                .putLong(point.segmentBase())
                .putLong(point.position())
                .putLong(point.nextOffset());
        crc.reset();
        RecordFormat.update(crc, slot, 0, 40);
        slot.putInt((int) crc.getValue());
        slot.flip();
        file.write(slot, (sequence & 1) * SLOT_DISTANCE);
        last = point;
    }

    /** Writes {@code point} even if it is behind the last one (recovery truncated the log below it). */
    synchronized void reset(Point point) throws IOException {
        last = null;
        write(point);
    }

    /** Forces the checkpoint file to stable storage (on close, so that a clean restart scans nothing). */
    void force() throws IOException {
        file.force(false);
    }

    void close() throws IOException {
        file.close();
    }
}
