package io.creditflow.bench.harness;

import java.nio.ByteBuffer;

/**
 * The message layout every system carries, so receivers can tell streams apart, measure latency the
 * same way and verify delivery: a 4-byte stream index, an 8-byte intended send time
 * ({@link System#nanoTime()}, which on Linux is CLOCK_MONOTONIC and so shared by the two JVMs; the
 * orchestrator checks this), an 8-byte per-stream sequence number (0, 1, 2, ...), then a fill pattern:
 * a byte ramp ({@code (byte) (seed + offset)}, {@link #fill}) whose start depends on the stream and the
 * sequence number, copied from a shared ramp so that making a 64 KiB message costs a copy, not a loop.
 * A message cut short or shifted does not match, nor does another message's fill but for 1 in 256 of
 * them (the same start); one handed to the wrong stream has the wrong index and sequence. All of it
 * counts as payload.
 *
 * <p>The receiver checks the fill at {@value #SAMPLES} offsets spread over the message (the first and
 * last byte among them) for every message, and every byte of every {@value #FULL_CHECK_EVERY}th
 * message of a stream: a full check of each 64 KiB message would cost the receiver more than some
 * transports spend on it, and a sampled check catches framing and buffer-reuse faults, which touch
 * whole runs of bytes.
 */
public final class Payloads {
    public static final int HEADER_BYTES = 20;
    /** Fill offsets checked in every message. */
    public static final int SAMPLES = 16;
    /** Every this many messages of a stream (by sequence number), all of the fill is checked. */
    public static final int FULL_CHECK_EVERY = 64;

    private Payloads() {}

    /** A fresh payload (the transports may hold on to it, so it is never reused). */
    public static byte[] make(int size, int stream, long sequence, long intendedNanos) {
        byte[] p = new byte[size];
        p[0] = (byte) (stream >>> 24);
        p[1] = (byte) (stream >>> 16);
        p[2] = (byte) (stream >>> 8);
        p[3] = (byte) stream;
        for (int i = 0; i < 8; i++) {
            p[4 + i] = (byte) (intendedNanos >>> (56 - 8 * i));
            p[12 + i] = (byte) (sequence >>> (56 - 8 * i));
        }
        if (size > HEADER_BYTES) {
            int from = (seed(stream, sequence) & 0xff) + HEADER_BYTES;
            System.arraycopy(ramp(size), from, p, HEADER_BYTES, size - HEADER_BYTES);
        }
        return p;
    }

    /** {@code r[x] == (byte) x} for x below at least {@code size + 256}: the fill, copied rather than computed. */
    private static volatile byte[] ramp = new byte[0];

    private static byte[] ramp(int size) {
        byte[] r = ramp;
        if (r.length < size + 256) {
            r = new byte[size + 256];
            for (int x = 0; x < r.length; x++) {
                r[x] = (byte) x;
            }
            ramp = r;
        }
        return r;
    }

    /** The fill's seed for one message. */
    public static int seed(int stream, long sequence) {
        long h = (sequence + 1) * 0x9E3779B97F4A7C15L ^ (long) stream * 0xC2B2AE3D27D4EB4FL;
        return (int) (h ^ (h >>> 29));
    }

    /** The fill byte expected at {@code offset} (at least {@link #HEADER_BYTES}) of a message. */
    public static byte fill(int seed, int offset) {
        return (byte) (seed + offset);
    }

    /**
     * The {@code k}th ({@code 0 <= k < SAMPLES}) fill offset checked in a message of {@code size} bytes:
     * the first and the last fill byte, and the others spread between them, moved by the sequence
     * number so different messages test different bytes.
     */
    public static int sampleOffset(int size, long sequence, int k) {
        int span = size - HEADER_BYTES;
        if (k == 0 || span <= 1) {
            return HEADER_BYTES;
        }
        if (k == SAMPLES - 1) {
            return size - 1;
        }
        long step = Math.max(1, span / SAMPLES);
        return HEADER_BYTES + (int) ((k * step + Math.floorMod(sequence * 131, step)) % span);
    }

    /** True if every fill byte of this message is to be checked. */
    public static boolean fullCheck(long sequence) {
        return sequence % FULL_CHECK_EVERY == 0;
    }

    public static int stream(byte[] p) {
        return ((p[0] & 0xff) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
    }

    public static long intendedNanos(byte[] p) {
        return getLong(p, 4);
    }

    public static long sequence(byte[] p) {
        return getLong(p, 12);
    }

    private static long getLong(byte[] p, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (p[at + i] & 0xff);
        }
        return v;
    }

    /** The stream index of a payload seen through a buffer (absolute read, position untouched). */
    public static int stream(ByteBuffer b) {
        return b.getInt(b.position());
    }

    public static long intendedNanos(ByteBuffer b) {
        return b.getLong(b.position() + 4);
    }

    public static long sequence(ByteBuffer b) {
        return b.getLong(b.position() + 12);
    }

    /** True if the fill of this message (header already read) is as the sender wrote it. */
    public static boolean fillIntact(byte[] p, int stream, long sequence) {
        int size = p.length;
        int seed = seed(stream, sequence);
        if (fullCheck(sequence)) {
            if (size <= HEADER_BYTES) {
                return true;
            }
            int from = (seed & 0xff) + HEADER_BYTES;
            return java.util.Arrays.equals(p, HEADER_BYTES, size, ramp(size), from, from + size - HEADER_BYTES);
        }
        for (int k = 0; k < SAMPLES && size > HEADER_BYTES; k++) {
            int j = sampleOffset(size, sequence, k);
            if (p[j] != fill(seed, j)) {
                return false;
            }
        }
        return true;
    }

    /** The same for a payload seen through a buffer, from its position to its limit (absolute reads). */
    public static boolean fillIntact(ByteBuffer b, int stream, long sequence) {
        int base = b.position();
        int size = b.remaining();
        int seed = seed(stream, sequence);
        if (fullCheck(sequence)) {
            for (int j = HEADER_BYTES; j < size; j++) {
                if (b.get(base + j) != fill(seed, j)) {
                    return false;
                }
            }
            return true;
        }
        for (int k = 0; k < SAMPLES && size > HEADER_BYTES; k++) {
            int j = sampleOffset(size, sequence, k);
            if (b.get(base + j) != fill(seed, j)) {
                return false;
            }
        }
        return true;
    }
}
