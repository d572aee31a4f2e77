package io.wsvideo.relay.record;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's ffmpeg, ffprobe and mkvinfo (mkvtoolnix), run as processes. Missing tools skip the test loudly on a
 * developer's machine and fail it in CI ({@code CI=true}); scripts/install-test-deps.sh installs them.
 */
public final class MediaTools {

    /** What a tool printed and returned. */
    public record Result(int exit, String out, String err) {
    }

    private MediaTools() {
    }

    public static void require(String... tools) {
        for (String tool : tools) {
            if (!new File("/usr/bin/" + tool).canExecute()) {
                String msg = tool + " is missing: install Debian's ffmpeg and mkvtoolnix (scripts/install-test-deps.sh)";
                if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                    fail("CI=true and " + msg);
                }
                System.err.println("[media tool tests SKIPPED] " + msg);
                Assumptions.abort(msg);
            }
        }
    }

    public static Result run(String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("tool", ".out");
        Path err = Files.createTempFile("tool", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(String.join(" ", command) + ": still running after 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The container's duration as ffprobe reports it, in seconds (NaN if it reports none). */
    public static double duration(Path file) throws IOException, InterruptedException {
        Result r = run("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of",
                "default=noprint_wrappers=1:nokey=1", file.toString());
        String s = r.out().strip();
        return s.isEmpty() || s.equals("N/A") ? Double.NaN : Double.parseDouble(s);
    }

    /** Every stream's codec name, in file order. */
    public static List<String> codecs(Path file) throws IOException, InterruptedException {
        Result r = run("ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of",
                "default=noprint_wrappers=1:nokey=1", file.toString());
        List<String> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (!line.isBlank()) {
                out.add(line.strip());
            }
        }
        return out;
    }

    /** The real duration of a publisher's raw stream: ffmpeg's remux ({@code -c copy}) of it, which measures it. */
    public static double remuxedDuration(Path raw, String extension) throws IOException, InterruptedException {
        Path copy = Files.createTempFile("remux", "." + extension);
        try {
            Result r = run("ffmpeg", "-v", "error", "-y", "-i", raw.toString(), "-c", "copy", copy.toString());
            if (r.exit() != 0) {
                fail("ffmpeg remux failed: " + r.err());
            }
            return duration(copy);
        } finally {
            Files.deleteIfExists(copy);
        }
    }

    /** Decodes the whole file; what ffmpeg complained about (empty: nothing). */
    public static String decodeErrors(Path file) throws IOException, InterruptedException {
        Result r = run("ffmpeg", "-v", "error", "-i", file.toString(), "-f", "null", "-");
        return r.exit() == 0 ? r.err().strip() : "exit " + r.exit() + ": " + r.err();
    }

    /**
     * Seeks to {@code seconds} (input seek, which uses the file's index) and decodes one video frame.
     *
     * @return the presentation time of the frame ffmpeg decoded first after the seek, in seconds
     */
    public static double seekAndDecode(Path file, double seconds) throws IOException, InterruptedException {
        // One run: info level for showinfo's frame line, each line tagged with its level to find errors.
        Result r = run("ffmpeg", "-hide_banner", "-loglevel", "level+info", "-ss", String.valueOf(seconds), "-i",
                file.toString(), "-frames:v", "1", "-copyts", "-vf", "showinfo", "-f", "null", "-");
        String errors = r.err().lines().filter(l -> l.contains("[error]") || l.contains("[fatal]")
                || l.contains("[warning]")).reduce("", (x, y) -> x + y + "\n");
        if (r.exit() != 0 || !errors.isEmpty()) {
            fail("ffmpeg -ss " + seconds + " failed on " + file + ": " + errors + r.err());
        }
        int at = r.err().indexOf("pts_time:");
        if (at < 0) {
            fail("no frame decoded after -ss " + seconds + ": " + r.err());
        }
        String rest = r.err().substring(at + "pts_time:".length()).strip();
        return Double.parseDouble(rest.split("\\s+")[0]);
    }

    /** The types of an MP4 file's top-level boxes, in order. */
    public static List<String> topLevelBoxes(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        List<String> types = new ArrayList<>();
        for (int p = 0; p < b.length; ) {
            Boxes.Box box = Boxes.box(b, p, b.length);
            types.add(Boxes.name(box.type()));
            p = (int) box.end();
        }
        return types;
    }
}
