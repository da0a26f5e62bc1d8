package io.creditflow.bench.harness.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The gRPC service the harness calls: one bidi-streaming method whose messages are plain byte arrays
 * (a custom marshaller, no protobuf), and a header naming the stream index.
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
    /** grpc-java's default flow-control window (NettyServerBuilder/NettyChannelBuilder). */
    static final long DEFAULT_WINDOW_BYTES = 1024 * 1024;

    private GrpcBench() {}

    static String transport() {
        return io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable() ? "epoll (gRPC default)" : "nio";
    }

    /** byte[] as is: gRPC takes a ByteArrayInputStream's length without copying it first. */
    enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
        INSTANCE;

        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
