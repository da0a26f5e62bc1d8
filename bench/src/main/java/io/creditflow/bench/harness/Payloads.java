package io.creditflow.bench.harness;

import java.nio.ByteBuffer;

/**
 * The message layout every system carries, so receivers can tell streams apart and measure latency
 * the same way: a 4-byte stream index, an 8-byte intended send time ({@link System#nanoTime()}, which
 * on Linux is CLOCK_MONOTONIC and so shared by the two JVMs; the orchestrator checks this), then zeros.
 * All of it counts as payload.
 */
public final class Payloads {
    public static final int HEADER_BYTES = 12;

    private Payloads() {}

    /** A fresh payload (the transports may hold on to it, so it is never reused). */
    public static byte[] make(int size, int stream, long intendedNanos) {
        byte[] p = new byte[size];
        p[0] = (byte) (stream >>> 24);
        p[1] = (byte) (stream >>> 16);
        p[2] = (byte) (stream >>> 8);
        p[3] = (byte) stream;
        for (int i = 0; i < 8; i++) {
            p[4 + i] = (byte) (intendedNanos >>> (56 - 8 * i));
        }
        return p;
    }

    public static int stream(byte[] p) {
        return ((p[0] & 0xff) << 24) | ((p[1] & 0xff) << 16) | ((p[2] & 0xff) << 8) | (p[3] & 0xff);
    }

    public static long intendedNanos(byte[] p) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (p[4 + i] & 0xff);
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
}
