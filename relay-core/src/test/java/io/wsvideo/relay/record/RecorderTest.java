package io.wsvideo.relay.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The recorder on a real hub with real recordings: which streams it records, into which files, and its failures. */
class RecorderTest {

    private static final Recording VP8 = Recording.load("webm-vp8-opus");
    private static final Recording LONG = Recording.load("webm-vp8-opus-long");

    @TempDir
    Path dir;

    private RecordingConfig.Builder config() {
        return RecordingConfig.builder().dir(dir);
    }

    @Test
    void everyByteAndEveryEventReachesTheSinkEvenWhenViewersSkip() throws Exception {
        List<Long> segments = Collections.synchronizedList(new ArrayList<>());
        List<Long> keyframes = Collections.synchronizedList(new ArrayList<>());
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long[] initEnd = {-1};
        String[] ended = {null};
        RecordingSink sink = start -> new RecordingSink.Stream() {
            @Override
            public void data(long offset, ByteBuffer bytes) {
                assertThat(offset).isEqualTo(got.size());
                byte[] b = new byte[bytes.remaining()];
                bytes.get(b);
                got.write(b, 0, b.length);
            }

            @Override
            public void initSegment(long endOffset, StreamInfo info) {
                assertThat(endOffset).isLessThanOrEqualTo(got.size());
                initEnd[0] = endOffset;
            }

            @Override
            public void segmentStart(long offset, long timestampMillis) {
                assertThat(offset).isLessThan(got.size()).isGreaterThanOrEqualTo(initEnd[0]);
                segments.add(offset);
            }

            @Override
            public void randomAccessPoint(long segmentOffset) {
                keyframes.add(segmentOffset);
            }

            @Override
            public void end(String reason, Exception failure) {
                ended[0] = reason + (failure == null ? "" : " " + failure);
            }
        };
        // A tiny viewer queue: a viewer that never completes its sends is skipped ahead, the recording never is.
        RelayConfig small = RelayConfig.builder().maxQueueBytes(4000).build();
        try (RelayHub hub = RelayHub.create(small)) {
            Recorder recorder = Recorder.start(hub, config().build(), sink);
            hub.openViewer("cam", new StalledViewer());
            Publisher p = Recordings.publish(hub, "cam", LONG);
            Recordings.send(p, LONG, 0, LONG.chunks().size());
            p.close();
            recorder.close();
            assertThat(recorder.stats().bytesRecorded()).isEqualTo(LONG.bytes().length);
            assertThat(recorder.stats().failed()).isZero();
        }
        assertThat(got.toByteArray()).isEqualTo(Recording.asRelayed(LONG.bytes()));
        assertThat(initEnd[0]).isEqualTo(188);
        assertThat(segments).hasSize(92).isSorted();
        assertThat(keyframes).hasSize(10);
        assertThat(segments).containsAll(keyframes);
        assertThat(ended[0]).isEqualTo("publisher left");
    }

