package io.creditflow.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogConfigTest {
    @Test
    void defaultsAreDocumentedValues() {
        LogConfig c = LogConfig.defaults();
        assertThat(c.segmentBytes()).isEqualTo(64 << 20);
        assertThat(c.indexIntervalBytes()).isEqualTo(4096);
        assertThat(c.maxBytes()).isEqualTo(1L << 30);
        assertThat(c.retentionBytes()).isEqualTo(-1);
        assertThat(c.retentionMillis()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(c.fsync()).isEqualTo(FsyncMode.BATCH);
        assertThat(c.toBuilder().build().toString()).isEqualTo(c.toString());
    }

    @Test
    void settersSayWhatTheyExpected() {
        assertThatThrownBy(() -> LogConfig.builder().segmentBytes(100))
                .hasMessage("segmentBytes: 100 (expected: >= 256 and <= 1073741824)");
        assertThatThrownBy(() -> LogConfig.builder().indexIntervalBytes(0))
                .hasMessage("indexIntervalBytes: 0 (expected: > 0)");
        assertThatThrownBy(() -> LogConfig.builder().maxBytes(0)).hasMessage("maxBytes: 0 (expected: > 0)");
        assertThatThrownBy(() -> LogConfig.builder().retentionBytes(-2))
                .hasMessage("retentionBytes: -2 (expected: >= 0, or -1)");
        assertThatThrownBy(() -> LogConfig.builder().retentionMillis(-5))
                .hasMessage("retentionMillis: -5 (expected: >= 0, or -1)");
        assertThatThrownBy(() -> LogConfig.builder().segmentMillis(0))
                .hasMessage("segmentMillis: 0 (expected: > 0, or -1)");
        assertThatThrownBy(() -> LogConfig.builder().maxProducers(0)).hasMessage("maxProducers: 0 (expected: > 0)");
        assertThatThrownBy(() -> LogConfig.builder().maxCursors(0)).hasMessage("maxCursors: 0 (expected: > 0)");
    }
}
