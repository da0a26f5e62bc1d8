package io.creditflow.log;

import static io.creditflow.log.LogTesting.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CursorStoreTest {
    @TempDir
    Path dir;

    @Test
    void committedOffsetsSurviveAReopen() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            CursorStore c = log.cursors();
            assertThat(c.committed("a")).isEmpty();
            assertThat(c.lowestCommittedOffset()).isEqualTo(Long.MAX_VALUE);
            assertThat(c.commit("a", 10)).isTrue();
            assertThat(c.commit("bé", 3)).isTrue();
            assertThat(c.commit("c", 7)).isTrue();
            assertThat(c.remove("c")).isTrue();
            assertThat(c.remove("c")).isFalse();
            assertThat(c.lowestCommittedOffset()).isEqualTo(3);
        }
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.cursors().committedOffsets()).isEqualTo(Map.of("a", 10L, "bé", 3L));
            assertThat(log.recoveryReport().cursorsProblem()).isNull();
        }
    }

    @Test
    void flushMakesCommitsDurableBeforeClose() throws Exception {
        FileTopicLog log = FileTopicLog.open(dir, small().build());
        log.cursors().commit("a", 5);
        log.cursors().flush();
        log.cursors().commit("a", 6); // not flushed: a crash loses it, and the consumer sees 6 again
        log.crashForTest();
        try (FileTopicLog reopened = FileTopicLog.open(dir, small().build())) {
            assertThat(reopened.cursors().committed("a")).isEqualTo(OptionalLong.of(5));
        }
    }

    @Test
    void aTornTemporaryFileIsIgnored() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            log.cursors().commit("a", 42);
        }
        // A flush that a crash interrupted halfway: the temp file is garbage, the real file untouched.
        Files.write(dir.resolve("cursors.tmp"), new byte[] {0x43, 0x46, 0x43});
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.cursors().committed("a")).isEqualTo(OptionalLong.of(42));
            assertThat(log.recoveryReport().cursorsProblem()).isNull();
            assertThat(dir.resolve("cursors.tmp")).doesNotExist();
        }
    }

    @Test
    void aDamagedCursorFileIsSetAsideAndReported() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            log.cursors().commit("a", 42);
        }
        RecoveryTest.flip(dir.resolve("cursors"), 14);
        try (FileTopicLog log = FileTopicLog.open(dir, small().build())) {
            assertThat(log.recoveryReport().cursorsProblem()).contains("CRC32C mismatch");
            assertThat(log.recoveryReport().lostData()).isTrue();
            assertThat(log.cursors().committedOffsets()).isEmpty();
            assertThat(dir.resolve("cursors.corrupt")).exists();
        }
    }

    @Test
    void theStoreIsBoundedAndNamesAreChecked() throws Exception {
        try (FileTopicLog log = FileTopicLog.open(dir, small().maxCursors(2).build())) {
            CursorStore c = log.cursors();
            assertThat(c.commit("a", 1)).isTrue();
            assertThat(c.commit("b", 1)).isTrue();
            assertThat(c.commit("c", 1)).isFalse();
            assertThat(c.commit("a", 2)).isTrue();
            assertThat(c.committed("c")).isEmpty();
            assertThat(log.stats().cursors()).isEqualTo(2);
            assertThatThrownBy(() -> c.commit("", 1)).hasMessage("name: 0 UTF-8 bytes (expected: 1 to 255)");
            assertThatThrownBy(() -> c.commit("x".repeat(256), 1))
                    .hasMessage("name: 256 UTF-8 bytes (expected: 1 to 255)");
            assertThatThrownBy(() -> c.commit("a", -1)).hasMessage("offset: -1 (expected: >= 0)");
        }
    }
}
