package io.creditflow.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens every {@link FileChannel} a {@link FileTopicLog} and its {@link CursorStore} use: segment, index, checkpoint,
 * snapshot and cursor files, and directories (opened for reading to fsync them). Tests inject a factory whose channels
 * count {@code force} calls or fail with {@code IOException("No space left on device")} after a number of bytes.
 * Implementations must be thread-safe.
 */
@FunctionalInterface
public interface ChannelFactory {
    /** {@link FileChannel#open(Path, OpenOption...)}. */
    ChannelFactory DEFAULT = FileChannel::open;

    /** Opens {@code path} with {@code options}, as {@link FileChannel#open(Path, OpenOption...)} does. */
    FileChannel open(Path path, OpenOption... options) throws IOException;
}
