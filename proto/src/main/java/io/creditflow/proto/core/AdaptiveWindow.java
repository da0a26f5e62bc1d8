package io.creditflow.proto.core;

/**
 * One stream's adaptive receive-window target: grows to the path's bandwidth-delay product, shrinks
 * to what the application drains, and stays between a floor and a ceiling (docs/protocol.md section
 * 6.5). It only computes a number; {@link InboundFlowController} grants up to it, so a smaller target
 * means granting less, never taking back credit already granted.
 *
 * <h2>Rules</h2>
 * <ul>
 * <li><b>Round-trip time</b>, from grant-to-data timing: a grant made at {@code t} while no probe is
 *     out arms one; the first data beyond the credit granted before it can only have been sent after
 *     the grant arrived, so {@code now - t} is at least one round trip, and equals it when the sender
 *     was waiting for the grant. The estimate is the minimum of these samples, renewed by the next
 *     sample once it is {@link #RTT_EXPIRY_NANOS} old.</li>
 * <li><b>Grow (delivery side, BDP)</b>: a {@code Blocked} (the sender has a message and no credit for
 *     it) that arrives within two round trips of our last grant, while the application has waited for
 *     data (its queue is empty, or it consumed until it was empty in the current interval and since the
 *     last growth: a queue empty only because nothing had arrived yet is no evidence), means the window, not the application, is
 *     what limits the stream: the target doubles, at most once per round trip (round trips below
 *     {@link #GRANULARITY_NANOS} count as that).</li>
 * <li><b>Shrink (drain side, CoDel-style)</b>: every interval ({@code max(2 x targetDelay, 2 x RTT)})
 *     the drain rate {@code D} is measured from the bytes consumed (smoothed: each interval weighs 1/4). If the application's queue never
 *     ran empty in the interval (it always had data waiting: it is the bottleneck), the target is
 *     capped at {@code D x (2 x RTT + targetDelay)}: enough credit for two round trips of draining
 *     plus a standing queue of {@code targetDelay}. If the queue did run empty while a cap was in
 *     force, the cap doubles (and goes once it reaches the delivery-side target).</li>
 * <li><b>Damping</b>: a drain-side change smaller than a quarter of the target is not made, and a
 *     change in the opposite direction to the previous one is made only when its condition held for
 *     two intervals in a row.</li>
 * <li><b>Floor and ceiling</b>: the target never leaves {@code [floorBytes, ceilingBytes]}; growth is
 *     further bounded by the {@code growLimit} the controller passes (budget and connection shares).</li>
 * </ul>
 *
 * <p>Time is always passed in. Not thread-safe; event-loop confined (figures read elsewhere are racy
 * snapshots).
 */
public final class AdaptiveWindow {
    /** An RTT minimum this old is replaced by the next sample (as BBR's min-RTT filter, 10 s). */
    public static final long RTT_EXPIRY_NANOS = 10_000_000_000L;
    /**
     * The shortest round trip the growth rule works with (QUIC's timer granularity, RFC 9002): on
     * loopback the measured RTT is below the precision of when frames are read and written.
     */
    public static final long GRANULARITY_NANOS = 1_000_000L;

    private static final long NONE = Long.MIN_VALUE;

    /**
     * Per-stream tuning bounds.
     *
     * @param floorBytes the smallest target (a blocked message still raises it to its own size)
     * @param ceilingBytes the largest target
     * @param targetDelayNanos the queueing delay the drain side aims for in the application's queue
     */
    public record Settings(long floorBytes, long ceilingBytes, long targetDelayNanos) {
        public Settings {
            if (floorBytes <= 0) {
                throw new IllegalArgumentException("floorBytes: " + floorBytes + " (expected: > 0)");
            }
            if (ceilingBytes < floorBytes) {
                throw new IllegalArgumentException(
                        "ceilingBytes: " + ceilingBytes + " (expected: >= floorBytes " + floorBytes + ")");
            }
            if (targetDelayNanos <= 0) {
                throw new IllegalArgumentException("targetDelayNanos: " + targetDelayNanos + " (expected: > 0)");
            }
        }
    }

    private final Settings settings;
    /** Delivery-side target: starts at the configured window, grows on BDP evidence. */
    private long deliveryTargetBytes;
    /** Drain-side cap, or {@link Long#MAX_VALUE} when the application is not the bottleneck. */
    private long drainCapBytes = Long.MAX_VALUE;

    private WindowReason reason = WindowReason.INITIAL;

