package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.testing.Recording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every MediaRecorder fixture, published through a hub that records it, gives one file that Debian's ffprobe,
 * ffmpeg and mkvinfo accept: the right duration (from the header), every track, no decoding error, an index
 * (Cues, or a sidx) that lets ffmpeg seek to several points.
 */
class RecordedFixturesTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
    }

    static List<String> fixtures() {
        // WebKit's MP4 (webkit-mp4-h264-aac) too: one moof per track, audio first, key frames every third video
        // moof, two ftyp boxes and a last chunk that repeats its audio moof.
        return Recording.all();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void recordingIsCompleteAndSeekable(String name) throws Exception {
        Recording rec = Recording.load(name);
        List<RecordingFile> files = Recordings.recordWhole(dir, "cam", rec);
        assertThat(files).hasSize(1);
        assertCompleteAndSeekable(dir, files.get(0), rec);
    }

    /** The distinct numbers after {@code label} in mkvinfo's output. */
    private static java.util.Set<String> numbers(String info, String label) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(label) + "(\\d+)")
                .matcher(info);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /**
     * The finished file {@code f} in {@code dir} holds the whole of {@code rec}: ffprobe's duration (from the header)
     * and the listed one within 0.2 s of ffmpeg's remux of the raw stream, the same tracks, no decoding error, an
     * index (sidx, or Cues and Duration) and, with video, frames decoded within 0.15 s of four seek targets.
     */
    static void assertCompleteAndSeekable(Path dir, RecordingFile f, Recording rec) throws Exception {
        Path file = dir.resolve(f.name());
        assertThat(f.recording()).isFalse();

        Path raw = Files.write(Files.createTempFile(dir, "raw", ".bin"), rec.bytes());
        boolean mp4 = f.name().endsWith(".mp4");
        double real = MediaTools.remuxedDuration(raw, mp4 ? "mp4" : "mkv");
        assertThat(MediaTools.duration(file)).as("ffprobe duration of %s", f.name()).isCloseTo(real, within(0.2));
        assertThat(f.durationMillis() / 1000.0).as("listed duration").isCloseTo(real, within(0.2));
        assertThat(MediaTools.codecs(file)).containsExactlyInAnyOrderElementsOf(MediaTools.codecs(raw));
        assertThat(MediaTools.decodeErrors(file)).as("ffmpeg decoding %s", f.name()).isEmpty();
        Files.delete(raw);

        if (mp4) {
            assertThat(f.contentType()).isEqualTo("video/mp4");
            assertThat(MediaTools.topLevelBoxes(file)).startsWith("ftyp", "moov", "sidx", "free", "moof", "mdat");
        } else {
            String info = MediaTools.run("mkvinfo", "-a", file.toString()).out();
            assertThat(info).contains("Duration:", "Cues", "Cue point", "KaxCues");
            assertThat(info).doesNotContain("unknown size");
            // Every track in the Cues: Chromium fails to open a file of Firefox's (Opus with a CodecDelay) whose
            // Cues name only the video track ("demuxer seek failed", RecordingPlaybackBrowserTest).
            assertThat(numbers(info, "Cue track: ")).isEqualTo(numbers(info, "Track number: "));
        }
        if (!rec.mime().startsWith("audio/")) {
            for (double t : new double[] {0.5, 1.5, 2.5, 3.3}) {
                double at = MediaTools.seekAndDecode(file, t);
                assertThat(at).as("frame decoded after seeking to %s in %s", t, f.name()).isCloseTo(t, within(0.15));
            }
        }
    }
}
