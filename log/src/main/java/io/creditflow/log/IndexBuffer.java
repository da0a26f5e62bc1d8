package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Index entries collected for one segment and written to its two index files in a few positional writes: by an append
 * after its records are written (so a failed append leaves no entry pointing past the log's end), and by recovery while
 * it rebuilds an index. Bounded: it writes itself out every {@value #CAPACITY} entries. Not thread-safe; confine to one
 * thread (the log's writer, or recovery).
 */
final class IndexBuffer {
    static final int CAPACITY = 512;

    private final ByteBuffer offsets = ByteBuffer.allocate(CAPACITY * Segment.INDEX_ENTRY_BYTES);
    private final ByteBuffer times = ByteBuffer.allocate(CAPACITY * Segment.TIME_ENTRY_BYTES);
    private Segment segment;
    private int firstEntry;
    private int buffered;
    private int written;

    /** Starts collecting entries for {@code segment}, the first one to go at entry index {@code firstEntry}. */
    void start(Segment segment, int firstEntry) {
        this.segment = segment;
        this.firstEntry = firstEntry;
        this.buffered = 0;
        this.written = 0;
        offsets.clear();
        times.clear();
    }

    /** Adds an entry; writes the buffer out when it is full. */
    void add(int relativeOffset, int position, long maxTimestampBefore) throws IOException {
        offsets.putInt(relativeOffset).putInt(position);
        times.putLong(maxTimestampBefore).putInt(relativeOffset);
        buffered++;
        if (buffered == CAPACITY) {
            writeOut();
        }
    }

    /** Writes the buffered entries; returns the number of entries added since {@link #start}. */
    int finish() throws IOException {
        writeOut();
        return written;
    }

    /** Entries added since {@link #start}, written or not. */
    int added() {
        return written + buffered;
    }

    private void writeOut() throws IOException {
        if (buffered == 0) {
            return;
        }
        int at = firstEntry + written;
        offsets.flip();
        times.flip();
        segment.index.write(offsets, (long) at * Segment.INDEX_ENTRY_BYTES);
        segment.timeIndex.write(times, (long) at * Segment.TIME_ENTRY_BYTES);
        offsets.clear();
        times.clear();
        written += buffered;
        buffered = 0;
    }
}
