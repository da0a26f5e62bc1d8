package io.creditflow.proto.core;

/**
 * One stream's receive-side accounting, as monotonic totals from which everything else is derived
 * (docs/protocol.md 6.1). {@link InboundFlowController} owns it and is the only code that changes it; its
 * totals are package-private, for the controller and the parts it is made of.
 *
 * <p>Not thread-safe; event-loop confined (figures read elsewhere are racy snapshots).
 */
public final class ReceiveStream {
    final int id;
    final boolean demandDriven;
    final StallTimer stalls;
    long grantedBytes;
    long receivedBytes;
    long consumedBytes;
    long revokedBytes;
    long grantedMessages;
    long receivedMessages;
    long consumedMessages;
    long messageLimit;
    long reservedBytes;
    long neededBytes;
    long lastActivityNanos;
    int index;
    boolean wanting;
    /** The budget's starved ticket while the budget (not the connection window) starves it; else 0. */
    long ticket;

    boolean revokePending;
    boolean idleRevoked;
    boolean acceptingData = true;
    boolean closed;
    /** The adaptive-window tuner, or null for a fixed window. */
    AdaptiveWindow adaptive;
    /** The byte target of the last grant decision, before a blocked message raised it. */
    long targetBytes;

    WindowReason targetReason = WindowReason.FIXED;

    ReceiveStream(int id, boolean demandDriven, StallTimer stalls) {
        this.id = id;
        this.demandDriven = demandDriven;
        this.stalls = stalls;
    }

    public int id() {
        return id;
    }

    /** Byte credit the peer still holds on this stream. */
    public long windowBytes() {
        return grantedBytes - receivedBytes - revokedBytes;
    }

    /** Message credit the peer still holds on this stream. */
    public long windowMessages() {
        return grantedMessages == Credits.UNLIMITED ? Credits.UNLIMITED : grantedMessages - receivedMessages;
    }

    /** Bytes that arrived and were not yet consumed. */
    public long bufferedBytes() {
        return receivedBytes - consumedBytes;
    }

    public long bufferedMessages() {
        return receivedMessages - consumedMessages;
    }

    /** What this stream holds of the connection window and the budget: unused credit plus buffered data. */
    public long holdBytes() {
        return grantedBytes - revokedBytes - consumedBytes;
    }

    public long grantedBytes() {
        return grantedBytes;
    }

    public long receivedBytes() {
        return receivedBytes;
    }

    public long consumedBytes() {
        return consumedBytes;
    }

    public long receivedMessages() {
        return receivedMessages;
    }

    public long consumedMessages() {
        return consumedMessages;
    }

    public long reservedBytes() {
        return reservedBytes;
    }

    /** The current byte target (credit plus unconsumed data the receiver is willing to hold). */
    public long windowTargetBytes() {
        return targetBytes;
    }

    /** Why {@link #windowTargetBytes()} has its value: the rule that last changed it. */
    public WindowReason windowReason() {
        return targetReason;
    }

    /** The round-trip estimate of an adaptive stream (grant-to-data timing), or 0. */
    public long rttNanos() {
        return adaptive == null ? 0 : adaptive.rttNanos();
    }

    /** The application's drain rate measured by an adaptive stream (bytes per second), or 0. */
    public long drainBytesPerSecond() {
        return adaptive == null ? 0 : adaptive.drainBytesPerSecond();
    }

    /** True if this stream's window adapts. */
    public boolean isAdaptive() {
        return adaptive != null;
    }

    /** True while the stream waits for credit memory could not provide. */
    public boolean isStarved() {
        return wanting;
    }

    public boolean isClosed() {
        return closed;
    }
}
