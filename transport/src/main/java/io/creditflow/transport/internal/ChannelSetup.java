package io.creditflow.transport.internal;

import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;

/** The socket and channel options every creditflow connection uses. Stateless. */
public final class ChannelSetup {
    private ChannelSetup() {}

    /**
     * Applies the options through {@code option} (a Bootstrap's {@code option} or a ServerBootstrap's
     * {@code childOption}): TCP_NODELAY (we coalesce flushes ourselves), the write watermarks that gate
     * sending, and the kernel buffer caps that bound what sits below the application.
     */
    public static void apply(EndpointSettings s, OptionSink option) {
        option.set(ChannelOption.TCP_NODELAY, true);
        option.set(
                ChannelOption.WRITE_BUFFER_WATER_MARK,
                new WriteBufferWaterMark(
                        s.buffers().writeLowWatermarkBytes(), s.buffers().writeHighWatermarkBytes()));
        if (s.buffers().socketSendBufferBytes() > 0) {
            option.set(ChannelOption.SO_SNDBUF, s.buffers().socketSendBufferBytes());
        }
        if (s.buffers().socketReceiveBufferBytes() > 0) {
            option.set(ChannelOption.SO_RCVBUF, s.buffers().socketReceiveBufferBytes());
        }
    }

    /** Where options go: {@code bootstrap::option} or {@code serverBootstrap::childOption}. */
    public interface OptionSink {
        <T> Object set(ChannelOption<T> option, T value);
    }
}
