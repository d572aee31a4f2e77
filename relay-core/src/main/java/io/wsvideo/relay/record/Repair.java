package io.wsvideo.relay.record;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/**
 * Completes a file that a killed recorder left without its index and duration: the file is read as if it were
 * being published and written again through the same {@link FileStream} into a sibling, which then replaces it.
 * What the killed recorder left after its last whole segment is dropped on the way.
 */
final class Repair {

    private Repair() {
    }

    /** @return whether the file was replaced by a completed one */
    static boolean run(Path file, String channel, RecordingConfig config) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".repair");
        Files.deleteIfExists(tmp);
        // One file out, whatever the limits say now: it was cut by the limits of its own time.
        RecordingConfig whole = RecordingConfig.builder().dir(config.dir()).maxSeconds(0).maxBytes(0)
                .maxSegmentBytes(config.maxSegmentBytes()).maxIndexEntries(config.maxIndexEntries()).build();
        boolean[] state = {false, false}; // created, kept
        FileStream.Place place = new FileStream.Place() {
            @Override
            public FileTarget create(String ch, String extension) throws IOException {
                if (state[0] || !file.getFileName().toString().endsWith("." + extension)) {
                    throw new IOException("it would not be one file of the same kind");
                }
                state[0] = true;
                return new FileTarget(tmp, FileTarget.CREATE_NEW);
            }

            @Override
            public void progress(Path p, long mediaMillis) {
            }

            @Override
            public void closed(Path p, boolean kept) {
                state[1] = kept;
            }
        };
        FileStream stream = new FileStream(place, new RecordingSink.Start(channel, Instant.now(), null), whole);
        Segmenter segmenter = Segmenter.create(null, SegmenterLimits.defaults(), new SinkEvents(stream));
        try {
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buf = new byte[1 << 20];
                long offset = 0;
                for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; offset += n) {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    stream.data(offset, b.asReadOnlyBuffer());
                    try {
                        segmenter.feed(b);
                    } catch (MalformedStreamException e) {
                        break; // a torn end: what came before it is whole
                    }
                }
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            stream.end("repaired", null);
            if (!state[1]) {
                Files.deleteIfExists(tmp);
                return false;
            }
            FileTime modified = Files.getLastModifiedTime(file);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.setLastModifiedTime(file, modified); // retention ages it by when it was recorded
            return true;
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
