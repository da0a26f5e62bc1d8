package io.creditflow.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.creditflow.proto.wire.ErrorCode;
import io.creditflow.testing.LeakCheck;
import io.creditflow.transport.CloseStatus;
import io.creditflow.transport.Message;
import io.creditflow.transport.Stream;
import io.creditflow.transport.StreamClosedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Found while fuzzing (item 2a): a connection lost in the middle of a graceful drain must not report the
 * streams it cut short as cleanly ended. Only a stream whose both directions ended may close with NO_ERROR.
 */
@ExtendWith(LeakCheck.class)
class DrainLossTest {

    @Test
    void aConnectionLostDuringThePeersDrainEndsUnfinishedStreamsWithAnErrorNotNoError() throws Exception {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(Frames.open(1));
            h.sendRaw(Frames.data(1, new byte[10]));
            h.send(Frames.goAway(0, ErrorCode.NO_ERROR)); // graceful: stream 1 may still finish
            assertThat(h.active()).as("draining").isTrue();
            h.p.channel.close(); // ...but the TCP connection is lost before the peer half-closes stream 1
            h.p.channel.runPendingTasks();
            Stream s = h.accepted.get(0);
            CloseStatus status = s.closeFuture().toCompletableFuture().get(1, TimeUnit.SECONDS);
            assertThat(status.code())
                    .as("stream 1 never ended: %s", status)
                    .isNotEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
            assertThat(status.isOk()).isFalse();
            try {
                assertThat(s.poll(0, TimeUnit.SECONDS))
                        .as("unconsumed data released, not pollable")
                        .isNull();
            } catch (StreamClosedException expected) {
                assertThat(expected.status().code()).isNotEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
            }
        }
    }

    @Test
    void aConnectionLostDuringOurOwnShutdownEndsUnfinishedStreamsWithAnError() throws Exception {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(Frames.open(1));
            h.p.connection.shutdown(Duration.ofSeconds(30));
            h.read();
            assertThat(h.active()).as("draining").isTrue();
            h.p.channel.close();
            h.p.channel.runPendingTasks();
            CloseStatus status =
                    h.accepted.get(0).closeFuture().toCompletableFuture().get(1, TimeUnit.SECONDS);
            assertThat(status.code()).as("%s", status).isNotEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
        }
    }

    @Test
    void aStreamThatFinishedBothWaysStillEndsCleanlyWhenTheConnectionGoesAfterwards() throws Exception {
        try (Harness h = Harness.server(new TestEndpoint()).handshake()) {
            h.send(Frames.open(1));
            h.sendRaw(Frames.data(1, new byte[10]));
            h.send(Frames.halfClose(1));
            Stream s = h.accepted.get(0);
            s.halfClose();
            h.read(); // both halves closed; one message not yet taken keeps the stream in the table
            h.send(Frames.goAway(0, ErrorCode.NO_ERROR));
            h.p.channel.close();
            h.p.channel.runPendingTasks();
            CloseStatus status = s.closeFuture().toCompletableFuture().get(1, TimeUnit.SECONDS);
            assertThat(status.code()).isEqualTo(io.creditflow.transport.ErrorCode.NO_ERROR);
            try (Message m = s.poll(0, TimeUnit.SECONDS)) {
                assertThat(m).as("a clean end keeps the data pollable").isNotNull();
            }
        }
    }
}