    @Test
    void aPublisherRestartAndACodecChangeEachStartANewFile() throws Exception {
        RecordingConfig rc = config().build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            for (Recording r : List.of(VP8, VP8, Recording.load("webm-vp9-opus"))) {
                Publisher p = Recordings.publish(hub, "cam", r);
                Recordings.send(p, r, 0, r.chunks().size());
                p.close();
            }
            recorder.close();
        }
        List<RecordingFile> list = files.list();
        assertThat(list).hasSize(3).allSatisfy(f -> {
            assertThat(f.channel()).isEqualTo("cam");
            assertThat(f.durationMillis()).isBetween(3800L, 4200L);
        });
        // Newest first. Three short streams sent back to back can start within the same clock tick, so the
        // order among equal starts is not asserted, only that the list is sorted and holds the three files.
        assertThat(list).extracting(RecordingFile::codecs).containsExactlyInAnyOrder("vp9,opus", "vp8,opus", "vp8,opus");
        assertThat(list).extracting(RecordingFile::start).isSortedAccordingTo(java.util.Comparator.reverseOrder());
        assertThat(list).extracting(RecordingFile::name).doesNotHaveDuplicates();
    }

    @Test
    void readOnlyChunksAreRecordedWithAlphaModeClearedAsWritableOnesAre() throws Exception {
        // An embedder may hand the hub read-only buffers (Recording.chunks() are). The hub clears Chromium's
        // AlphaMode=1 in place only in writable ones (its viewers here get 1); the file gets 0 either way.
        RecordingConfig rc = config().build();
        RecordingFiles files = RecordingFiles.create(rc);
        Recordings.record(rc, files, hub -> {
            Publisher p = Recordings.publish(hub, "cam", VP8);
            for (ByteBuffer c : VP8.chunks()) {
                assertThat(c.isReadOnly()).isTrue();
                p.onData(c);
            }
            p.close();
        });
        assertThat(alphaModes(VP8.bytes())).as("as Chromium wrote it").containsExactly(1);
        byte[] file = Files.readAllBytes(dir.resolve(files.list().get(0).name()));
        assertThat(alphaModes(file)).as("the recording").containsExactly(0);
    }

    /** The values of the one-byte AlphaMode elements (ID 0x53C0) before the first Cluster. */
    private static List<Integer> alphaModes(byte[] b) {
        List<Integer> values = new ArrayList<>();
        for (int i = 0; i + 3 < b.length; i++) {
            if ((b[i] & 0xFF) == 0x1F && (b[i + 1] & 0xFF) == 0x43 && (b[i + 2] & 0xFF) == 0xB6
                    && (b[i + 3] & 0xFF) == 0x75) {
                break;
            }
            if ((b[i] & 0xFF) == 0x53 && (b[i + 1] & 0xFF) == 0xC0 && (b[i + 2] & 0xFF) == 0x81) {
                values.add(b[i + 3] & 0xFF);
            }
        }
        return values;
    }

    @Test
    void filesRotateAtTheFirstKeyframePastMaxSeconds() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe");
        List<RecordingFile> list = record(config().maxSeconds(2).build(), LONG);
        assertThat(list).hasSize(5);
        double total = 0;
        for (RecordingFile f : list) {
            Path file = dir.resolve(f.name());
            double d = MediaTools.duration(file);
            assertThat(d).as(f.name()).isBetween(1.0, 3.1);
            assertThat(MediaTools.decodeErrors(file)).as(f.name()).isEmpty();
            total += d;
        }
        assertThat(total).isCloseTo(10.0, within(0.3));
    }

    @Test
    void filesRotateAtTheFirstKeyframePastMaxBytes() throws Exception {
        List<RecordingFile> list = record(config().maxBytes(60_000).build(), LONG);
        assertThat(list.size()).isBetween(3, 6);
        // Past the limit only by what comes before the next keyframe (about a second here, 25 kB at most).
        assertThat(list).allSatisfy(f -> assertThat(f.bytes()).isLessThan(60_000 + 30_000));
        assertThat(list.stream().mapToLong(RecordingFile::durationMillis).sum()).isBetween(9_700L, 10_300L);
    }

    @Test
    void retentionDeletesTheOldestFilesPastTheTotalSize() throws Exception {
        RecordingConfig rc = config().retentionBytes(250_000).build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            for (String channel : List.of("a", "b", "c")) {
                Publisher p = Recordings.publish(hub, channel, VP8);
                Recordings.send(p, VP8, 0, VP8.chunks().size());
                p.close();
                assertThat(recorder.awaitIdle(10_000)).isTrue();
            }
            recorder.close();
        }
        assertThat(files.list()).extracting(RecordingFile::channel).containsExactly("c", "b");
        assertThat(files.list().stream().mapToLong(RecordingFile::bytes).sum()).isLessThanOrEqualTo(250_000);
    }

    @Test
    void retentionDeletesFilesOlderThanTheAgeLimit() throws Exception {
        record(config().build(), VP8);
        Path old = single(dir);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(3))));
        RecordingFiles files = RecordingFiles.create(config().retentionSeconds(7200).build(),
                FileTarget.CREATE_NEW, Clock.systemUTC());
        assertThat(old).doesNotExist();
        assertThat(files.list()).isEmpty();
    }

    @Test
    void theAgeLimitIsAppliedOnATimerWhileNothingRecords() throws Exception {
        record(config().build(), VP8);
        Path file = single(dir);
        try (RecordingFiles files = RecordingFiles.create(config().retentionSeconds(10).build())) {
            assertThat(file).exists(); // written just now: younger than 10 s
            Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofMinutes(1))));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (Files.exists(file) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(file).as("deleted by the timer (every second for a 10 s limit)").doesNotExist();
            assertThat(files.list()).isEmpty();
        }
    }

    @Test
    void aFullDiskAtRotationStopsTheRecordingNotTheChannel() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe");
        AtomicInteger opened = new AtomicInteger();
        FileTarget.Opener firstThenFull = p -> opened.incrementAndGet() == 1 ? FileTarget.CREATE_NEW.open(p)
                : FullDisk.DEV_FULL.open(p);
        RecordingConfig rc = config().maxSeconds(2).build();
        RecordingFiles files = RecordingFiles.create(rc, firstThenFull, Clock.systemUTC());
        CollectingViewer viewer = new CollectingViewer();
        RecorderStats stats;
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            hub.openViewer("cam", viewer);
            Publisher p = Recordings.publish(hub, "cam", LONG);
            Recordings.send(p, LONG, 0, LONG.chunks().size());
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            stats = recorder.stats();
            assertThat(hub.stats().channel("cam").live()).isTrue();
            p.close();
            recorder.close();
        }
        assertThat(viewer.media()).isEqualTo(Recording.asRelayed(LONG.bytes()));
        assertThat(stats.failed()).isEqualTo(1);
        assertThat(stats.recordings()).singleElement().satisfies(r -> {
            assertThat(r.state()).isEqualTo(RecorderStats.State.FAILED);
            assertThat(r.reason()).contains("No space left on device");
        });
        // The file written before the disk filled up is whole: completed, seekable, clean.
        RecordingFile first = files.list().get(0);
        assertThat(files.list()).hasSize(1);
        assertThat(first.durationMillis()).isBetween(1900L, 2200L);
        assertThat(MediaTools.decodeErrors(dir.resolve(first.name()))).isEmpty();
    }

    @Test
    void aDiskFillingUpMidFileLeavesAFileThatPlaysToItsLastWholeCluster() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe");
        RecordingConfig rc = config().build();
        RecordingFiles files = RecordingFiles.create(rc, FullDisk.after(60_000), Clock.systemUTC());
        CollectingViewer viewer = new CollectingViewer();
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            hub.openViewer("cam", viewer);
            Publisher p = Recordings.publish(hub, "cam", VP8);
            Recordings.send(p, VP8, 0, VP8.chunks().size());
            p.close();
            recorder.close();
            assertThat(recorder.stats().failed()).isEqualTo(1);
            assertThat(recorder.stats().recordings().get(0).reason()).contains("No space left on device");
        }
        assertThat(viewer.media()).isEqualTo(Recording.asRelayed(VP8.bytes()));
        Path file = single(dir);
        assertThat(Files.size(file)).isLessThanOrEqualTo(60_000);
        assertThat(MediaTools.decodeErrors(file)).isEmpty();
        double played = lastFrameTime(file);
        assertThat(played).isBetween(1.0, 3.0);
    }

    @Test
    void theDirectoryRemovedMidRecordingStopsTheRecordingAtTheNextFile() throws Exception {
        RecordingConfig rc = config().maxSeconds(2).build();
        RecordingFiles files = RecordingFiles.create(rc);
        CollectingViewer viewer = new CollectingViewer();
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            hub.openViewer("cam", viewer);
            Publisher p = Recordings.publish(hub, "cam", LONG);
            int n = LONG.chunks().size();
            Recordings.send(p, LONG, 0, n / 10);
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            deleteTree(dir);
            Recordings.send(p, LONG, n / 10, n);
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            RecorderStats stats = recorder.stats();
            assertThat(stats.failed()).isEqualTo(1);
            assertThat(stats.recordings().get(0).reason()).contains("NoSuchFileException");
            p.close();
            recorder.close();
        }
        assertThat(viewer.media()).isEqualTo(Recording.asRelayed(LONG.bytes()));
    }

    @Test
    void aSinkThatBlocksOverflowsTheQueueAndNeverSlowsThePublisher() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<String> ends = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch writing = new CountDownLatch(1);
        RecordingSink stuck = start -> new RecordingSink.Stream() {
            @Override
            public void data(long offset, ByteBuffer bytes) throws IOException {
                writing.countDown();
                try {
                    release.await(); // a disk that hangs
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }

            @Override
            public void initSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void segmentStart(long offset, long timestampMillis) {
            }

            @Override
            public void randomAccessPoint(long segmentOffset) {
            }

            @Override
            public void end(String reason, Exception failure) {
                ends.add(reason + ": " + failure);
            }
        };
        CollectingViewer viewer = new CollectingViewer();
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, config().queueBytes(30_000).build(), stuck);
            hub.openViewer("cam", viewer);
            Publisher p = Recordings.publish(hub, "cam", VP8);
            Recordings.send(p, VP8, 0, 1);
            assertThat(writing.await(10, TimeUnit.SECONDS)).as("the writer took the first chunk").isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Recordings.send(p, VP8, 1, VP8.chunks().size()));
            RecorderStats stats = recorder.stats();
            assertThat(stats.queueOverflows()).isEqualTo(1);
            assertThat(stats.recordings()).singleElement().satisfies(r -> {
                assertThat(r.state()).isEqualTo(RecorderStats.State.FAILED);
                assertThat(r.reason()).startsWith("queue overflow");
                assertThat(r.queuedBytes()).isZero();
            });
            assertThat(stats.toJson()).contains("\"state\":\"FAILED\"", "\"queueOverflows\":1");
            release.countDown();
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            p.close();
            recorder.close();
        }
        assertThat(viewer.media()).isEqualTo(Recording.asRelayed(VP8.bytes()));
        assertThat(ends).singleElement().asString().startsWith("failed: java.io.IOException: queue overflow");
    }

    @Test
    void onRequestOnlyPublishersThatAskAndMayAreRecorded() throws Exception {
        RecordingConfig rc = config().onRequest(true).channels("news-.*")
                .requestAuthorizer((channel, token, address) -> "rec-ok".equals(token)).build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher silent = Recordings.publish(hub, "news-1", VP8);
            Publisher asks = Recordings.publish(hub, "news-2", VP8);
            Publisher wrongToken = Recordings.publish(hub, "news-3", VP8);
            Publisher otherChannel = Recordings.publish(hub, "sports", VP8);
            assertThat(recorder.request(asks, "rec-ok", "127.0.0.1")).isTrue();
            assertThat(recorder.request(wrongToken, "nope", "127.0.0.1")).isFalse();
            assertThat(recorder.request(otherChannel, "rec-ok", "127.0.0.1")).isFalse();
            for (Publisher p : List.of(silent, asks, wrongToken, otherChannel)) {
                Recordings.send(p, VP8, 0, VP8.chunks().size());
                p.close();
            }
            recorder.close();
        }
        assertThat(files.list()).extracting(RecordingFile::channel).containsExactly("news-2");
    }

    @Test
    void aRequestMidStreamStartsAtTheLastKeyframe() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe");
        RecordingConfig rc = config().onRequest(true).build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher p = Recordings.publish(hub, "cam", LONG);
            int n = LONG.chunks().size();
            Recordings.send(p, LONG, 0, n / 2);
            assertThat(recorder.request(p, null, null)).isTrue();
            Recordings.send(p, LONG, n / 2, n);
            p.close();
            recorder.close();
        }
        RecordingFile f = files.list().get(0);
        assertThat(files.list()).hasSize(1);
        Path file = dir.resolve(f.name());
        // Half of ten seconds, plus back to the keyframe before (keyframes every ~1 s).
        assertThat(MediaTools.duration(file)).isBetween(4.5, 6.2);
        assertThat(MediaTools.decodeErrors(file)).isEmpty();
        assertThat(MediaTools.seekAndDecode(file, 0)).isCloseTo(0, within(0.1));
    }

    @Test
    void aRecorderStartedWhileAChannelIsLiveRecordsFromItsLastKeyframe() throws Exception {
        RecordingConfig rc = config().build();
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Publisher p = Recordings.publish(hub, "cam", LONG);
            int n = LONG.chunks().size();
            Recordings.send(p, LONG, 0, n / 2);
            Recorder recorder = Recorder.start(hub, rc, files);
            Recordings.send(p, LONG, n / 2, n);
            p.close();
            recorder.close();
        }
        assertThat(files.list()).singleElement()
                .satisfies(f -> assertThat(f.durationMillis()).isBetween(4_500L, 6_200L));
    }

    @Test
    void aPublisherThatSendsNothingLeavesNoFile() throws Exception {
        try (RelayHub hub = Recordings.hub()) {
            RecordingConfig rc = config().build();
            Recorder recorder = Recorder.start(hub, rc, RecordingFiles.create(rc));
            Recordings.publish(hub, "cam", VP8).close();
            Publisher p = Recordings.publish(hub, "cam", VP8);
            Recordings.send(p, VP8, 0, 1); // one byte: the init segment never completes
            p.close();
            recorder.close();
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void aFileNeverCompletedPlaysUpToItsLastCluster() throws Exception {
        MediaTools.require("ffmpeg", "ffprobe", "mkvinfo");
        RecordingConfig rc = config().build();
        RecordingFiles files = RecordingFiles.create(rc);
        Path snapshot = Files.createTempFile("killed", ".webm");
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher p = Recordings.publish(hub, "cam", LONG);
            int n = LONG.chunks().size();
            Recordings.send(p, LONG, 0, n / 2);
            assertThat(recorder.awaitIdle(10_000)).isTrue();
            RecordingFile live = files.list().get(0);
            assertThat(live.recording()).isTrue();
            assertThat(live.durationMillis()).isBetween(4_000L, 5_100L);
            // What a process killed now leaves on disk.
            Files.copy(dir.resolve(live.name()), snapshot, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Recordings.send(p, LONG, n / 2, n);
            p.close();
            recorder.close();
        }
        try {
            assertThat(MediaTools.decodeErrors(snapshot)).isEmpty();
            assertThat(lastFrameTime(snapshot)).isBetween(4.0, 5.1);
            assertThat(MediaTools.run("mkvinfo", "-a", snapshot.toString()).out()).doesNotContain("Cue point");
        } finally {
            Files.deleteIfExists(snapshot);
        }
    }

    // ---------------------------------------------------------------------------------------------------

    private List<RecordingFile> record(RecordingConfig rc, Recording rec) throws Exception {
        RecordingFiles files = RecordingFiles.create(rc);
        try (RelayHub hub = Recordings.hub()) {
            Recorder recorder = Recorder.start(hub, rc, files);
            Publisher p = Recordings.publish(hub, "cam", rec);
            Recordings.send(p, rec, 0, rec.chunks().size());
            p.close();
            recorder.close();
        }
        List<RecordingFile> list = new ArrayList<>(files.list());
        list.sort(Comparator.comparing(RecordingFile::name));
        return list;
    }

    private static Path single(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            assertThat(all).hasSize(1);
            return all.get(0);
        }
    }

    /** The timestamp of the last packet ffprobe reads, in seconds: how far the file plays. */
    static double lastFrameTime(Path file) throws Exception {
        MediaTools.Result r = MediaTools.run("ffprobe", "-v", "error", "-show_entries", "packet=pts_time", "-of",
                "csv=p=0", file.toString());
        double last = 0;
        for (String line : r.out().split("\n")) {
            if (!line.isBlank() && !line.strip().equals("N/A")) {
                last = Math.max(last, Double.parseDouble(line.strip().replace(",", "")));
            }
        }
        return last;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** A viewer whose sends never complete: the hub skips it ahead, then evicts it. */
    private static final class StalledViewer implements io.wsvideo.relay.ViewerSink {
        @Override
        public void sendBinary(ByteBuffer data, io.wsvideo.relay.SendCallback callback) {
        }

        @Override
        public void sendText(String text, io.wsvideo.relay.SendCallback callback) {
        }

        @Override
        public void close(int code, String reason) {
        }
    }

}
