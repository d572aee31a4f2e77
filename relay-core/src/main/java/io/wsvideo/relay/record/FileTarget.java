package io.wsvideo.relay.record;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One recording file: appends (each a single gathering write, so a killed process leaves whole segments
 * behind) and in-place patches of headers at close. Used by one writer thread.
 */
final class FileTarget {

    /** Opens the channel a file is written through; tests swap in one that fails like a full disk. */
    @FunctionalInterface
    interface Opener {
        FileChannel open(Path path) throws IOException;
    }

    static final Opener CREATE_NEW = p -> FileChannel.open(p, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE);

    final Path path;
    private final FileChannel channel;
    /** Bytes in the file. */
    private long size;
    /** Where the file ended after the last append that completed; a failed append is cut back to it. */
    private long complete;

    FileTarget(Path path, Opener opener) throws IOException {
        this.path = path;
        this.channel = opener.open(path);
    }

    long size() {
        return size;
    }

    void append(ByteBuffer... parts) throws IOException {
        long total = 0;
        for (ByteBuffer p : parts) {
            total += p.remaining();
        }
        long written = 0;
        while (written < total) {
            long n = channel.write(parts);
            if (n <= 0 && written < total) {
                // FileChannel writes block until done; 0 means no progress is possible.
                throw new IOException("no progress writing " + path);
            }
            written += n;
            size += n;
        }
        complete = size;
    }

    void patch(long position, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b, position + b.position());
        }
    }

    /** Drops a partly written last append, so the file ends on a whole segment. */
    void cutToComplete() throws IOException {
        // Unconditional: a write that threw may have put part of its bytes in the file.
        channel.truncate(complete);
        channel.position(complete);
        size = complete;
    }

    void closeAndSync() throws IOException {
        try {
            channel.force(true);
        } finally {
            channel.close();
        }
    }

    void closeQuietly() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing more to do for a file that failed already
        }
    }

    void delete() {
        closeQuietly();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // an empty file left behind is harmless; retention removes it
        }
    }
}
