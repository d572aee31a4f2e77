package io.wsvideo.relay.record;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The {@code /recordings} HTTP resource, independent of any server API: each server adapter (the demo's Grizzly
 * handler, the servlet) passes the request's method, path and headers to {@link #handle} and copies the
 * {@link Reply} out.
 *
 * <ul>
 *   <li>{@code GET /recordings[?channel=NAME]}: JSON array of {@link RecordingFile}s, newest first.</li>
 *   <li>{@code GET|HEAD /recordings/NAME}: the file, with {@code Accept-Ranges: bytes}; one byte range per
 *       request ({@code bytes=a-b}, {@code a-}, suffix {@code -n}) gets 206 and {@code Content-Range}; a range
 *       starting past the end gets 416; several ranges or a malformed one are ignored (200, whole file, as
 *       RFC 9110 allows); {@code If-Range} with a stale validator gets the whole file.</li>
 *   <li>Both behind the view tokens: 401 without a token, 403 with a wrong one.</li>
 *   <li>A name that is not a recording's name is refused before the file system is touched: 400 when it tries
 *       to leave the directory ({@code /}, {@code \}, {@code ..}, control characters), 404 otherwise.</li>
 * </ul>
 */
public final class RecordingsHttp {

    private static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

    private final RecordingFiles files;
    private final Predicate<String> mayView;

    /**
     * @param mayView whether a token (null: none presented) may see recordings; the same rule as for live viewing
     */
    public RecordingsHttp(RecordingFiles files, Predicate<String> mayView) {
        this.files = Objects.requireNonNull(files, "files");
        this.mayView = Objects.requireNonNull(mayView, "mayView");
    }

    /**
     * What to answer.
     *
     * @param body   the whole body, or null when it is {@code length} bytes of {@code file} from {@code offset}
     */
    public record Reply(int status, Map<String, String> headers, byte[] body, Path file, long offset, long length) {