    private long rttNanos;
    private long rttStampNanos;
    private long probeGrantNanos = NONE;
    private long probeLimitBytes;
    private long lastGrantNanos = NONE;
    private long lastGrowNanos = NONE;

    private long intervalStartNanos;
    private long intervalStartConsumedBytes;
    /** The application took everything there was at least once in this interval: it waited for data. */
    private boolean queueEmptied;
    /**
     * The application consumed until its queue was empty, in this interval and since the last growth:
     * the evidence growth needs. Unlike {@link #queueEmptied} it is never set by a queue that is empty
     * because nothing arrived, so an application that reads nothing never grows its window.
     */
    private boolean consumedToEmpty;

    private long drainBytesPerSecond;
    private long measuredIntervals;
    /** +1 after a growth, -1 after a shrink, 0 before any change. */
    private int lastDirection;
    /** Consecutive intervals whose condition called for a change against {@link #lastDirection}. */
    private int opposingIntervals;

    public AdaptiveWindow(Settings settings, long initialBytes, long nowNanos) {
        this.settings = settings;
        this.deliveryTargetBytes = clamp(initialBytes);
        if (deliveryTargetBytes != initialBytes) {
            reason = initialBytes < settings.floorBytes() ? WindowReason.FLOOR : WindowReason.CEILING;
        }
        this.intervalStartNanos = nowNanos;
    }

    public Settings settings() {
        return settings;
    }

    /** The target before budget and connection shares: {@code min(delivery target, drain cap)}, clamped. */
    public long targetBytes() {
        return clamp(Math.min(deliveryTargetBytes, drainCapBytes));
    }

    /** The rule that last changed {@link #targetBytes()}. */
    public WindowReason reason() {
        return reason;
    }

    /** The round-trip estimate in nanoseconds, or 0 before the first sample. */
    public long rttNanos() {
        return rttNanos;
    }

    /** The drain rate measured over the last complete interval (bytes per second). */
    public long drainBytesPerSecond() {
        return drainBytesPerSecond;
    }

    /** True while a drain-side cap is below the delivery-side target. */
    public boolean isDrainCapped() {
        return drainCapBytes < deliveryTargetBytes;
    }

    /**
     * Credit was granted at {@code nowNanos}; {@code grantedBeforeBytes} is the stream's total granted
     * bytes before this grant.
     */
    public void onGrant(long nowNanos, long grantedBeforeBytes) {
        lastGrantNanos = nowNanos;
        if (probeGrantNanos == NONE) {
            probeGrantNanos = nowNanos;
            probeLimitBytes = grantedBeforeBytes;
        }
    }

    /** True if data that brings the received total to {@code receivedBytes} answers the armed probe. */
    public boolean answersProbe(long receivedBytes) {
        return probeGrantNanos != NONE && receivedBytes > probeLimitBytes;
    }

    /** Data answering the armed probe (see {@link #answersProbe}) arrived at {@code nowNanos}. */
    public void onProbeAnswered(long nowNanos) {
        long sample = Math.max(1, nowNanos - probeGrantNanos);
        probeGrantNanos = NONE;
        if (rttNanos == 0 || sample <= rttNanos || nowNanos - rttStampNanos >= RTT_EXPIRY_NANOS) {
            rttNanos = sample;
            rttStampNanos = nowNanos;
        }
    }

    /** Credit was revoked: what the sender may send no longer follows from the totals, so the probe is void. */
    public void onRevoked() {
        probeGrantNanos = NONE;
    }

    /**
     * The sender reported being blocked on byte credit.
     *
     * @param bufferedBytes bytes received and not consumed
     * @param growLimitBytes the most the target may grow to (the stream's budget and connection shares)
     * @return true if the target changed
     */
    public boolean onBlocked(long nowNanos, long bufferedBytes, long growLimitBytes) {
        long rtt = Math.max(rttNanos, GRANULARITY_NANOS);
        if (rttNanos == 0 || lastGrantNanos == NONE || nowNanos - lastGrantNanos > 2 * rtt) {
            return false;
        }
        if (!(consumedToEmpty || bufferedBytes == 0)) {
            return false; // the application has data waiting: it, not the window, is the limit
        }
        if (lastGrowNanos != NONE && nowNanos - lastGrowNanos < rtt) {
            return false; // the previous growth has not had a round trip to take effect
        }
        long before = targetBytes();
        if (isDrainCapped()) {
            raiseDrainCap();
            reason = WindowReason.BDP;
        } else {
            long limit = Math.min(settings.ceilingBytes(), Math.max(deliveryTargetBytes, growLimitBytes));
            long grown = Math.min(Credits.saturatedAdd(deliveryTargetBytes, deliveryTargetBytes), limit);
            if (grown <= deliveryTargetBytes) {
                reason = limit == settings.ceilingBytes() ? WindowReason.CEILING : WindowReason.BUDGET;
                return false;
            }
            deliveryTargetBytes = grown;
            reason = grown == settings.ceilingBytes()
                    ? WindowReason.CEILING
                    : grown == growLimitBytes ? WindowReason.BUDGET : WindowReason.BDP;
        }
        lastGrowNanos = nowNanos;
        consumedToEmpty = false; // the next growth needs new evidence
        lastDirection = 1;
        opposingIntervals = 0;
        return targetBytes() != before;
    }

