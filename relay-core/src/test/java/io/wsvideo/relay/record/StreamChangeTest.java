package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.testing.Recording;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A publisher that restarts with another codec, or whose MediaRecorder restarts with another codec on the same
 * connection: the file of the first stream is closed complete and seekable, the next stream gets a file of its
 * own, and ffprobe/ffmpeg/mkvinfo accept each as a recording of its whole fixture.
 */
class StreamChangeTest {

    private static final Recording VP8 = Recording.load("webm-vp8-opus");
    private static final Recording VP9 = Recording.load("webm-vp9-opus");
    private static final Recording WEBKIT = Recording.load("webkit-mp4-h264-aac");

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
    }

    @Test
    void aPublisherRestartWithAnotherCodecStartsANewFile() throws Exception {
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        Recordings.record(rc, files, hub -> {
            for (Recording r : List.of(VP8, WEBKIT, VP9)) {
                Publisher p = Recordings.publish(hub, "cam", r);
                Recordings.send(p, r, 0, r.chunks().size());
                p.close();
            }
        });
        List<RecordingFile> list = files.list();
        assertThat(list).extracting(RecordingFile::codecs).containsExactlyInAnyOrder("vp8,opus", "vp9,opus", "h264,aac");
        for (RecordingFile f : list) {
            RecordedFixturesTest.assertCompleteAndSeekable(dir, f, f.codecs().startsWith("vp8") ? VP8
                    : f.codecs().startsWith("vp9") ? VP9 : WEBKIT);
        }
    }

    @Test
    void aMediaRecorderRestartedWithAnotherCodecOnTheSameConnectionStartsANewFile() throws Exception {
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        Recorder recorder = Recordings.record(rc, files, hub -> {
            Publisher p = Recordings.publish(hub, "cam", VP8);
            // VP9's first chunk is the byte 0x1A alone, as Chromium sends it; its tracks are numbered the other
            // way round (video 1, audio 2), so a file that kept VP8's Tracks would decode nothing right.
            Recordings.send(p, VP8, 0, VP8.chunks().size());
            Recordings.send(p, VP9, 0, VP9.chunks().size());
            p.close();
        });
        assertThat(recorder.stats().failed()).isZero();
        assertThat(recorder.stats().bytesRecorded()).isEqualTo(VP8.bytes().length + VP9.bytes().length);
        List<RecordingFile> list = files.list();
        assertThat(list).extracting(RecordingFile::codecs).containsExactlyInAnyOrder("vp8,opus", "vp9,opus");
        for (RecordingFile f : list) {
            RecordedFixturesTest.assertCompleteAndSeekable(dir, f, f.codecs().startsWith("vp8") ? VP8 : VP9);
        }
    }
}
