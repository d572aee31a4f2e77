package io.wsvideo.relay.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Disks that refuse writes, for tests run as root (whom chmod does not stop): {@link #DEV_FULL} opens
 * {@code /dev/full}, where the kernel answers every write with ENOSPC; {@link #after} writes a real file until
 * a byte budget is spent, then fails the same way, mid-recording.
 */
final class FullDisk {

    private FullDisk() {
    }

    static final FileTarget.Opener DEV_FULL = p -> FileChannel.open(Path.of("/dev/full"), StandardOpenOption.WRITE);

    /** An opener whose files take {@code budget} bytes in all (across files), then fail like a full disk. */
    static FileTarget.Opener after(long budget) {
        long[] left = {budget};
        return p -> new Budgeted(FileTarget.CREATE_NEW.open(p), left);
    }

    private static final class Budgeted extends FileChannel {
        private final FileChannel real;
        private final long[] left;

        Budgeted(FileChannel real, long[] left) {
            this.real = real;
            this.left = left;
        }

        private void spend(long n) throws IOException {
            synchronized (left) {
                if (left[0] < n) {
                    left[0] = 0;
                    throw new IOException("No space left on device");
                }
                left[0] -= n;
            }
        }

        /** Writes what the budget allows of {@code src}, as a disk filling up mid-write would, then fails. */
        @Override
        public int write(ByteBuffer src) throws IOException {
            long allowed;
            synchronized (left) {
                allowed = left[0];
            }
            if (allowed >= src.remaining()) {
                spend(src.remaining());
                return real.write(src);
            }
            ByteBuffer part = src.duplicate();
            part.limit(part.position() + (int) allowed);
            real.write(part);
            spend(src.remaining());
            throw new IllegalStateException("unreachable");
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            spend(src.remaining());
            return real.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return real.transferTo(position, count, target);
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            spend(count);
            return real.transferFrom(src, position, count);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new IOException("not supported");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return real.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return real.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }
}
