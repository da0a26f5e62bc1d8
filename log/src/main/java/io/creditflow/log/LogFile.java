package io.creditflow.log;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * One file of the log, read and written only with positional I/O so that any number of threads can use it at once. A
 * {@link FileChannel} is closed for every user when a thread blocked in it is interrupted; this wrapper reopens the
 * channel for the others (the interrupted thread gets {@link InterruptedIOException}), so one interrupted reader cannot
 * take a segment away from the writer. Thread-safe.
 */
final class LogFile {
    /** Thrown when the file was closed by the log (a deleted segment): the caller retries elsewhere. */
    static final class ClosedLogFileException extends ClosedChannelException {
        private static final long serialVersionUID = 1L;
    }

    private final Path path;
    private final ChannelFactory factory;
    private final OpenOption[] options;
    private volatile FileChannel channel;
    private volatile boolean closed;

    LogFile(Path path, ChannelFactory factory, OpenOption... options) throws IOException {
        this.path = path;
        this.factory = factory;
        this.options = options.clone();
        this.channel = factory.open(path, options);
    }

    Path path() {
        return path;
    }

    /** Reads up to {@code dst.remaining()} bytes at {@code position}, fewer only at the end of the file. */
    int read(ByteBuffer dst, long position) throws IOException {
        int total = 0;
        for (int attempt = 0; dst.hasRemaining(); ) {
            FileChannel ch = channel;
            try {
                int n = ch.read(dst, position + total);
                if (n < 0) {
                    break;
                }
                total += n;
            } catch (ClosedChannelException e) {
                attempt = recover(ch, e, attempt);
            }
        }
        return total;
    }

    /** Reads exactly {@code dst.remaining()} bytes at {@code position}. */
    void readFully(ByteBuffer dst, long position) throws IOException {
        int want = dst.remaining();
        int n = read(dst, position);
        if (n < want) {
            throw new EOFException(path + ": " + want + " bytes at " + position + " run past the end of the file");
        }
    }

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException {
        long at = position;
        for (int attempt = 0; src.hasRemaining(); ) {
            FileChannel ch = channel;
            try {
                at += ch.write(src, at);
            } catch (ClosedChannelException e) {
                attempt = recover(ch, e, attempt);
            }
        }
    }

    /** Forces the file's data (and, with {@code metadata}, its metadata) to stable storage. */
    void force(boolean metadata) throws IOException {
        for (int attempt = 0; ; ) {
            FileChannel ch = channel;
            try {
                ch.force(metadata);
                return;
            } catch (ClosedChannelException e) {
                attempt = recover(ch, e, attempt);
            }
        }
    }

    /** Truncates the file to {@code size} bytes. */
    void truncate(long size) throws IOException {
        for (int attempt = 0; ; ) {
            FileChannel ch = channel;
            try {
                ch.truncate(size);
                return;
            } catch (ClosedChannelException e) {
                attempt = recover(ch, e, attempt);
            }
        }
    }

    /** The file's current size. */
    long size() throws IOException {
        for (int attempt = 0; ; ) {
            FileChannel ch = channel;
            try {
                return ch.size();
            } catch (ClosedChannelException e) {
                attempt = recover(ch, e, attempt);
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Closes the file for good. Idempotent. */
    void close() throws IOException {
        closed = true;
        channel.close();
    }

    /**
     * After {@code ch} turned out closed: throws if the log closed it or this thread was interrupted
     * (reopening it for the others first), otherwise reopens it and returns the next attempt number.
     */
    private int recover(FileChannel ch, ClosedChannelException e, int attempt) throws IOException {
        if (closed) {
            throw new ClosedLogFileException();
        }
        reopen(ch);
        if (e instanceof ClosedByInterruptException) {
            InterruptedIOException ie = new InterruptedIOException(path + ": interrupted");
            ie.initCause(e);
            throw ie;
        }
        if (attempt >= 2) {
            throw e;
        }
        // Closed by another thread's interrupt (before or during this call: AsynchronousCloseException):
        // the channel is fresh now, try again.
        return attempt + 1;
    }

    private synchronized void reopen(FileChannel failed) throws IOException {
        if (closed) {
            throw new ClosedLogFileException();
        }
        if (channel == failed) {
            // Whoever gets here first reopens; the others find the fresh channel.
            boolean interrupted = Thread.interrupted();
            try {
                channel = factory.open(path, options);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
