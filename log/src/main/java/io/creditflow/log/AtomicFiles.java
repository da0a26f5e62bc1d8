package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Whole-file replacement that a crash cannot tear: write {@code NAME.tmp}, fsync it, rename it over
 * {@code NAME} (atomic on POSIX file systems), fsync the directory. A reader finds either the old file or
 * the new one, never a mix; a leftover {@code .tmp} is garbage and is deleted on open. Stateless.
 */
final class AtomicFiles {
    static final String TEMP_SUFFIX = ".tmp";

    private AtomicFiles() {}

    /** Replaces {@code target} with {@code content}; with {@code sync}, durably (two fsyncs). */
    static void write(ChannelFactory channels, Path target, ByteBuffer content, boolean sync) throws IOException {
        Path temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
        try (FileChannel ch = channels.open(
                temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = content.duplicate();
            long at = 0;
            while (b.hasRemaining()) {
                at += ch.write(b, at);
            }
            if (sync) {
                ch.force(true);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        if (sync) {
            syncDirectory(channels, target.getParent());
        }
    }

    /** Reads the whole of a small file. */
    static ByteBuffer readAll(Path path) throws IOException {
        return ByteBuffer.wrap(Files.readAllBytes(path));
    }

    /** Fsyncs a directory, making file creations, renames and deletions in it durable (Linux, macOS). */
    static void syncDirectory(ChannelFactory channels, Path dir) throws IOException {
        try (FileChannel ch = channels.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
