package io.creditflow.bench.harness.netty;

import io.creditflow.bench.harness.RunContext;
import io.creditflow.bench.harness.RunSpec;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The raw Netty receivers' frames of held (slow, stalled) streams, waiting for the paced reader: one queue per
 * held stream, each frame copied into an exact-size heap array (a slice would pin the whole pooled read buffer
 * behind a small message). Bounded by {@link ReadPause}: past its high mark the connections stop reading
 * (boundary ㉝ in docs/boundaries.md); {@link #heldBytes()} is the depth.
 */
final class HeldFrames {
    private final List<ConcurrentLinkedQueue<byte[]>> queues;
    private final ReadPause pause = new ReadPause();

    HeldFrames(RunSpec spec) {
        int n = spec.totalStreams();
        queues = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            queues.add(spec.isSlow(i) || spec.stallAtMark() ? new ConcurrentLinkedQueue<>() : null);
        }
    }

    /** The streams' count, to check a frame's stream index against. */
    int streams() {
        return queues.size();
    }

    /** A new connection, paused and resumed with the others. */
    void register(Channel ch) {
        pause.register(ch);
    }

    /** The event loop: a frame of held stream {@code i}, copied out of {@code buf}. */
    void hold(int i, ByteBuf buf, int at, int size) {
        byte[] copy = new byte[size];
        buf.getBytes(at, copy);
        queues.get(i).add(copy);
        pause.added(size);
    }

    /** The paced reader: consumes stream {@code i}'s oldest held frame, if any. */
    void consumeOne(int i, RunContext ctx) {
        ConcurrentLinkedQueue<byte[]> q = queues.get(i);
        byte[] p = q == null ? null : q.poll();
        if (p != null) {
            ctx.consumed(i, p);
            pause.removed(p.length);
        }
    }

    /** Reading resumes for good (the drain after the measured window). */
    void release() {
        pause.release();
    }

    long heldBytes() {
        return pause.heldBytes();
    }

    int pauses() {
        return pause.pauses();
    }
}
