package io.creditflow.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link ChannelFactory} for tests: counts {@code force} calls on segment ({@code .log}) files, can make
 * writes to chosen files fail with {@code IOException("No space left on device")} once a byte budget is
 * spent (writing the part that fits first, as a real full disk does), can make {@code truncate} fail, and
 * can hold {@code force} on segment files until the test releases it. Thread-safe.
 */
final class TestChannels implements ChannelFactory {
    static final String ENOSPC = "No space left on device";

    final AtomicInteger logForces = new AtomicInteger();
    /** Bytes that writes to matching files may still write; negative: unlimited. */
    final AtomicLong writeBudget = new AtomicLong(-1);
    /** Which files the write budget applies to (suffix of the file name). */
    volatile String failSuffix = ".log";
    /** How many truncate calls on segment files fail before they work again. */
    final AtomicInteger failingTruncates = new AtomicInteger();
    /** How many force calls on segment files fail before they work again. */
    final AtomicInteger failingForces = new AtomicInteger();

    private final AtomicReference<Gate> forceGate = new AtomicReference<>();

    /** Holds force() on segment files: {@code entered} counts down when one waits, {@code release} frees it. */
    static final class Gate {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
    }

    Gate holdForces() {
        Gate g = new Gate();
        forceGate.set(g);
        return g;
    }

    void stopHoldingForces() {
        forceGate.set(null);
    }

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Wrapped(FileChannel.open(path, options), path.getFileName().toString());
    }

    private final class Wrapped extends FileChannel {
        private final FileChannel d;
        private final String name;

        Wrapped(FileChannel d, String name) {
            this.d = d;
            this.name = name;
        }

        private int budgeted(ByteBuffer src) throws IOException {
            if (!name.endsWith(failSuffix)) {
                return src.remaining();
            }
            while (true) {
                long b = writeBudget.get();
                if (b < 0) {
                    return src.remaining();
                }
                int allowed = (int) Math.min(b, src.remaining());
                if (allowed == 0) {
                    throw new IOException(ENOSPC);
                }
                if (writeBudget.compareAndSet(b, b - allowed)) {
                    return allowed;
                }
            }
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            int allowed = budgeted(src);
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + allowed);
            int n = d.write(part, position);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            int allowed = budgeted(src);
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + allowed);
            int n = d.write(part);
            src.position(src.position() + n);
            return n;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (name.endsWith(Segment.LOG)) {
                logForces.incrementAndGet();
                if (failingForces.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    throw new IOException("Input/output error (test fsync)");
                }
                Gate g = forceGate.get();
                if (g != null) {
                    g.entered.countDown();
                    try {
                        if (!g.release.await(10, TimeUnit.SECONDS)) {
                            throw new IOException("test gate not released within 10 s");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
            }
            d.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            if (name.endsWith(Segment.LOG) && failingTruncates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IOException("Input/output error (test)");
            }
            d.truncate(size);
            return this;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return d.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return d.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            throw new UnsupportedOperationException("the log writes one buffer at a time");
        }

        @Override
        public long position() throws IOException {
            return d.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            d.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return d.size();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return d.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return d.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new UnsupportedOperationException("the log does not map files");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return d.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return d.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            d.close();
        }
    }
}
