package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.testing.Recording;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A file left by a killed recorder (copied while it was being written: what SIGKILL leaves) is completed when the
 * folder is opened again: index and duration written, what plays unchanged, its age kept for retention.
 */
class RepairTest {

    @TempDir
    Path live;
    @TempDir
    Path later;

    @BeforeAll
    static void tools() {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus-long", "mp4-h264-opus", "webm-opus-audio", "firefox-webm-vp8-opus",
        "firefox-webm-opus-audio"})
    void aFileLeftByAKilledRecorderIsCompletedAtTheNextStart(String fixture) throws Exception {
        Recording rec = Recording.load(fixture);
        RecordingConfig rc = RecordingConfig.builder().dir(live).build();
        RecordingFiles files = RecordingFiles.create(rc);
        Path killed;
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher p = Recordings.publish(hub, "cam", rec);
            int n = rec.chunks().size();
            Recordings.send(p, rec, 0, n * 3 / 4);
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            RecordingFile f = files.list().get(0);
            killed = Files.copy(live.resolve(f.name()), later.resolve(f.name()));
            Files.setLastModifiedTime(killed, FileTime.fromMillis(1_700_000_000_000L));
            p.close();
            recorder.close();
        }
        double played = RecorderTest.lastFrameTime(killed);
        assertThat(played).isGreaterThan(0.5);
        long sizeBefore = Files.size(killed);

        try (RecordingFiles reopened = RecordingFiles.create(RecordingConfig.builder().dir(later).build())) {
            RecordingFile f = reopened.list().get(0);
            assertThat(reopened.list()).hasSize(1);
            assertThat(f.durationMillis()).as("duration now in the header").isPositive();
            assertThat(f.durationMillis() / 1000.0).isCloseTo(played, within(0.2));
        }
        try (Stream<Path> s = Files.list(later)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly(killed.getFileName().toString());
        }
        assertThat(Files.getLastModifiedTime(killed).toMillis()).isEqualTo(1_700_000_000_000L);
        if (fixture.startsWith("mp4")) {
            assertThat(Files.size(killed)).as("the index went into the room reserved for it").isEqualTo(sizeBefore);
        } else {
            assertThat(Files.size(killed)).as("Cues appended").isGreaterThan(sizeBefore);
        }
        assertThat(MediaTools.decodeErrors(killed)).isEmpty();
        assertThat(MediaTools.duration(killed)).isCloseTo(played, within(0.2));
        assertThat(RecorderTest.lastFrameTime(killed)).isCloseTo(played, within(0.001));
        if (fixture.startsWith("mp4")) {
            assertThat(MediaTools.topLevelBoxes(killed)).contains("sidx");
        } else {
            assertThat(MediaTools.run("mkvinfo", "-a", killed.toString()).out()).contains("Cue point", "Duration:");
        }
    }
}
