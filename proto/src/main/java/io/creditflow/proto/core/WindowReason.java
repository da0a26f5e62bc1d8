package io.creditflow.proto.core;

/**
 * Why a stream's receive-window target has its current value: the rule that last changed it
 * (docs/protocol.md section 6.5).
 */
public enum WindowReason {
    /** Adaptive windows are off for the stream: the target is the configured stream window. */
    FIXED,
    /** Adaptive, and no rule has moved the target yet: it is the configured stream window. */
    INITIAL,
    /** Delivery side: the sender ran out of credit within a round trip of a grant, so the target grew. */
    BDP,
    /** Drain side: the target follows the application's drain rate times the target queueing delay. */
    DRAIN,
    /** The stream's share of the memory budget, or of the connection window, bounds the target. */
    BUDGET,
    /** The configured floor bounds the target from below. */
    FLOOR,
    /** The configured ceiling bounds the target from above. */
    CEILING
}
