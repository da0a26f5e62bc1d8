package io.creditflow.bench.harness.grpc;

import io.creditflow.transport.StreamOptions;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The gRPC service the harness calls: one bidi-streaming method whose messages are plain byte arrays
 * (a custom marshaller, no protobuf), and a header naming the stream index; and the two configurations,
 * {@code grpc} (gRPC-java's defaults) and {@code grpc-tuned}.
 */
final class GrpcBench {
    static final String SERVICE = "creditflow.bench.Bench";
    static final MethodDescriptor<byte[], byte[]> METHOD = MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Stream"))
            .setRequestMarshaller(BytesMarshaller.INSTANCE)
            .setResponseMarshaller(BytesMarshaller.INSTANCE)
            .build();
    static final Metadata.Key<String> STREAM_KEY = Metadata.Key.of("bench-stream", Metadata.ASCII_STRING_MARSHALLER);
    /**
     * grpc-java's default initial flow-control window (NettyServerBuilder/NettyChannelBuilder); by default
     * its BDP estimator may grow it, and grpc-tuned pins it at this size instead.
     */
    static final int DEFAULT_WINDOW_BYTES = 1024 * 1024;
    /**
     * grpc-tuned's onReady threshold: {@code isReady} stays true until this much is queued in the call,
     * creditflow's default send queue (256 KiB), where gRPC's default is 32 KiB.
     */
    static final int TUNED_ON_READY_THRESHOLD_BYTES = (int) StreamOptions.DEFAULT_SEND_QUEUE_BYTES;

    private GrpcBench() {}

    static String transport() {
        return io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable() ? "epoll (gRPC default)" : "nio";
    }

    /**
     * byte[] as is, on gRPC's fast path both ways. Out: a stream that is {@link KnownLength} (gRPC sizes
     * the message without reading it) and {@link Drainable} (gRPC has it write itself into gRPC's own
     * buffer in one call, instead of copying through an intermediate byte array). In: gRPC's stream is
     * {@link KnownLength} too, so the payload is read with one exact-size copy.
     */
    enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new PayloadStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                if (stream instanceof KnownLength) {
                    byte[] b = new byte[stream.available()];
                    int n = stream.readNBytes(b, 0, b.length);
                    if (n == b.length && stream.read() < 0) {
                        return b;
                    }
                    throw new IOException("message length " + b.length + ", read " + n + " or more");
                }
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** One outgoing message: read once, by gRPC, either through {@link #drainTo} or as a plain stream. */
    static final class PayloadStream extends InputStream implements KnownLength, Drainable {
        private final byte[] payload;
        private int position;

        PayloadStream(byte[] payload) {
            this.payload = payload;
        }

        @Override
        public int drainTo(OutputStream target) throws IOException {
            int n = payload.length - position;
            target.write(payload, position, n);
            position = payload.length;
            return n;
        }

        @Override
        public int available() {
            return payload.length - position;
        }

        @Override
        public int read() {
            return position < payload.length ? payload[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int n = Math.min(len, payload.length - position);
            if (n <= 0) {
                return -1;
            }
            System.arraycopy(payload, position, b, off, n);
            position += n;
            return n;
        }
    }
}
