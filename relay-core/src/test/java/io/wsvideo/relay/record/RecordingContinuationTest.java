package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A broadcaster whose network drops continues the same stream on a new connection (README, "Same stream"): its
 * recording goes on in the same file, which ffprobe, ffmpeg and mkvinfo then find whole and seekable, as if
 * nothing had happened. When nobody continues the stream in time, the file is completed; a continuation that
 * starts a stream anew gets a file of its own.
 */
class RecordingContinuationTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
    }

    private static long bytesOf(Recording rec, int chunks) {
        long n = 0;
        for (ByteBuffer c : rec.chunks().subList(0, chunks)) {
            n += c.remaining();
        }
        return n;
    }

    /**
     * Publishes the first {@code cut} chunks of {@code rec} on channel "cam", loses the connection (no close frame:
     * the hub keeps the stream), and opens the publisher that continues it with the first one's resume token.
     */
    private static Publisher continuedAfterADrop(RelayHub hub, Recording rec, int cut) throws Exception {
        Publisher first = Recordings.publish(hub, "cam", rec);
        Recordings.send(first, rec, 0, cut);
        first.connectionLost();
        assertThat(first.streamKept()).isTrue();
        Publisher next = hub.openPublisher("cam", rec.mime(), (code, reason) -> {
        }, first.resumeToken(), true);
        assertThat(next.continues()).isSameAs(first);
        return next;
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus", "mp4-h264-opus", "firefox-webm-vp8-opus"})
    void aStreamContinuedAfterTheConnectionWasLostIsRecordedInOneWholeFile(String name) throws Exception {
        Recording rec = Recording.load(name);
        int half = rec.chunks().size() / 2;
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        Recorder recorder = Recordings.record(rc, files, hub -> {
            Publisher next = continuedAfterADrop(hub, rec, half);
            assertThat(next.continuedAt()).isEqualTo(bytesOf(rec, half));
            Recordings.send(next, rec, half, rec.chunks().size());
            next.close();
        });
        assertThat(recorder.stats().failed()).isZero();
        assertThat(recorder.stats().bytesRecorded()).isEqualTo(rec.bytes().length);
        List<RecordingFile> list = files.list();
        assertThat(list).as("one file for the one stream").hasSize(1);
        RecordedFixturesTest.assertCompleteAndSeekable(dir, list.get(0), rec);
    }

    @Test
    void aStreamContinuedFromAConnectionTheRelayStillThinksAliveIsRecordedInOneWholeFile() throws Exception {
        // The old connection is closed (1008 resumed) while the new publisher opens; a transport may report that
        // close before the hub reports the new publisher: the recording waits for it.
        Recording rec = Recording.load("webm-vp8-opus-long");
        int cut = rec.chunks().size() / 3;
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        AtomicReference<Publisher> first = new AtomicReference<>();
        Recorder recorder = Recordings.record(rc, files, hub -> {
            first.set(hub.openPublisher("cam", rec.mime(), (code, reason) -> first.get().close()));
            Recordings.send(first.get(), rec, 0, cut);
            Publisher next = hub.openPublisher("cam", rec.mime(), (code, reason) -> {
            }, first.get().resumeToken(), true);
            assertThat(first.get().streamKept()).isTrue();
            assertThat(next.continuedAt()).isEqualTo(bytesOf(rec, cut));
            Recordings.send(next, rec, cut, rec.chunks().size());
            next.close();
        });
        assertThat(recorder.stats().failed()).isZero();
        List<RecordingFile> list = files.list();
        assertThat(list).hasSize(1);
        RecordedFixturesTest.assertCompleteAndSeekable(dir, list.get(0), rec);
    }

    @Test
    void aKeptRecordingIsCompletedWhenNobodyContinuesTheStreamInTime() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = RelayHub.create(RelayConfig.builder().publisherResumeMillis(300).build())) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher p = Recordings.publish(hub, "cam", rec);
            Recordings.send(p, rec, 0, rec.chunks().size());
            p.connectionLost();
            assertThat(recorder.stats().recordings()).singleElement()
                    .satisfies(r -> assertThat(r.state()).isEqualTo(RecorderStats.State.RECORDING));
            // The hub's window (300 ms) and the recorder's second of slack, well within 10 s.
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (files.list().isEmpty() || files.list().get(0).recording()) {
                assertThat(System.nanoTime()).as("the file completed within 10 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            RecordedFixturesTest.assertCompleteAndSeekable(dir, files.list().get(0), rec);
            recorder.close();
        }
        assertThat(files.list()).hasSize(1);
    }

    @Test
    void aContinuationThatStartsANewStreamIsRecordedInAFileOfItsOwn() throws Exception {
        // Its recorder restarted after all: the hub ends the first stream and starts another, and so does the
        // recorder, with the first file completed up to where the first connection stopped.
        Recording rec = Recording.load("webm-vp8-opus");
        int half = rec.chunks().size() / 2;
        RecordingConfig rc = RecordingConfig.builder().dir(dir).build();
        RecordingFiles files = RecordingFiles.create(rc);
        Recorder recorder = Recordings.record(rc, files, hub -> {
            Publisher next = continuedAfterADrop(hub, rec, half);
            Recordings.send(next, rec, 0, rec.chunks().size());
            next.close();
        });
        assertThat(recorder.stats().failed()).isZero();
        List<RecordingFile> list = files.list();
        assertThat(list).hasSize(2).allSatisfy(f -> assertThat(f.recording()).isFalse());
        RecordingFile whole = list.stream().max(java.util.Comparator.comparingLong(RecordingFile::durationMillis))
                .orElseThrow();
        RecordedFixturesTest.assertCompleteAndSeekable(dir, whole, rec);
        RecordingFile part = list.get(list.get(0) == whole ? 1 : 0);
        Path raw = Files.write(Files.createTempFile(dir, "half", ".bin"),
                java.util.Arrays.copyOf(rec.bytes(), (int) bytesOf(rec, half)));
        assertThat(part.durationMillis() / 1000.0).as("the first file: the first connection's bytes")
                .isCloseTo(MediaTools.remuxedDuration(raw, "mkv"), within(0.3));
    }
}
