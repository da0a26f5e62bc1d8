package io.creditflow.broker;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.log.AppendRecord;
import io.creditflow.log.FileTopicLog;
import io.creditflow.log.LogConfig;
import io.creditflow.log.LogRecord;
import io.creditflow.log.ReadResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A log record becomes a consumer's message (offset, then payload) in place in its read buffer, or by a copy. */
class LogSubscriptionFrameTest {
    @TempDir
    Path dir;

    @Test
    void recordsReadFromTheLogAreFramedInPlaceWithTheirOffset() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, LogConfig.builder().build())) {
            List<AppendRecord> batch = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                batch.add(AppendRecord.of(ByteBuffer.wrap(("payload " + i).getBytes(StandardCharsets.UTF_8)), 1000L));
            }
            assertThat(log.append(batch).isOk()).isTrue();
            ReadResult read = log.read(0, 64 * 1024, 100);
            assertThat(read.records()).hasSize(20);
            byte[] backing = read.records().get(0).payload().array();
            for (LogRecord r : read.records()) {
                ByteBuffer frame = LogSubscription.frame(r);
                assertThat(frame.array()).as("no copy").isSameAs(backing);
                assertThat(frame.getLong(frame.position())).isEqualTo(r.offset());
                assertThat(text(frame, BrokerProtocol.HEADER_BYTES)).isEqualTo("payload " + r.offset());
                assertThat(text(r.payload(), 0)).as("the payload is untouched").isEqualTo("payload " + r.offset());
            }
        }
    }

    @Test
    void aRecordFramedTwiceIsNotCopiedAndOneOutsideAHeapBufferIs() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, LogConfig.builder().build())) {
            assertThat(log.append(AppendRecord.of(ByteBuffer.wrap(new byte[] {1, 2, 3}), 1000L))
                            .isOk())
                    .isTrue();
            LogRecord r = log.read(0, 1024, 1).records().get(0);
            ByteBuffer first = LogSubscription.frame(r);
            ByteBuffer again = LogSubscription.frame(r);
            assertThat(again.array()).as("its slot holds the offset already").isSameAs(first.array());
            assertThat(again.getLong(again.position())).isEqualTo(0);
            assertThat(again.remaining()).isEqualTo(BrokerProtocol.HEADER_BYTES + 3);

            // A tail-cache record: its own array, the offset in the slot before the payload; sent as it is.
            byte[] framed = {0, 0, 0, 0, 0, 0, 0, 7, 4, 5};
            LogRecord cached = new LogRecord(
                    7, 1000L, -1, -1, ByteBuffer.wrap(framed, 8, 2).slice());
            ByteBuffer c = LogSubscription.frame(cached);
            assertThat(c.array()).isSameAs(framed);
            assertThat(c.getLong(c.position())).isEqualTo(7);
            assertThat(c.remaining()).isEqualTo(10);
            assertThat(framed).as("not written to").containsExactly(0, 0, 0, 0, 0, 0, 0, 7, 4, 5);

            ByteBuffer direct = ByteBuffer.allocateDirect(1024);
            LogRecord d = log.read(0, direct, 1).records().get(0);
            ByteBuffer copy = LogSubscription.frame(d);
            assertThat(copy.isDirect()).isFalse();
            assertThat(copy.getLong(0)).isEqualTo(0);
            assertThat(copy.get(BrokerProtocol.HEADER_BYTES + 2)).isEqualTo((byte) 3);
        }
    }

    /** The payload of a frame (after its 8-byte offset) or of a record, as text. */
    private static String text(ByteBuffer buffer, int skip) {
        ByteBuffer b = buffer.duplicate();
        b.position(b.position() + skip);
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
