package io.creditflow.bench.harness.netty;

import io.creditflow.transport.EndpointBuilder;
import io.netty.channel.Channel;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a raw Netty application does when its reader is slow: it counts the bytes it received and has
 * not consumed yet (the frames of held streams), turns {@code autoRead} off on its connections above
 * {@link #HIGH_BYTES} and back on below {@link #LOW_BYTES}. Reading stops for the whole connection, so the
 * kernel's receive buffer fills, then the sender's, then the sender's channel turns unwritable: raw Netty
 * has no per-stream flow control, and a slow stream holds up the others on its connection.
 *
 * <p>Bound: held bytes pass {@link #HIGH_BYTES} by at most what one read delivers (reading stops after the
 * read in progress). Where the pressure goes: into the kernel's socket buffers and the sender's outbound
 * buffer, whose writability the sender obeys. Observed: {@link #heldBytes}, {@link #pauses}.
 *
 * <p>Thread-safe: the event loops add, the paced reader's thread takes away. Each change of state is
 * decided by one compare-and-set and checked again after, so a pause and a resume that race end in the
 * state the held bytes call for.
 */
public final class ReadPause {
    /** creditflow's default stream window: what one creditflow stream may hold before its sender stops. */
    public static final long HIGH_BYTES = EndpointBuilder.DEFAULT_STREAM_WINDOW_BYTES;
    /**
     * Reading resumes once a quarter of that is consumed (not half: the fast streams on the same connection
     * wait for it, and so does the drain at the end of a run).
     */
    public static final long LOW_BYTES = HIGH_BYTES * 3 / 4;

    private final CopyOnWriteArrayList<Channel> channels = new CopyOnWriteArrayList<>();
    private final AtomicLong held = new AtomicLong();
    private final AtomicBoolean paused = new AtomicBoolean();
    private final AtomicInteger pauses = new AtomicInteger();

    /** A connection of this receiver: paused and resumed with the others. */
    public void register(Channel ch) {
        channels.add(ch);
        ch.closeFuture().addListener(f -> channels.remove(ch));
        if (paused.get()) {
            ch.config().setAutoRead(false);
        }
    }

    /** Bytes received and kept for later consumption. */
    public void added(long bytes) {
        if (held.addAndGet(bytes) > HIGH_BYTES && paused.compareAndSet(false, true)) {
            pauses.incrementAndGet();
            setAutoRead(false);
            resumeIfBelowLow();
        }
    }

    /** Bytes consumed from those kept. */
    public void removed(long bytes) {
        if (held.addAndGet(-bytes) < LOW_BYTES) {
            resumeIfBelowLow();
        }
    }

    private void resumeIfBelowLow() {
        if (held.get() < LOW_BYTES && paused.compareAndSet(true, false)) {
            setAutoRead(true);
            if (held.get() > HIGH_BYTES && paused.compareAndSet(false, true)) { // grew again meanwhile
                pauses.incrementAndGet();
                setAutoRead(false);
            }
        }
    }

    private void setAutoRead(boolean on) {
        for (Channel ch : channels) {
            ch.config().setAutoRead(on);
        }
    }

    public long heldBytes() {
        return held.get();
    }

    /** Times reading was turned off. */
    public int pauses() {
        return pauses.get();
    }

    public boolean isPaused() {
        return paused.get();
    }

    /** For the receiver's figures. */
    static String describe() {
        return "autoRead off above " + (HIGH_BYTES >> 10) + " KiB held, on again below " + (LOW_BYTES >> 10) + " KiB";
    }
}
