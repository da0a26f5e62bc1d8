package io.creditflow.transport;

/** Which Netty I/O transport to use. */
public enum IoTransport {
    /** epoll where its native library loads (Linux), NIO otherwise. The default. */
    AUTO,
    NIO,
    EPOLL
}
