package io.creditflow.broker;

/** What a durable topic does when its log reaches {@link BrokerConfig#logMaxBytes()}. */
public enum DiskPolicy {
    /**
     * Delete only whole segments every cursor has committed past; if that is not enough, hold the
     * producers (their receive windows fill, their credit stops) until the slowest cursor advances.
     * Lossless.
     */
    BLOCK,
    /**
     * Delete the oldest whole segments, read or not, until the batch fits; a lagging subscription skips
     * them (counted as {@code skippedRecords}, seen by its consumer as a gap in the sequence numbers).
     */
    DROP_OLDEST;

    /** Parses {@code block} or {@code drop-oldest}. */
    public static DiskPolicy parse(String text) {
        return EnumLabels.parse(DiskPolicy.class, "disk policy", text);
    }

    /** The command-line spelling: {@code drop-oldest}. */
    public String label() {
        return EnumLabels.label(this);
    }
}
