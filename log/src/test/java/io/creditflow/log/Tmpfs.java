package io.creditflow.log;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small tmpfs that a test mounts for a real ENOSPC (root can, here and in CI), shared with the broker's tests
 * through this module's test jar. Where mounting is not permitted (not Linux, not root), {@link #mountOrSkip}
 * skips the test with a message. Unmount it with {@link #close()} in the test's cleanup.
 */
public final class Tmpfs implements AutoCloseable {
    private final Path path;
    private boolean mounted;

    private Tmpfs(Path path) {
        this.path = path;
    }

    /**
     * Mounts a tmpfs of {@code size} (as mount spells it: {@code 1m}, {@code 4m}) on {@code dir} (created), or
     * skips the calling test, saying why and which test covers the case without a mount.
     */
    public static Tmpfs mountOrSkip(Path dir, String size, String coveredElsewhere) throws Exception {
        Assumptions.assumeTrue(
                System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux"),
                "the real ENOSPC test needs Linux tmpfs; skipped (" + coveredElsewhere + ")");
        Files.createDirectories(dir);
        String result = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString());
        Assumptions.assumeTrue(
                result == null,
                () -> "mount -t tmpfs not permitted here (" + result + "); skipped the real ENOSPC test ("
                        + coveredElsewhere + ")");
        Tmpfs t = new Tmpfs(dir);
        t.mounted = true;
        return t;
    }

    /** The mount point. */
    public Path path() {
        return path;
    }

    /** Unmounts (idempotent); fails the test if umount fails. */
    @Override
    public void close() {
        if (mounted) {
            String result;
            try {
                result = run("umount", path.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result = "interrupted";
            }
            if (result != null) {
                throw new AssertionError("umount " + path + ": " + result);
            }
            mounted = false;
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
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return e.getMessage();
        }
    }
}
