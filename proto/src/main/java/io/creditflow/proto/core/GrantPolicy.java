package io.creditflow.proto.core;

/**
 * The grant rules of docs/protocol.md section 6.2 as pure functions: a stream's byte target, the bytes and
 * messages due, and how much of the due bytes the connection window allows, from the stream's figures and
 * the pressure on memory. No state, no budget calls and no allocation (it runs on every consumption):
 * {@link InboundFlowController} gathers the figures, reserves the memory and writes the frames.
 * {@code GrantPolicyTest} states section 6.2 as a table over these functions.
 *
 * <p>Stateless; thread-safe.
 */
final class GrantPolicy {
    /** A bound that does not apply (no grow limit, no fair-share cut). */
    static final long NO_LIMIT = Long.MAX_VALUE;

    private GrantPolicy() {}

    /**
     * The byte target before a blocked message raises it ({@link #raisedTarget}): the stream's window (the
     * configured one, or the adaptive target), bounded by the connection window and by {@code growLimitBytes}
     * (an adaptive stream's shares, section 6.5), and cut while memory is short to the connection's or the
     * budget's fair share (section 7.1), never below {@code minGrantBytes}.
     *
     * @param connectionShareBytes the connection window's fair share, or {@link #NO_LIMIT} when no stream of
     *     the connection is starved
     * @param budgetShareBytes the budget's fair share, or {@link #NO_LIMIT} when the budget is not short
     */
    static long targetBytes(
            long windowBytes,
            long connectionWindowBytes,
            long growLimitBytes,
            long connectionShareBytes,
            long budgetShareBytes,
            long minGrantBytes) {
        long target = Math.min(Math.min(windowBytes, connectionWindowBytes), growLimitBytes);
        target = Math.min(target, Math.max(minGrantBytes, connectionShareBytes));
        return Math.min(target, Math.max(minGrantBytes, budgetShareBytes));
    }

    /**
     * Why a target has its value: FIXED for a fixed window, BUDGET if a fair share cut an adaptive one,
     * else the adaptive window's own reason.
     */
    static WindowReason reason(boolean adaptive, long targetBytes, long windowBytes, WindowReason adaptiveReason) {
        if (!adaptive) {
            return WindowReason.FIXED;
        }
        return targetBytes < windowBytes ? WindowReason.BUDGET : adaptiveReason;
    }

    /**
     * A blocked message larger than the target raises it to the message's size: what the stream holds
     * (unconsumed data included) is then at most one message, so a reader that does not consume still holds
     * the sender back, and one that does always makes room for the message.
     */
    static long raisedTarget(long targetBytes, long neededBytes) {
        return Math.max(targetBytes, neededBytes);
    }

    /**
     * The bytes due, or 0: {@code want = target - hold} when it is positive and either it lets the blocked
     * message through, or (the stream is not quiet after a revoke, section 7.2) it is at least half the
     * target. A blocked message is granted for only when the grant lets it through: trickling it credit it
     * cannot use yet would just trade Credit and Blocked frames (the silly-window syndrome).
     *
     * @param targetBytes the raised target
     */
    static long bytesDue(
            long targetBytes, long holdBytes, long windowBytes, long neededBytes, boolean quietAfterRevoke) {
        long want = targetBytes - holdBytes;
        boolean unblocks = windowBytes < neededBytes && windowBytes + want >= neededBytes;
        return want > 0 && (unblocks || (!quietAfterRevoke && want >= (targetBytes + 1) / 2)) ? want : 0;
    }

    /**
     * How much of {@code dueBytes} may be granted before the budget is asked: at most the room left in the
     * connection window ({@code connectionWindowBytes - Σ hold}); a stream that must take all or nothing gets
     * exactly {@code requiredBytes} or 0.
     */
    static long allowedBytes(long dueBytes, long connectionRoomBytes, long requiredBytes, boolean allOrNothing) {
        long allowed = Math.max(0, Math.min(dueBytes, connectionRoomBytes));
        if (!allOrNothing) {
            return allowed;
        }
        return allowed >= requiredBytes ? requiredBytes : 0;
    }

    /** The bytes a blocked message still needs beyond the window (positive only while it is blocked). */
    static long requiredBytes(long neededBytes, long windowBytes) {
        return neededBytes - windowBytes;
    }

    /**
     * The message credit due, or 0. The room is {@code messageLimit - granted}. A pull-mode stream is granted
     * its room once it is at least half the message window (at least 1), or whenever the peer has no message
     * credit left; a demand-driven stream once the room at least doubles what the peer still holds, or
     * whenever it holds none.
     */
    static long messagesDue(
            long messageLimit,
            long grantedMessages,
            long windowMessages,
            boolean demandDriven,
            long streamWindowMessages) {
        long room = messageLimit - grantedMessages;
        if (room <= 0) {
            return 0;
        }
        if (demandDriven) {
            return windowMessages == 0 || room >= windowMessages ? room : 0;
        }
        long half = Math.max(1, streamWindowMessages / 2);
        return room >= half || windowMessages == 0 ? room : 0;
    }

    /** A pull-mode stream's message limit: what it consumed plus the message window (saturating). */
    static long pullMessageLimit(long consumedMessages, long streamWindowMessages) {
        return Credits.saturatedAdd(consumedMessages, streamWindowMessages);
    }
}
