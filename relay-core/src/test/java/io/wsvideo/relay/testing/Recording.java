package io.wsvideo.relay.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A real MediaRecorder recording (headless Chromium, or WebKitGTK or Firefox where the name says so), kept on the test classpath as
 * {@code /fixtures/NAME.bin} (every {@code dataavailable} Blob concatenated) and {@code /fixtures/NAME.chunks}
 * ({@code # mime=...} then {@code <sizeBytes> <elapsedMillis>} per Blob). Made by {@code tools/record-fixtures}.
 */
public final class Recording {

    private static final List<String> ALL = List.of(
            "webm-vp8-opus",
            "webm-vp8-opus-long",
            "webm-vp9-opus",
            "webm-av1-opus",
            "webm-vp8-video",
            "webm-opus-audio",
            "mkv-h264-opus",
            "mp4-h264-opus",
            // WebKitGTK's MediaRecorder (fragmented MP4, H.264 Main + AAC), imported from a recording made
            // elsewhere by tools/record-fixtures/import-recording.mjs; see fixtures/README.md.
            "webkit-mp4-h264-aac",
            // Firefox ESR's MediaRecorder (record.mjs --engine firefox): key frames every ~7.5 s, each opening
            // its own Cluster, and audio blocks never flagged key; see fixtures/README.md.
            "firefox-webm-vp8-opus",
            "firefox-webm-opus-audio");

    private final String name;
    private final String mime;
    private final byte[] bytes;
    private final int[] offsets; // chunk i is bytes[offsets[i], offsets[i + 1])
    private final long[] millis;

    private Recording(String name, String mime, byte[] bytes, int[] offsets, long[] millis) {
        this.name = name;
        this.mime = mime;
        this.bytes = bytes;
        this.offsets = offsets;
        this.millis = millis;
    }

    /**
     * {@code bytes} as the hub hands them to viewers when published in writable buffers: with the in-place
     * repair it makes to WebM (a Chromium camera's {@code AlphaMode=1} cleared, see {@code WebmAlphaModeFix}).
     * A copy; MP4 comes back unchanged.
     */
    public static byte[] asRelayed(byte[] bytes) {
        byte[] copy = bytes.clone();
        new io.wsvideo.relay.media.internal.WebmAlphaModeFix().apply(java.nio.ByteBuffer.wrap(copy));
        return copy;
    }

    /** Names of every fixture, in a fixed order. */
    public static List<String> all() {
        return ALL;
    }

    /** Loads {@code /fixtures/NAME.bin} and {@code /fixtures/NAME.chunks} from the test classpath. */
    public static Recording load(String name) {
        Objects.requireNonNull(name, "name");
        byte[] bytes = read("/fixtures/" + name + ".bin");
        String text = new String(read("/fixtures/" + name + ".chunks"), StandardCharsets.UTF_8);
        String mime = null;
        List<long[]> rows = new ArrayList<>();
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("#")) {
                String body = line.substring(1).strip();
                if (body.startsWith("mime=")) {
                    mime = body.substring("mime=".length());
                }
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts.length != 2) {
                throw new IllegalStateException(name + ".chunks: bad line: " + line);
            }
            rows.add(new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])});
        }
        if (mime == null) {
            throw new IllegalStateException(name + ".chunks: no '# mime=' line");
        }
        int[] offsets = new int[rows.size() + 1];
        long[] millis = new long[rows.size()];
        long total = 0;
        for (int i = 0; i < rows.size(); i++) {
            long size = rows.get(i)[0];
            if (size <= 0) {
                throw new IllegalStateException(name + ".chunks: chunk " + i + " has size " + size);
            }
            offsets[i] = (int) total;
            total += size;
            millis[i] = rows.get(i)[1];
        }
        offsets[rows.size()] = (int) total;
        if (total != bytes.length) {
            throw new IllegalStateException(
                    name + ": chunk sizes add up to " + total + " but " + name + ".bin has " + bytes.length + " bytes");
        }
        return new Recording(name, mime, bytes, offsets, millis);
    }

    private static byte[] read(String resource) {
        try (InputStream in = Recording.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(resource, e);
        }
    }

    public String name() {
        return name;
    }

    /** The recorder's own {@code mimeType} property, e.g. {@code video/webm;codecs=vp8,opus}. */
    public String mime() {
        return mime;
    }

    /** The whole stream (a copy). */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** One fresh read-only buffer per recorded Blob, in order; they share this recording's bytes. */
    public List<ByteBuffer> chunks() {
        List<ByteBuffer> out = new ArrayList<>(millis.length);
        for (int i = 0; i < millis.length; i++) {
            out.add(ByteBuffer.wrap(bytes, offsets[i], offsets[i + 1] - offsets[i]).slice().asReadOnlyBuffer());
        }
        return out;
    }

    /** Arrival time of each chunk, in milliseconds since {@code MediaRecorder.start()}. */
    public long[] chunkMillis() {
        return millis.clone();
    }

    @Override
    public String toString() {
        return "Recording[" + name + ", " + mime + ", " + bytes.length + " bytes, " + millis.length + " chunks]";
    }
}
