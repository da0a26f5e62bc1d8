package io.creditflow.transport.internal;

import static io.creditflow.transport.internal.Frames.open;
import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.core.StallReason;
import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport's JFR event {@code creditflow.StreamStall}, from a recording dumped to a file and read back: with a
 * window of one message, a reader that leaves a message unread stalls its stream (application not reading: the
 * sender has no credit) for as long as it does, and the
 * event is committed when the stall ends, by the reader consuming or by the stream's reset; a stall shorter than the
 * threshold is not; and while no recording wants the event, the ticks keep nothing. Time on the connection is the
 * harness's frozen clock, moved tick by tick; the events' own times are JFR's.
 */
class StallEventsTest {
    private static final String EVENT = "creditflow.StreamStall";

    @Test
    void aStallIsRecordedWhenItEndsWithItsStreamAndReason(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stalls.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(EVENT).withThreshold(Duration.ZERO);
            recording.start();
            try (Harness h = Harness.server(new TestEndpoint().streamWindowMessages(1))) {
                h.handshake();
                h.send(open(1));
                h.send(open(3));
                h.p.sendData(1, 100);
                h.p.sendData(3, 100);
                Stream reader = h.accepted.get(0);
                h.advanceInTicks(Duration.ofMillis(200));
                assertThat(h.p.handler.stallEvents().openEvents())
                        .as("one begun per stalled stream")
                        .isEqualTo(2);

                try (Message m = reader.poll(0, TimeUnit.SECONDS)) { // consumed: the stall of stream 1 ends
                    assertThat(m.size()).isEqualTo(100);
                }
                h.read();
                h.send(Frames.reset(3, ErrorCode.CANCEL)); // stream 3 goes away while stalled
                h.advanceInTicks(Duration.ofMillis(50));
                assertThat(h.p.handler.stallEvents().openEvents()).isZero();
            }
            recording.stop();
            recording.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(EVENT))
                .toList();
        assertThat(events)
                .as("stream 1 (consumed) and stream 3 (reset)")
                .extracting(e -> e.getInt("streamId"))
                .containsExactlyInAnyOrder(1, 3);
        for (RecordedEvent e : events) {
            assertThat(e.getString("reason")).isEqualTo("application_not_reading");
            assertThat(e.getString("connection")).contains("server");
            assertThat(e.getDuration()).isPositive();
            assertThat(e.getEventType().getCategoryNames()).containsExactly("creditflow", "Transport");
        }
    }

    @Test
    void aStallShorterThanTheThresholdIsNotRecorded(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("short.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(EVENT).withThreshold(Duration.ofHours(1));
            recording.start();
            try (Harness h = Harness.server(new TestEndpoint().streamWindowMessages(1))) {
                h.handshake();
                h.send(open(1));
                h.p.sendData(1, 100);
                h.advanceInTicks(Duration.ofMillis(200));
                assertThat(h.p.handler.stallEvents().openEvents())
                        .as("begun: only its end tells its length")
                        .isEqualTo(1);
                try (Message m = h.accepted.get(0).poll(0, TimeUnit.SECONDS)) {
                    assertThat(m).isNotNull();
                }
                h.read();
                h.advanceInTicks(Duration.ofMillis(50));
                assertThat(h.p.handler.stallEvents().openEvents()).isZero();
            }
            recording.stop();
            recording.dump(file);
        }
        assertThat(RecordingFile.readAllEvents(file))
                .noneMatch(e -> e.getEventType().getName().equals(EVENT));
    }

    @Test
    void withoutARecordingTheTicksKeepNothing() {
        try (Harness h = Harness.server(new TestEndpoint().streamWindowMessages(1))) {
            h.handshake();
            h.send(open(1));
            h.p.sendData(1, 100);
            h.advanceInTicks(Duration.ofMillis(200));
            assertThat(h.accepted.get(0).stats().stalledNanos(StallReason.APPLICATION_NOT_READING))
                    .as("the stream is stalled")
                    .isEqualTo(Duration.ofMillis(200).toNanos());
            assertThat(StallEvents.enabled()).isFalse();
            assertThat(h.p.handler.stallEvents().openEvents())
                    .as("nothing begun, nothing kept")
                    .isZero();
        }
    }
}
