package io.creditflow.log;

import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real ENOSPC: the test mounts a 1 MiB tmpfs (root can, here and in CI) and fills it. Skipped, with a
 * message, where mounting is not permitted.
 */
class TmpfsDiskFullTest {
    private static final int SIZE = 1000;

    @TempDir
    Path root;

    private Tmpfs tmpfs;
    private Path mount;

    @BeforeEach
    void mountTmpfs() throws Exception {
        tmpfs = Tmpfs.mountOrSkip(root.resolve("tmpfs"), "1m", "DiskErrorTest covers it with an injected channel");
        mount = tmpfs.path();
    }

    @AfterEach
    void unmount() throws Exception {
        if (tmpfs != null) {
            tmpfs.close();
        }
    }

    @Test
    void aFullFileSystemIsABoundAndAppendsResumeWhenSpaceReturns() throws Exception {
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[256 * 1024]);
        Path dir = mount.resolve("topic");
        LogConfig config = LogTesting.small()
                .segmentBytes(64 * 1024)
                .fsync(FsyncMode.BATCH)
                .build();
        long appended = 0;
        AppendResult full = null;
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            for (int guard = 0; guard < 2000; guard++) {
                AppendResult r = log.append(List.of(LogTesting.record(appended, SIZE, 0)));
                if (!r.isOk()) {
                    full = r;
                    break;
                }
                appended++;
            }
            assertThat(full).as("the 1 MiB file system filled up").isNotNull();
            assertThat(full.status()).isEqualTo(AppendResult.Status.DISK_FULL);
            assertThat(full.reason()).contains("No space left on device");
            assertThat(appended).isGreaterThan(100);
            assertThat(log.endOffset()).isEqualTo(appended);
            assertRecords(readAll(log, 0, 64 * 1024), 0, SIZE);
            assertThat(log.stats().diskFullEvents()).isEqualTo(1);

            // Space returns.
            Files.delete(filler);
            for (int i = 0; i < 50; i++) {
                AppendResult r = log.append(List.of(LogTesting.record(appended, SIZE, 0)));
                assertThat(r.status())
                        .as("append %d after space returned", appended)
                        .isEqualTo(AppendResult.Status.OK);
                appended++;
            }
        }
        try (FileTopicLog log = FileTopicLog.open(dir, config)) {
            assertThat(log.recoveryReport().truncations()).isEmpty();
            assertThat(log.endOffset()).isEqualTo(appended);
            assertRecords(readAll(log, 0, 64 * 1024), 0, SIZE);
        }
    }
}
