package io.creditflow.bench.harness.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.creditflow.bench.harness.Payloads;
import io.grpc.Drainable;
import io.grpc.KnownLength;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The marshaller is on gRPC's fast path: gRPC sizes the message from it and has it write itself in one call. */
class BytesMarshallerTest {
    @Test
    void theOutgoingStreamKnowsItsLengthAndDrainsInOneWrite() throws IOException {
        byte[] payload = Payloads.make(1024, 2, 7, 0);
        InputStream s = GrpcBench.BytesMarshaller.INSTANCE.stream(payload);
        assertThat(s).isInstanceOf(KnownLength.class).isInstanceOf(Drainable.class);
        assertThat(s.available()).isEqualTo(1024);
        int[] writes = {0};
        ByteArrayOutputStream target = new ByteArrayOutputStream() {
            @Override
            public synchronized void write(byte[] b, int off, int len) {
                writes[0]++;
                super.write(b, off, len);
            }
        };
        assertThat(((Drainable) s).drainTo(target)).isEqualTo(1024);
        assertThat(writes[0]).isEqualTo(1);
        assertThat(target.toByteArray()).isEqualTo(payload);
        assertThat(s.available()).isZero();
        assertThat(s.read()).isEqualTo(-1);
    }

    @Test
    void theOutgoingStreamAlsoReadsAsAPlainStream() throws IOException {
        byte[] payload = Payloads.make(300, 1, 3, 0);
        InputStream s = GrpcBench.BytesMarshaller.INSTANCE.stream(payload);
        assertThat(s.read()).isEqualTo(payload[0] & 0xff);
        byte[] rest = s.readAllBytes();
        assertThat(rest).hasSize(299).isEqualTo(java.util.Arrays.copyOfRange(payload, 1, 300));
    }

    @Test
    void parseReadsAKnownLengthStreamExactly() {
        byte[] payload = Payloads.make(2048, 0, 0, 0);
        assertThat(GrpcBench.BytesMarshaller.INSTANCE.parse(new KnownLengthStream(payload, payload.length)))
                .isEqualTo(payload);
        assertThat(GrpcBench.BytesMarshaller.INSTANCE.parse(new ByteArrayInputStream(payload)))
                .isEqualTo(payload);
        // A stream longer than it says is an error, not a truncated message.
        assertThatThrownBy(() -> GrpcBench.BytesMarshaller.INSTANCE.parse(new KnownLengthStream(payload, 100)))
                .isInstanceOf(UncheckedIOException.class);
    }

    /** gRPC's incoming streams are KnownLength: available() is the message's remaining length. */
    private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
        private final int claimed;

        KnownLengthStream(byte[] b, int claimed) {
            super(b);
            this.claimed = claimed;
        }

        @Override
        public synchronized int available() {
            return Math.min(claimed, super.available());
        }
    }
}
