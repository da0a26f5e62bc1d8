package io.creditflow.log;

import static io.creditflow.log.LogTesting.assertRecords;
import static io.creditflow.log.LogTesting.readAll;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
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

    private Path mount;
    private boolean mounted;

    @BeforeEach
    void mountTmpfs() throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux"),
                "the real ENOSPC test needs Linux tmpfs; skipped");
        mount = root.resolve("tmpfs");
        Files.createDirectories(mount);
        String result = run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString());
        Assumptions.assumeTrue(result == null, () -> "mount -t tmpfs not permitted here (" + result
                + "); skipped the real ENOSPC test (DiskErrorTest covers it with an injected channel)");
        mounted = true;
    }

    @AfterEach
    void unmount() throws Exception {
        if (mounted) {
            String result = run("umount", mount.toString());
            assertThat(result).as("umount").isNull();
        }
    }

    /** Runs a command; returns null on success or what went wrong. */
    private static String run(String... command) throws InterruptedException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return String.join(" ", command) + ": timed out";
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    @Test
    void aFullFileSystemIsABoundAndAppendsResumeWhenSpaceReturns() throws Exception {
        Path filler = mount.resolve("filler");
        Files.write(filler, new byte[256 * 1024]);
        Path dir = mount.resolve("topic");
        LogConfig config = LogTesting.small().segmentBytes(64 * 1024).fsync(FsyncMode.BATCH).build();
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
                assertThat(r.status()).as("append %d after space returned", appended).isEqualTo(AppendResult.Status.OK);
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
