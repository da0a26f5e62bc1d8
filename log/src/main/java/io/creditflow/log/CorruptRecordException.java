package io.creditflow.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A read found a record whose CRC32C or header does not match: the record is never served as data. The exception names
 * the segment file, the offset and the byte position of the bad record, and the first offset after it that can be read
 * again ({@link #resumeOffset()}), so the caller can skip the damaged range knowingly and count it. Immutable.
 */
public final class CorruptRecordException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path segment;
    private final long offset;
    private final long position;
    private final long resumeOffset;

    /**
     * A corrupt record.
     *
     * @param segment the segment file
     * @param offset the offset the record should have had
     * @param position its byte position in the segment file
     * @param resumeOffset the first offset after it that can be read again
     * @param detail what did not match
     */
    public CorruptRecordException(Path segment, long offset, long position, long resumeOffset, String detail) {
        super("corrupt record in segment " + segment + " at offset " + offset + " (byte " + position + "): " + detail
                + "; the next readable offset is " + resumeOffset);
        this.segment = segment;
        this.offset = offset;
        this.position = position;
        this.resumeOffset = resumeOffset;
    }

    /** The segment file holding the corrupt record. */
    public Path segment() {
        return segment;
    }

    /** The offset of the corrupt record. */
    public long offset() {
        return offset;
    }

    /** The byte position of the corrupt record in its segment file. */
    public long position() {
        return position;
    }

    /** The first offset after the corrupt record that can be read again. */
    public long resumeOffset() {
        return resumeOffset;
    }
}
