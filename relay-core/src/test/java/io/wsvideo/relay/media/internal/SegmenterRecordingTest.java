package io.wsvideo.relay.media.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real MediaRecorder recordings of Chromium, WebKit and Firefox (see {@code fixtures/README.md}). The events of each are kept in
 * {@code golden/NAME.events}; after a deliberate change, regenerate them with
 * {@code mvn -pl relay-core test -Dtest=SegmenterRecordingTest#writeGoldenFiles -Dgolden.update=true}, then
 * read the diff before committing.
 */
class SegmenterRecordingTest {

    private static final boolean UPDATE_GOLDEN = Boolean.getBoolean("golden.update");
    private static final Pattern SEGMENT = Pattern.compile("segment (\\d+) t=(-?\\d+)");

    static List<String> names() {
        return Recording.all();
    }

    @ParameterizedTest
    @MethodSource("names")
    void everySplitOfTheRecordingGivesTheSameEvents(String name) throws Exception {
        Recording r = Recording.load(name);
        byte[] bytes = r.bytes();

        EventLog whole = Feeding.assertSplitInvariant(r.mime(), SegmenterLimits.defaults(), bytes, 50);

        EventLog asRecorded = new EventLog();
        Segmenter s = Segmenter.create(r.mime(), SegmenterLimits.defaults(), asRecorded);
        for (ByteBuffer chunk : r.chunks()) {
            s.feed(chunk);
        }
        Feeding.assertSame(whole, asRecorded, "as recorded");
        assertThat(whole.failure).isNull();
        assertThat(s.bytesFed()).isEqualTo(bytes.length);
    }

    @ParameterizedTest
    @MethodSource("names")
    void eventsMatchTheGoldenFile(String name) throws IOException {
        Assumptions.assumeFalse(UPDATE_GOLDEN, "regenerating golden files");
        List<String> lines = events(name).lines();
        String golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/" + name + ".events")) {
            assertThat(in).as("golden/%s.events is missing: run with -Dgolden.update=true", name).isNotNull();
            golden = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(lines).containsExactlyElementsOf(golden.lines().toList());
    }

    /** Not a check: writes {@code src/test/resources/golden/*.events} when run with -Dgolden.update=true. */
    @Test
    void writeGoldenFiles() throws IOException {
        Assumptions.assumeTrue(UPDATE_GOLDEN, "only with -Dgolden.update=true");
        Path dir = Path.of(System.getProperty("basedir", "."), "src", "test", "resources", "golden");
        Files.createDirectories(dir);
        for (String name : names()) {
            Files.writeString(dir.resolve(name + ".events"), String.join("\n", events(name).lines()) + "\n");
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "webm-vp8-opus      | 188  | video/webm;codecs=\"vp8,opus\"",
        "webm-vp8-opus-long | 188  | video/webm;codecs=\"vp8,opus\"",
        "webm-vp9-opus      | 188  | video/webm;codecs=\"vp9,opus\"",
        "webm-av1-opus      | 195  | video/webm;codecs=\"av01.0.09M.08,opus\"",
        "webm-vp8-video     | 125  | video/webm;codecs=\"vp8\"",
        "webm-opus-audio    | 146  | audio/webm;codecs=\"opus\"",
        "mp4-h264-opus      | 1220 | video/mp4;codecs=\"avc1.42C015,opus\"",
        "webkit-mp4-h264-aac | 1472 | video/mp4;codecs=\"avc1.4D4C2A,mp4a.40.2\"",
        "firefox-webm-vp8-opus | 313 | video/webm;codecs=\"vp8,opus\"",
        "firefox-webm-opus-audio | 260 | audio/webm;codecs=\"opus\"",
    })
    void initSegmentAndMimeTypeAreAsRecorded(String name, long initBytes, String mseMimeType) {
        EventLog log = events(name);
        assertThat(log.lines().get(0)).isEqualTo("init " + initBytes + " " + mseMimeType);
        assertThat(log.info.msePlayable()).isTrue();
        assertThat(log.info.passthrough()).isFalse();
    }

    @Test
    void h264InMatroskaIsSegmentedButNotPlayable() {
        EventLog log = events("mkv-h264-opus");
        assertThat(log.lines().get(0)).startsWith("init 194 not-playable: H.264 in Matroska/WebM");
        assertThat(log.info.mseMimeType()).isNull();
        assertThat(log.info.tracks()).extracting(TrackInfo::codecId).containsExactly("A_OPUS", "V_MPEG4/ISO/AVC");
        assertThat(log.linesStartingWith("rap")).hasSize(4);
    }

    @ParameterizedTest
    @CsvSource({"webm-vp8-opus, 4", "webm-vp8-opus-long, 10", "webm-vp9-opus, 4", "webm-av1-opus, 4",
        "webm-vp8-video, 4", "mkv-h264-opus, 4", "mp4-h264-opus, 4"})
    void videoRandomAccessPointsComeAboutEverySecond(String name, int expected) {
        // The recorder was asked for videoKeyFrameIntervalDuration: 1000.
        EventLog log = events(name);
        List<Long> times = rapTimes(log);
        assertThat(times).hasSize(expected);
        assertThat(times.get(0)).isZero();
        for (int k = 1; k < times.size(); k++) {
            assertThat(times.get(k) - times.get(k - 1)).as("RAP spacing in %s", name).isBetween(950L, 1100L);
        }
        assertThat(log.linesStartingWith("rap").get(0)).isEqualTo("rap " + initEnd(log));
    }

    @Test
    void webKitsKeyframesAreRandomAccessPointsFromTheAudioMoofBeforeThem() {
        // WebKit writes one moof per track per ~1 s, audio first, and a key frame every 3 s. A viewer started
        // at the video moof would get a second of video before any audio; WebKit's MediaSource then stalls.
        EventLog log = events("webkit-mp4-h264-aac");
        List<String> lines = log.linesWithout("frame");
        List<String> raps = log.linesStartingWith("rap");
        assertThat(raps).containsExactly("rap 1472", "rap 184698", "rap 367915");
        for (String rap : raps) {
            String at = rap.substring(4);
            int segment = lines.indexOf("segment " + at + " t=" + timeOf(lines, at));
            assertThat(lines.get(segment + 1)).as("%s opens with audio", rap).matches("block \\d+ track=2 .*");
            assertThat(lines.get(segment + 2)).as("then the key frame's video moof").startsWith("segment ");
            assertThat(lines.subList(segment + 2, segment + 6)).as("%s", rap).anyMatch(l -> l.matches("block \\d+ track=1 .* key"));
        }
        assertThat(rapTimes(log)).containsExactly(0L, 2995L, 5990L);
    }

    private static String timeOf(List<String> lines, String offset) {
        for (String l : lines) {
            Matcher m = SEGMENT.matcher(l);
            if (m.matches() && m.group(1).equals(offset)) {
                return m.group(2);
            }
        }
        throw new AssertionError("no segment at " + offset);
    }

    @ParameterizedTest
    @CsvSource({"webm-opus-audio, 33", "firefox-webm-opus-audio, 5"})
    void everyAudioOnlyClusterIsARandomAccessPoint(String name, int clusters) {
        // Firefox flags no Opus block key (Chromium flags all): audio frames count as key frames regardless,
        // or its audio-only stream would have no start point and a viewer would get nothing but the init.
        EventLog log = events(name);
        assertThat(log.linesStartingWith("rap")).hasSameSizeAs(log.linesStartingWith("segment")).hasSize(clusters);
        assertThat(log.linesStartingWith("block")).isNotEmpty().allMatch(l -> l.endsWith(" key"));
    }

    @Test
    void firefoxsKeyFramesComeEverySevenAndAHalfSecondsEachOpeningItsOwnCluster() {
        // Firefox ignores videoKeyFrameIntervalDuration. It starts a Cluster every second and one at every key
        // frame, with the key frame as its very first block, so each is a random access point from its Cluster.
        EventLog log = events("firefox-webm-vp8-opus");
        assertThat(rapTimes(log)).containsExactly(0L, 7436L, 14897L);
        assertThat(log.linesStartingWith("segment")).hasSize(23);
        List<String> lines = log.linesWithout("frame");
        for (String rap : log.linesStartingWith("rap")) {
            int segment = lines.indexOf(rap) - 1;
            assertThat(lines.get(segment)).startsWith("segment " + rap.substring(4) + " ");
            assertThat(lines.get(segment + 2)).as("first block after %s", rap).matches("block \\d+ track=1 .* key");
        }
        assertThat(log.linesStartingWith("block")).filteredOn(l -> l.contains(" track=1 "))
                .filteredOn(l -> l.endsWith(" key")).hasSize(3);
    }

    @ParameterizedTest
    @MethodSource("names")
    void reportedOffsetsPointAtTheElementsTheyName(String name) {
        Recording r = Recording.load(name);
        byte[] b = r.bytes();
        EventLog log = events(name);
        boolean mp4 = log.info.container() == StreamInfo.Container.MP4;
        for (String line : log.lines()) {
            String[] f = line.split(" ");
            if (f[0].equals("segment") || f[0].equals("rap")) {
                int at = Integer.parseInt(f[1]);
                if (mp4) {
                    assertThat(new String(b, at + 4, 4, StandardCharsets.US_ASCII)).as(line).isEqualTo("moof");
                } else {
                    assertThat(new byte[] {b[at], b[at + 1], b[at + 2], b[at + 3]}).as(line)
                            .isEqualTo(new byte[] {0x1F, 0x43, (byte) 0xB6, 0x75});
                }
            } else if (f[0].equals("block") && !mp4) {
                assertThat(b[Integer.parseInt(f[1])] & 0xFF).as(line).isIn(0xA3, 0xA0);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void aSegmentIsARandomAccessPointExactlyWhenItsFirstPrimaryBlockIsAKeyframe(String name) {
        EventLog log = events(name);
        int primary = log.info.tracks().stream().filter(t -> t.kind() == TrackInfo.Kind.VIDEO).findFirst()
                .or(() -> log.info.tracks().stream().findFirst()).orElseThrow().number();
        List<String> lines = log.lines();
        for (int k = 0; k < lines.size(); k++) {
            if (!lines.get(k).startsWith("segment ")) {
                continue;
            }
            boolean rap = false;
            Boolean firstPrimaryKey = null;
            for (int j = k + 1; j < lines.size() && !lines.get(j).startsWith("segment "); j++) {
                rap |= lines.get(j).startsWith("rap ");
                if (firstPrimaryKey == null && lines.get(j).startsWith("block ")
                        && lines.get(j).contains(" track=" + primary + " ")) {
                    firstPrimaryKey = lines.get(j).endsWith(" key");
                }
            }
            assertThat(rap).as("%s: %s", name, lines.get(k)).isEqualTo(Boolean.TRUE.equals(firstPrimaryKey));
        }
    }

    private static EventLog events(String name) {
        Recording r = Recording.load(name);
        return Feeding.feed(r.mime(), r.bytes());
    }

    private static long initEnd(EventLog log) {
        return Long.parseLong(log.lines().get(0).split(" ")[1]);
    }

    private static List<Long> rapTimes(EventLog log) {
        List<Long> out = new ArrayList<>();
        List<String> lines = log.lines();
        for (String line : lines) {
            if (line.startsWith("rap ")) {
                String offset = line.substring(4);
                for (String s : lines) {
                    Matcher m = SEGMENT.matcher(s);
                    if (m.matches() && m.group(1).equals(offset)) {
                        out.add(Long.parseLong(m.group(2)));
                    }
                }
            }
        }
        return out;
    }
}