    /**
     * The application consumed; {@code consumedBytes} and {@code bufferedBytes} are the stream's totals
     * after it.
     *
     * @return true if the target changed
     */
    public boolean onConsumed(long nowNanos, long consumedBytes, long bufferedBytes) {
        if (bufferedBytes == 0) {
            queueEmptied = true;
        }
        boolean changed = maybeEndInterval(nowNanos, consumedBytes, bufferedBytes);
        if (bufferedBytes == 0) {
            consumedToEmpty = true; // after the interval check: this consumption counts in the new interval
        }
        return changed;
    }

    /**
     * Periodic check, so an application that consumes nothing is measured too.
     *
     * @return true if the target changed
     */
    public boolean onTick(long nowNanos, long consumedBytes, long bufferedBytes) {
        return maybeEndInterval(nowNanos, consumedBytes, bufferedBytes);
    }

    private long intervalNanos() {
        return Math.max(2 * settings.targetDelayNanos(), 2 * rttNanos);
    }

    private boolean maybeEndInterval(long nowNanos, long consumedBytes, long bufferedBytes) {
        long elapsed = nowNanos - intervalStartNanos;
        if (elapsed < intervalNanos()) {
            return false;
        }
        long drained = consumedBytes - intervalStartConsumedBytes;
        long sample = (long) (drained * 1e9 / elapsed);
        // Smoothed (weight 1/4 for the new interval), so one bursty interval moves the cap by a quarter.
        drainBytesPerSecond =
                measuredIntervals++ == 0 ? sample : drainBytesPerSecond + (sample - drainBytesPerSecond) / 4;
        boolean appLimited = !queueEmptied && bufferedBytes > 0;
        intervalStartNanos = nowNanos;
        intervalStartConsumedBytes = consumedBytes;
        queueEmptied = bufferedBytes == 0;
        consumedToEmpty = false;

        long before = targetBytes();
        if (appLimited) {
            long cap = Math.max(settings.floorBytes(), (long)
                    (drainBytesPerSecond * ((2.0 * rttNanos + settings.targetDelayNanos()) / 1e9)));
            if (cap < before - before / 4) {
                if (damped(-1)) {
                    return false;
                }
                drainCapBytes = cap;
                reason = cap <= settings.floorBytes() ? WindowReason.FLOOR : WindowReason.DRAIN;
            } else if (isDrainCapped() && cap > before + before / 4) {
                if (damped(1)) {
                    return false;
                }
                drainCapBytes = cap >= deliveryTargetBytes ? Long.MAX_VALUE : cap;
                reason = WindowReason.DRAIN;
            } else {
                opposingIntervals = 0;
                return false;
            }
        } else if (isDrainCapped()) {
            if (damped(1)) {
                return false;
            }
            raiseDrainCap();
            reason = WindowReason.DRAIN;
        } else {
            opposingIntervals = 0;
            return false;
        }
        return targetBytes() != before;
    }

    /**
     * True if a change in {@code direction} must wait: it reverses the previous change and its
     * condition has not yet held for two intervals in a row. Records the change otherwise.
     */
    private boolean damped(int direction) {
        if (lastDirection != 0 && direction != lastDirection && ++opposingIntervals < 2) {
            return true;
        }
        lastDirection = direction;
        opposingIntervals = 0;
        return false;
    }

    private void raiseDrainCap() {
        long current = Math.max(settings.floorBytes(), drainCapBytes);
        long raised = Credits.saturatedAdd(current, current);
        drainCapBytes = raised >= deliveryTargetBytes ? Long.MAX_VALUE : raised;
    }

    private long clamp(long bytes) {
        return Math.max(settings.floorBytes(), Math.min(settings.ceilingBytes(), bytes));
    }
}
