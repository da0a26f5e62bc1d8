package io.creditflow.proto.core;

/**
 * The sender's view of one stream's credit: bytes and messages it may still send. A message may be
 * sent only if its payload fits the byte credit and at least one message of credit is left (the
 * connection window is checked separately by {@link OutboundFlowController}).
 *
 * <p>Credit arrives as increments and is added with saturation, so a grant of "unlimited"
 * ({@link Long#MAX_VALUE}) never overflows however long the stream lives.
 *
 * <p>Not thread-safe; confine to the connection's event loop.
 */
public final class SendWindow {
    private long availableBytes;
    private long availableMessages;
    private long sentBytes;
    private long sentMessages;
    private boolean blockedReported;

    /** True if a message of {@code payloadBytes} fits both the byte and the message credit. */
    public boolean canSend(int payloadBytes) {
        return payloadBytes <= availableBytes && availableMessages > 0;
    }

    /** Debits a message that was just written; the caller checked {@link #canSend}. */
    public void onSent(int payloadBytes) {
        assert canSend(payloadBytes) : "sent beyond credit";
        availableBytes -= payloadBytes;
        if (availableMessages != Long.MAX_VALUE) {
            availableMessages--;
        }
        sentBytes += payloadBytes;
        sentMessages++;
        blockedReported = false;
    }

    /** Adds credit granted by the peer (already validated as non-negative). */
    public void addCredit(long bytes, long messages) {
        availableBytes = Credits.saturatedAdd(availableBytes, bytes);
        availableMessages = Credits.saturatedAdd(availableMessages, messages);
        blockedReported = false; // if still short, the receiver hears the current need again
    }

    /**
     * Gives back unused byte credit above {@code keepBytes}, answering the peer's Revoke.
     *
     * @return the bytes given back; the caller reports them in a RevokeAck
     */
    public long revoke(long keepBytes) {
        long returned = Math.max(0, availableBytes - Math.max(0, keepBytes));
        availableBytes -= returned;
        // The receiver forgets reported needs when its revoke is answered: report again if still short.
        blockedReported = false;
        return returned;
    }

    /**
     * Records that a Blocked frame is due for the current stall. Returns true once per stall (until the
     * next message is sent or the credit changes), so the peer hears about each stall once, and again
     * whenever its grants or revokes leave the stream short.
     */
    public boolean markBlockedReported() {
        if (blockedReported) {
            return false;
        }
        blockedReported = true;
        return true;
    }

    public long availableBytes() {
        return availableBytes;
    }

    public long availableMessages() {
        return availableMessages;
    }

    public long sentBytes() {
        return sentBytes;
    }

    public long sentMessages() {
        return sentMessages;
    }
}
