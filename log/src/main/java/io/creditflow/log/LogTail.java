package io.creditflow.log;

/**
 * The active segment, its published size and the log's end offset, published together by the writer of a {@link
 * FileTopicLog} (one volatile write): a reader that takes the tail and then the segments sees every byte below it.
 */
record LogTail(Segment segment, int position, long endOffset) {
    /** The end offset of {@code s}: the published one for the active segment. */
    long segmentEnd(Segment s) {
        return s == segment ? endOffset : s.nextOffset;
    }

    /** The size in bytes of {@code s}: the published one for the active segment. */
    long segmentSize(Segment s) {
        return s == segment ? position : s.size;
    }
}
