package io.creditflow.transport.internal;

import io.creditflow.transport.IoTransport;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/** Picks the Netty transport (epoll or NIO) and its channel classes. Stateless. */
public final class Transports {
    private Transports() {}

    /** The transport {@code requested} resolves to on this machine. */
    public static IoTransport resolve(IoTransport requested) {
        if (requested == IoTransport.AUTO) {
            return Epoll.isAvailable() ? IoTransport.EPOLL : IoTransport.NIO;
        }
        if (requested == IoTransport.EPOLL && !Epoll.isAvailable()) {
            throw new IllegalStateException("epoll is not available here", Epoll.unavailabilityCause());
        }
        return requested;
    }

    public static EventLoopGroup newGroup(IoTransport transport, int threads, String name) {
        IoHandlerFactory factory =
                resolve(transport) == IoTransport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory(name, true), factory);
    }

    public static Class<? extends SocketChannel> socketChannel(IoTransport transport) {
        return resolve(transport) == IoTransport.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverChannel(IoTransport transport) {
        return resolve(transport) == IoTransport.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
