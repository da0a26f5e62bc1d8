package io.creditflow.transport.internal;

import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.core.StallTimer;
import io.netty.channel.Channel;

/**
 * Back-pressure from our application to the socket: counts the wire bytes of data received and not yet
 * consumed, pauses reading (autoRead off) above the read high watermark at the end of a read batch and
 * resumes at or below the low watermark, restarting the read-side clocks that a pause suspends. Model:
 * Armeria's InboundTrafficController.
 *
 * <p>Event-loop confined, except {@link #isPaused} and {@link #unconsumedBytes}, which any thread may read.
 */
final class ReadPressure {
    private final Channel channel;
    private final EndpointSettings.Buffers buffers;
    private final LoopClock time;
    private final StallTimer stalls;
    private final ConnectionTimers timers;
    private volatile long unconsumedBytes;
    private volatile boolean paused;

    ReadPressure(
            Channel channel,
            EndpointSettings.Buffers buffers,
            LoopClock time,
            StallTimer stalls,
            ConnectionTimers timers) {
        this.channel = channel;
        this.buffers = buffers;
        this.time = time;
        this.stalls = stalls;
        this.timers = timers;
    }

    /** Any thread: true while reading is paused (consumption is then applied without batching). */
    boolean isPaused() {
        return paused;
    }

    /** Any thread: wire bytes of data received and not yet consumed. */
    long unconsumedBytes() {
        return unconsumedBytes;
    }

    /** A data frame of {@code wireBytes} was handed to a stream. */
    void onArrived(long wireBytes) {
        assert channel.eventLoop().inEventLoop();
        unconsumedBytes += wireBytes;
    }

    /** {@code wireBytes} were consumed, or released with their stream; then call {@link #maybeResume}. */
    void onReleased(long wireBytes) {
        unconsumedBytes -= wireBytes;
    }

    /** Resumes reading if it is paused and the unconsumed bytes are at or below the low watermark. */
    void maybeResume() {
        assert channel.eventLoop().inEventLoop();
        if (paused && unconsumedBytes <= buffers.readLowWatermarkBytes()) {
            setPaused(false);
        }
    }

    /** The read batch ended: pauses above the high watermark. */
    void onReadComplete() {
        assert channel.eventLoop().inEventLoop();
        if (!paused && unconsumedBytes > buffers.readHighWatermarkBytes()) {
            setPaused(true);
        }
    }

    private void setPaused(boolean pause) {
        long now = time.now();
        if (!pause) {
            // While paused nothing was read, so the read-side clocks restart: the peer's silence, its unread
            // answer to a ping or the unread rest of a frame during a pause say nothing about the peer.
            timers.onReadResumed(now);
        }
        paused = pause;
        channel.config().setAutoRead(!pause);
        stalls.set(StallReason.APPLICATION_NOT_READING, pause, now);
    }
}
