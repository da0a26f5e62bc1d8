package io.creditflow.proto.core;

/** Arithmetic on credit counters. Stateless. */
public final class Credits {
    /** Messages of credit that mean "unlimited". */
    public static final long UNLIMITED = Long.MAX_VALUE;

    private Credits() {}

    /** {@code a + b} for non-negative values, capped at {@link Long#MAX_VALUE} instead of overflowing. */
    public static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    /**
     * A uint64 credit value from the wire as a Java long: values of 2^63 and more (negative as a
     * long) saturate to {@link Long#MAX_VALUE}, meaning unlimited.
     */
    public static long fromUint64(long wireValue) {
        return wireValue < 0 ? Long.MAX_VALUE : wireValue;
    }
}
