package io.creditflow.proto.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** SendWindow, Credits, StallTimer, StreamState, and the rule that the core imports nothing from Netty. */
class SmallCoreTest {
    @Test
    void sendWindowSaturatesAndRevokes() {
        SendWindow w = new SendWindow();
        assertThat(w.canSend(0)).as("no message credit yet").isFalse();
        w.addCredit(100, Long.MAX_VALUE);
        w.addCredit(Long.MAX_VALUE, 5);
        assertThat(w.availableBytes()).isEqualTo(Long.MAX_VALUE);
        assertThat(w.availableMessages()).isEqualTo(Long.MAX_VALUE);
        w.onSent(10);
        assertThat(w.availableMessages()).as("unlimited stays unlimited").isEqualTo(Long.MAX_VALUE);
        SendWindow v = new SendWindow();
        v.addCredit(1000, 3);
        v.onSent(300);
        assertThat(v.revoke(200)).isEqualTo(500);
        assertThat(v.availableBytes()).isEqualTo(200);
        assertThat(v.revoke(500)).isZero();
        assertThat(Credits.fromUint64(-1)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void stallTimerAccumulatesPerReason() {
        StallTimer t = new StallTimer();
        t.set(StallReason.NO_PEER_CREDIT, true, 100);
        t.set(StallReason.NO_PEER_CREDIT, true, 150);
        assertThat(t.totalNanos(StallReason.NO_PEER_CREDIT, 175)).isEqualTo(75);
        t.set(StallReason.NO_PEER_CREDIT, false, 200);
        t.set(StallReason.NO_PEER_CREDIT, true, 300);
        t.stopAll(310);
        assertThat(t.totalNanos(StallReason.NO_PEER_CREDIT, 1000)).isEqualTo(110);
        assertThat(t.totalNanos(StallReason.BUDGET_EXHAUSTED, 1000)).isZero();
    }

    @Test
    void streamStateMachine() {
        assertThat(StreamState.OPEN.localHalfClosed()).isEqualTo(StreamState.HALF_CLOSED_LOCAL);
        assertThat(StreamState.OPEN.remoteHalfClosed()).isEqualTo(StreamState.HALF_CLOSED_REMOTE);
        assertThat(StreamState.HALF_CLOSED_LOCAL.remoteHalfClosed()).isEqualTo(StreamState.CLOSED);
        assertThat(StreamState.HALF_CLOSED_REMOTE.localHalfClosed()).isEqualTo(StreamState.CLOSED);
        assertThat(StreamState.HALF_CLOSED_LOCAL.canSend()).isFalse();
        assertThat(StreamState.HALF_CLOSED_LOCAL.canReceive()).isTrue();
        assertThatThrownBy(StreamState.HALF_CLOSED_REMOTE::remoteHalfClosed).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(StreamState.CLOSED::localHalfClosed).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void theFlowControlCoreImportsNothingFromNetty() throws IOException {
        Path core = Path.of("src/main/java/io/creditflow/proto/core");
        List<Path> offenders;
        try (var files = Files.list(core)) {
            offenders = files.filter(p -> {
                        try {
                            return Files.readString(p).contains("io.netty");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .collect(Collectors.toList());
        }
        assertThat(offenders).isEmpty();
        try (var files = Files.list(core)) {
            assertThat(files.count())
                    .as("the core sources are where this test looks")
                    .isGreaterThan(5);
        }
    }
}
