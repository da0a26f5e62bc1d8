package io.creditflow.transport.internal;

import io.creditflow.transport.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.ByteBuffer;

/**
 * A received message: a retained slice of the connection's receive buffer. Closing it releases the
 * slice and reports the consumption to its stream (which returns credit to the peer).
 *
 * <p>Not thread-safe (see {@link Message}). Push mode reuses one instance per stream on the event loop.
 */
final class DefaultMessage implements Message {
    private final DefaultStream stream;
    private ByteBuf payload;
    private int wireBytes;

    DefaultMessage(DefaultStream stream) {
        this.stream = stream;
    }

    DefaultMessage reset(ByteBuf payload, int wireBytes) {
        this.payload = payload;
        this.wireBytes = wireBytes;
        return this;
    }

    private ByteBuf payloadOrThrow() {
        ByteBuf p = payload;
        if (p == null) {
            throw new IllegalStateException("message already closed");
        }
        return p;
    }

    @Override
    public int size() {
        return payloadOrThrow().readableBytes();
    }

    @Override
    public ByteBuffer payload() {
        ByteBuf p = payloadOrThrow();
        return p.nioBuffer(p.readerIndex(), p.readableBytes()).asReadOnlyBuffer();
    }

    @Override
    public byte[] toByteArray() {
        return ByteBufUtil.getBytes(payloadOrThrow());
    }

    @Override
    public void close() {
        ByteBuf p = payload;
        if (p != null) {
            payload = null;
            int size = p.readableBytes();
            p.release();
            stream.onMessageConsumed(size, wireBytes);
        }
    }

    /** Releases without reporting consumption (the stream is being torn down). */
    void discard() {
        ByteBuf p = payload;
        if (p != null) {
            payload = null;
            p.release();
        }
    }

    @Override
    public String toString() {
        ByteBuf p = payload;
        return "Message(stream " + stream.id() + ", " + (p == null ? "closed" : p.readableBytes() + " bytes") + ')';
    }
}