        /** Writes the body: the bytes, or the file's range (nothing for HEAD, which has neither). */
        public void writeBody(OutputStream out) throws IOException {
            if (body != null) {
                out.write(body);
                return;
            }
            if (file == null || length == 0) {
                return;
            }
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                WritableByteChannel sink = Channels.newChannel(out);
                long done = 0;
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(64 * 1024, length));
                while (done < length) {
                    buf.clear().limit((int) Math.min(buf.capacity(), length - done));
                    int n = ch.read(buf, offset + done);
                    if (n < 0) {
                        throw new IOException("file shrank while being served: " + file.getFileName());
                    }
                    buf.flip();
                    while (buf.hasRemaining()) {
                        sink.write(buf);
                    }
                    done += n;
                }
            }
        }

        /** The length the {@code Content-Length} header says. */
        public long contentLength() {
            return Long.parseLong(headers.getOrDefault("Content-Length", "0"));
        }
    }

    /**
     * @param method  the HTTP method
     * @param path    the decoded path below the mount point: empty or {@code /} for the list, {@code /NAME}
     * @param channel the list's {@code channel} query parameter, or null
     * @param token   the view token presented ({@code ?token=} or {@code Authorization: Bearer}), or null
     * @param range   the {@code Range} header, or null
     * @param ifRange the {@code If-Range} header, or null
     */
    public Reply handle(String method, String path, String channel, String token, String range, String ifRange)
            throws IOException {
        boolean head = "HEAD".equals(method);
        if (!head && !"GET".equals(method)) {
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Allow", "GET, HEAD");
            return error(405, "method not allowed", h, false);
        }
        if (!mayView.test(token)) {
            return token == null ? error(401, "a view token is needed (?token=)", new LinkedHashMap<>(), head)
                    : error(403, "invalid token", new LinkedHashMap<>(), head);
        }
        String p = path == null ? "" : path;
        if (p.isEmpty() || p.equals("/")) {
            byte[] body = files.listJson(channel).getBytes(StandardCharsets.UTF_8);
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", "application/json");
            h.put("Cache-Control", "no-store");
            h.put("Content-Length", String.valueOf(body.length));
            return new Reply(200, h, head ? null : body, null, 0, 0);
        }
        String name = p.substring(1);
        if (!RecordingFiles.validName(name)) {
            return leaves(name) ? error(400, "bad recording name", new LinkedHashMap<>(), head)
                    : error(404, "no such recording", new LinkedHashMap<>(), head);
        }
        Optional<RecordingFile> found = files.find(name);
        if (found.isEmpty()) {
            return error(404, "no such recording", new LinkedHashMap<>(), head);
        }
        return file(found.get(), files.path(found.get()), head, range, ifRange);
    }

    private Reply file(RecordingFile f, Path path, boolean head, String range, String ifRange) throws IOException {
        long length;
        Instant modified;
        try {
            length = Files.size(path);
            modified = Files.getLastModifiedTime(path, LinkOption.NOFOLLOW_LINKS).toInstant();
        } catch (NoSuchFileException e) {
            return error(404, "no such recording", new LinkedHashMap<>(), head);
        }
        String etag = "\"" + Long.toHexString(length) + "-" + Long.toHexString(modified.toEpochMilli()) + "\"";
        String lastModified = HTTP_DATE.format(modified);
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", f.contentType());
        h.put("Accept-Ranges", "bytes");
        h.put("ETag", etag);
        h.put("Last-Modified", lastModified);
        // A file being written changes: make caches ask again.
        h.put("Cache-Control", "no-cache");
        h.put("X-Content-Type-Options", "nosniff");
        boolean useRange = range != null && (ifRange == null || ifRange.strip().equals(etag)
                || ifRange.strip().equals(lastModified));
        long[] r = useRange ? range(range, length) : null;
        if (r == UNSATISFIABLE) {
            h.remove("Content-Type");
            h.put("Content-Range", "bytes */" + length);
            h.put("Content-Length", "0");
            return new Reply(416, h, null, null, 0, 0);
        }
        if (r == null) {
            h.put("Content-Length", String.valueOf(length));
            return new Reply(200, h, null, head ? null : path, 0, length);
        }
        long count = r[1] - r[0] + 1;
        h.put("Content-Range", "bytes " + r[0] + "-" + r[1] + "/" + length);
        h.put("Content-Length", String.valueOf(count));
        return new Reply(206, h, null, head ? null : path, r[0], count);
    }

    /** A range that cannot be satisfied (416); compared by identity. */
    static final long[] UNSATISFIABLE = new long[0];

    /**
     * Parses a {@code Range} header against a length (RFC 9110 section 14).
     *
     * @return {first, last} (inclusive), {@link #UNSATISFIABLE}, or null to ignore the header (malformed, other
     *     unit, or several ranges) and send the whole file
     */
    static long[] range(String header, long length) {
        String h = header.strip();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
            return null;
        }
        String spec = h.substring(6).strip();
        if (spec.contains(",")) {
            return null;
        }
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        String a = spec.substring(0, dash).strip();
        String b = spec.substring(dash + 1).strip();
        try {
            if (a.isEmpty()) {
                if (!digits(b)) {
                    return null;
                }
                long suffix = Long.parseLong(b);
                if (suffix == 0 || length == 0) {
                    return UNSATISFIABLE;
                }
                return new long[] {Math.max(0, length - suffix), length - 1};
            }
            if (!digits(a) || !(b.isEmpty() || digits(b))) {
                return null;
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
            if (last < first) {
                return null;
            }
            if (first >= length) {
                return UNSATISFIABLE;
            }
            return new long[] {first, Math.min(last, length - 1)};
        } catch (NumberFormatException e) {
            return null; // more digits than a long holds
        }
    }

    private static boolean digits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** Whether a refused name tries to reach outside the directory (400) rather than name nothing (404). */
    private static boolean leaves(String name) {
        return name.contains("/") || name.contains("\\") || name.contains("..")
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7F);
    }

    private static Reply error(int status, String message, Map<String, String> h, boolean head) {
        byte[] body = ("{\"error\":" + JsonText.string(message) + "}").getBytes(StandardCharsets.UTF_8);
        h.put("Content-Type", "application/json");
        h.put("Cache-Control", "no-store");
        h.put("Content-Length", String.valueOf(body.length));
        return new Reply(status, h, head ? null : body, null, 0, 0);
    }
}
