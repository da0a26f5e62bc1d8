package io.creditflow.bench.harness.netty;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class ReadPauseTest {
    @Test
    void readingStopsAboveTheHighMarkAndResumesBelowTheLowOne() {
        ReadPause pause = new ReadPause();
        EmbeddedChannel a = new EmbeddedChannel();
        EmbeddedChannel b = new EmbeddedChannel();
        pause.register(a);
        pause.register(b);

        pause.added(ReadPause.HIGH_BYTES);
        assertThat(pause.isPaused()).isFalse();
        pause.added(1);
        assertThat(pause.isPaused()).isTrue();
        assertThat(a.config().isAutoRead()).isFalse();
        assertThat(b.config().isAutoRead()).isFalse();
        assertThat(pause.pauses()).isEqualTo(1);

        pause.added(4096); // more arrives from the read in progress: still one pause
        assertThat(pause.pauses()).isEqualTo(1);
        EmbeddedChannel late = new EmbeddedChannel();
        pause.register(late);
        assertThat(late.config().isAutoRead()).isFalse();

        pause.removed(ReadPause.HIGH_BYTES + 1 + 4096 - ReadPause.LOW_BYTES); // exactly at the low mark
        assertThat(pause.isPaused()).isTrue();
        pause.removed(1);
        assertThat(pause.isPaused()).isFalse();
        assertThat(a.config().isAutoRead()).isTrue();
        assertThat(late.config().isAutoRead()).isTrue();
        assertThat(pause.heldBytes()).isEqualTo(ReadPause.LOW_BYTES - 1);

        pause.added(ReadPause.HIGH_BYTES); // past the high mark again
        assertThat(pause.isPaused()).isTrue();
        assertThat(pause.pauses()).isEqualTo(2);
    }

    @Test
    void onceReleasedReadingStaysOn() {
        ReadPause pause = new ReadPause();
        EmbeddedChannel a = new EmbeddedChannel();
        pause.register(a);
        pause.added(ReadPause.HIGH_BYTES + 1);
        assertThat(a.config().isAutoRead()).isFalse();
        pause.release();
        assertThat(pause.isPaused()).isFalse();
        assertThat(a.config().isAutoRead()).isTrue();
        pause.added(10 * ReadPause.HIGH_BYTES);
        assertThat(pause.isPaused()).isFalse();
        assertThat(a.config().isAutoRead()).isTrue();
        assertThat(pause.pauses()).isEqualTo(1);
    }
}
