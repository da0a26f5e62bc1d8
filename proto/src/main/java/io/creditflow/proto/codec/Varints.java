package io.creditflow.proto.codec;

import io.netty.buffer.ByteBuf;

/** Protobuf base-128 varints on {@link ByteBuf}s. Stateless. */
public final class Varints {
    /** Returned by {@link #peekVarint32} when the buffer does not yet hold the whole varint. */
    public static final long INCOMPLETE = -1;
    /** Returned by {@link #peekVarint32} when the varint is longer than 5 bytes or exceeds 32 bits. */
    public static final long MALFORMED = -2;

    private Varints() {}

    /** Bytes needed to encode {@code value} (treated as unsigned 32-bit). */
    public static int sizeOf(int value) {
        if ((value & (~0 << 7)) == 0) {
            return 1;
        }
        if ((value & (~0 << 14)) == 0) {
            return 2;
        }
        if ((value & (~0 << 21)) == 0) {
            return 3;
        }
        if ((value & (~0 << 28)) == 0) {
            return 4;
        }
        return 5;
    }

    /** Writes {@code value} as an unsigned 32-bit varint. */
    public static void write(ByteBuf out, int value) {
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    /**
     * Reads an unsigned 32-bit varint at {@code index} without moving the reader index.
     *
     * @return the value (0 to 2^32-1) in the low 32 bits and its encoded length in bits 32-39, or
     *         {@link #INCOMPLETE} / {@link #MALFORMED}
     */
    public static long peekVarint32(ByteBuf in, int index, int limit) {
        long value = 0;
        for (int i = 0; i < 5; i++) {
            if (index + i >= limit) {
                return INCOMPLETE;
            }
            int b = in.getByte(index + i);
            if (i == 4 && (b & 0xF0) != 0) {
                return MALFORMED; // continuation bit or bits beyond 32
            }
            value |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return value | ((long) (i + 1) << 32);
            }
        }
        return MALFORMED;
    }

    /** The value part of a {@link #peekVarint32} result. */
    public static long value(long peeked) {
        return peeked & 0xFFFF_FFFFL;
    }

    /** The encoded length part of a {@link #peekVarint32} result. */
    public static int length(long peeked) {
        return (int) (peeked >>> 32);
    }
}
