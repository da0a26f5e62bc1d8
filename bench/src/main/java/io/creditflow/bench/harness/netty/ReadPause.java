package io.creditflow.bench.harness.netty;

import io.creditflow.transport.EndpointBuilder;
import io.netty.channel.Channel;
import java.util.concurrent.CopyOnWriteArrayList;
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
 * buffer, whose writability the sender obeys. Observed: {@link #heldBytes}, {@link #pauses}. After the
 * measured window the harness {@link #release releases} it, so its drain reaches the streams behind a
 * held one.
 *
 * <p>Thread-safe: the event loops add, the paced reader's thread takes away; a message costs one atomic
 * add and a volatile read, and only crossing a mark takes the lock.
 */
public final class ReadPause {
    /** creditflow's default stream window: what one creditflow stream may hold before its sender stops. */
    public static final long HIGH_BYTES = EndpointBuilder.DEFAULT_STREAM_WINDOW_BYTES;
    /**
     * Reading resumes once a quarter of that is consumed (not half: the fast streams on the same connection
     * wait for it).
     */
    public static final long LOW_BYTES = HIGH_BYTES * 3 / 4;

    private final CopyOnWriteArrayList<Channel> channels = new CopyOnWriteArrayList<>();
    private final AtomicLong held = new AtomicLong();
    /** Written only under this object's lock, with the channels' autoRead; read without it on the hot path. */
    private volatile boolean paused;

    private boolean released;
    private int pauses;

    /** A connection of this receiver: paused and resumed with the others. */
    public synchronized void register(Channel ch) {
        channels.add(ch);
        ch.closeFuture().addListener(f -> channels.remove(ch));
        if (paused) {
            ch.config().setAutoRead(false);
        }
    }

    /** Bytes received and kept for later consumption. */
    public void added(long bytes) {
        if (held.addAndGet(bytes) > HIGH_BYTES && !paused) {
            update();
        }
    }

    /** Bytes consumed from those kept. */
    public void removed(long bytes) {
        if (held.addAndGet(-bytes) < LOW_BYTES && paused) {
            update();
        }
    }

    /**
     * Brings the state in line with the held bytes. Under the lock, so the channels' autoRead changes in
     * the order of the decisions; after each change the held bytes are read again, so a thread that
     * crossed a mark just before the change and saw the old state is not missed.
     */
    private synchronized void update() {
        for (; ; ) {
            long h = held.get();
            boolean pause = !released && (paused ? h >= LOW_BYTES : h > HIGH_BYTES);
            if (pause == paused) {
                return;
            }
            paused = pause;
            if (pause) {
                pauses++;
            }
            for (Channel ch : channels) {
                ch.config().setAutoRead(!pause);
            }
        }
    }

    /**
     * From now on reading stays on, whatever is held: the run's drain, after the measured window, must
     * reach the streams queued behind a held one on the same connection (the sender has stopped, so
     * what still arrives is bounded by what was in flight).
     */
    public synchronized void release() {
        released = true;
        update();
    }

    public long heldBytes() {
        return held.get();
    }

    /** Times reading was turned off. */
    public synchronized int pauses() {
        return pauses;
    }

    public boolean isPaused() {
        return paused;
    }

    /** For the receiver's figures. */
    static String describe() {
        return "autoRead off above " + (HIGH_BYTES >> 10) + " KiB held, on again below " + (LOW_BYTES >> 10) + " KiB";
    }
}
