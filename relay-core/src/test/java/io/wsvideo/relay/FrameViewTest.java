package io.wsvideo.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The frame view ({@code format=frames}) with recording fake viewers and the real recordings: the wire format
 * against the segmenter's frames and the container's bytes, the start at a video key frame for late joiners
 * and viewers that skipped, the discontinuity flag, new streams, audio-only streams, pass-through streams.
 */
class FrameViewTest {

    private final ManualClock clock = new ManualClock();

    private RelayHub hub(RelayConfig config) {
        return RelayHub.createForTest(config, clock::now);
    }

    static List<String> names() {
        return Recording.all();
    }

    /** A frame as received: its header fields and payload. */
    record Wire(int track, boolean key, boolean discontinuity, long micros, byte[] payload) {
        /** The frame without the discontinuity flag, to compare with the stream's own. */
        Wire plain() {
            return new Wire(track, key, false, micros, payload);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Wire w && track == w.track && key == w.key && discontinuity == w.discontinuity
                    && micros == w.micros && Arrays.equals(payload, w.payload);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(micros) * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "track " + track + (key ? " key" : "") + (discontinuity ? " disc" : "") + " " + micros + " us "
                    + payload.length + " B";
        }
    }

    /** Parses one binary message: it must be whole frames, nothing more or less. */
    static List<Wire> parse(byte[] message) {
        ByteBuffer b = ByteBuffer.wrap(message);
        List<Wire> out = new ArrayList<>();
        while (b.hasRemaining()) {
            assertThat(b.remaining()).as("a frame header").isGreaterThanOrEqualTo(FrameView.HEADER_BYTES);
            int track = b.get() & 0xFF;
            int flags = b.get() & 0xFF;
            assertThat(flags & ~3).as("unknown flags").isZero();
            long micros = b.getLong();
            long length = b.getInt() & 0xFFFFFFFFL;
            assertThat(length).as("payload length").isLessThanOrEqualTo(b.remaining());
            byte[] payload = new byte[(int) length];
            b.get(payload);
            out.add(new Wire(track, (flags & 1) != 0, (flags & 2) != 0, micros, payload));
        }
        assertThat(out).as("a frame message is never empty").isNotEmpty();
        return out;
    }

    /** Every frame message a viewer got after its last {@code stream} message, in order. */
    static List<Wire> framesOfLastStream(RecordingSink sink) {
        List<Wire> out = new ArrayList<>();
        for (RecordingSink.Received r : sink.received()) {
            if (r.isText() && r.text().contains("\"type\":\"stream\"")) {
                out.clear();
            } else if (!r.isText()) {
                out.addAll(parse(r.bytes()));
            }
        }
        return out;
    }

    /** The stream's own frames (audio and video), with the chunk that completed each. */
    record Reference(List<TrackInfo> tracks, List<Wire> frames, List<Integer> chunkOf) {
        int videoTrack() {
            for (int i = 0; i < tracks.size(); i++) {
                if (tracks.get(i).kind() == TrackInfo.Kind.VIDEO) {
                    return i;
                }
            }
            return -1;
        }

        /** The frames a viewer starting at frame {@code s} gets: same-chunk audio not older, then all from s. */
        List<Wire> from(int s) {
            List<Wire> out = new ArrayList<>();
            for (int i = 0; i < frames.size(); i++) {
                Wire f = frames.get(i);
                boolean sameMomentAudio = i < s && chunkOf.get(i).equals(chunkOf.get(s))
                        && tracks.get(f.track()).kind() == TrackInfo.Kind.AUDIO && f.micros() >= frames.get(s).micros();
                if (i >= s || sameMomentAudio) {
                    out.add(f);
                }
            }
            return out;
        }
    }

    static Reference reference(Recording rec) throws MalformedStreamException {
        byte[] all = rec.bytes();
        List<Wire> frames = new ArrayList<>();
        List<Integer> chunkOf = new ArrayList<>();
        List<TrackInfo> tracks = new ArrayList<>();
        int[] chunk = {0};
        Segmenter s = Segmenter.create(rec.mime(), SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
                info.tracks().stream().filter(t -> t.kind() != TrackInfo.Kind.OTHER).forEach(tracks::add);
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame f) {
                int track = -1;
                for (int i = 0; i < tracks.size(); i++) {
                    if (tracks.get(i).number() == f.trackNumber()) {
                        track = i;
                    }
                }
                frames.add(new Wire(track, f.keyFrame(), false, f.timestampMicros(),
                        Arrays.copyOfRange(all, (int) f.offset(), (int) f.end())));
                chunkOf.add(chunk[0]);
            }
        });
        for (ByteBuffer c : rec.chunks()) {
            s.feed(c);
            chunk[0]++;
        }
        return new Reference(tracks, frames, chunkOf);
    }

    private static void publishAll(Publisher p, List<ByteBuffer> chunks) {
        for (ByteBuffer c : chunks) {
            p.onData(c);
        }
    }

    private static void assertOnlyFirstIsDiscontinuity(List<Wire> frames) {
        assertThat(frames).isNotEmpty();
        assertThat(frames.get(0).discontinuity()).as("first frame flagged").isTrue();
        assertThat(frames.subList(1, frames.size())).noneMatch(Wire::discontinuity);
    }

    private static List<Wire> plain(List<Wire> frames) {
        return frames.stream().map(Wire::plain).toList();
    }

    @ParameterizedTest
    @MethodSource("names")
    void aViewerFromTheStartGetsEveryFrameFromTheFirstVideoKeyFrameByteForByte(String name) throws Exception {
        Recording rec = Recording.load(name);
        Reference ref = reference(rec);
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink viewer = new RecordingSink(true);
            RecordingSink bytes = new RecordingSink(true);
            hub.openViewer("room", viewer, ViewFormat.FRAMES);
            hub.openViewer("room", bytes);
            publishAll(hub.openPublisher("room", rec.mime(), new RecordingPeer()), rec.chunks());

            int start = firstStart(ref);
            List<Wire> got = framesOfLastStream(viewer);
            assertOnlyFirstIsDiscontinuity(got);
            assertThat(plain(got)).containsExactlyElementsOf(ref.from(start));
            assertThat(viewer.texts()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                    .satisfies(t -> assertThat(t).contains("\"format\":\"frames\"", "\"playable\":true"));
            // At most one message per published chunk (the first may be a copy for the start), each whole.
            assertThat(viewer.received().stream().filter(r -> !r.isText()).count())
                    .isLessThanOrEqualTo(rec.chunks().size());
            HubTestSupport.assertSameBytes(bytes.bytesOfLastStream(), rec.bytes());
            assertThat(viewer.closeCode).isNull();
        }
    }

    /** The first start point: the first video key frame, or the first frame without video. */
    private static int firstStart(Reference ref) {
        int video = ref.videoTrack();
        for (int i = 0; i < ref.frames().size(); i++) {
            Wire f = ref.frames().get(i);
            if (video < 0 || f.track() == video && f.key()) {
                return i;
            }
        }
        throw new AssertionError("no start point");
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus-long", "mp4-h264-opus", "webkit-mp4-h264-aac", "mkv-h264-opus",
        "firefox-webm-vp8-opus"})
    void lateJoinersStartAtTheLastVideoKeyFrameAtAThousandRandomMoments(String name) throws Exception {
        Recording rec = Recording.load(name);
        Reference ref = reference(rec);
        List<ByteBuffer> chunks = rec.chunks();
        int video = ref.videoTrack();
        Random random = new Random(7);
        int trials = 1000;
        for (int trial = 0; trial < trials; trial++) {
            int joinAfter = 1 + random.nextInt(chunks.size() - 1);
            try (RelayHub hub = hub(RelayConfig.defaults())) {
                // Every other trial a frame viewer watches from the start, so the cache's messages exist when
                // the late joiner comes; otherwise they are made for it from the frames' chunks.
                if (trial % 2 == 1) {
                    hub.openViewer("room", new RecordingSink(true), ViewFormat.FRAMES);
                }
                Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                publishAll(p, rec.chunks().subList(0, joinAfter));
                RecordingSink late = new RecordingSink(true);
                hub.openViewer("room", late, ViewFormat.FRAMES);
                publishAll(p, rec.chunks().subList(joinAfter, chunks.size()));

                // The last video key frame completed before the join, else the next one.
                int start = -1;
                for (int i = 0; i < ref.frames().size(); i++) {
                    Wire f = ref.frames().get(i);
                    if (f.track() == video && f.key()) {
                        if (ref.chunkOf().get(i) < joinAfter) {
                            start = i;
                        } else {
                            start = start < 0 ? i : start;
                            break;
                        }
                    }
                }
                List<Wire> got = framesOfLastStream(late);
                assertOnlyFirstIsDiscontinuity(got);
                assertThat(plain(got)).as("trial %d, joined after chunk %d", trial, joinAfter)
                        .containsExactlyElementsOf(ref.from(start));
                Wire firstVideo = got.stream().filter(f -> f.track() == video).findFirst().orElseThrow();
                assertThat(firstVideo.key()).isTrue();
            }
        }
    }

    @Test
    void aViewerThatFallsBehindSkipsToTheNextVideoKeyFrameAndIsTold() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        Reference ref = reference(rec);
        RelayConfig config = RelayConfig.builder().maxQueueBytes(20_000).maxSkipsPerMinute(100).build();
        try (RelayHub hub = hub(config)) {
            RecordingSink fast = new RecordingSink(true);
            RecordingSink slow = new RecordingSink(false);
            hub.openViewer("room", fast, ViewFormat.FRAMES);
            hub.openViewer("room", slow, ViewFormat.FRAMES);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            List<ByteBuffer> chunks = rec.chunks();
            int half = chunks.size() / 2;
            publishAll(p, chunks.subList(0, half));
            assertThat(hub.stats().channel("room").skips()).isGreaterThan(0);
            slow.completeAll();
            publishAll(p, chunks.subList(half, chunks.size()));
            slow.completeAll();

            assertThat(plain(framesOfLastStream(fast))).containsExactlyElementsOf(ref.from(firstStart(ref)));
            // After the skip notice: a video key frame (or audio of its moment) flagged, then every frame.
            List<RecordingSink.Received> rs = slow.received();
            int skip = -1;
            for (int i = 0; i < rs.size(); i++) {
                if (rs.get(i).isText() && rs.get(i).text().contains("\"type\":\"skip\"")) {
                    skip = i;
                }
            }
            assertThat(skip).isPositive();
            List<Wire> after = new ArrayList<>();
            for (RecordingSink.Received r : rs.subList(skip + 1, rs.size())) {
                after.addAll(parse(r.bytes()));
            }
            assertOnlyFirstIsDiscontinuity(after);
            int video = ref.videoTrack();
            Wire firstVideo = after.stream().filter(f -> f.track() == video).findFirst().orElseThrow();
            int start = ref.frames().indexOf(firstVideo.plain());
            assertThat(firstVideo.key()).isTrue();
            assertThat(plain(after)).containsExactlyElementsOf(ref.from(start));
            assertThat(slow.closeCode).isNull();
        }
    }

    @Test
    void aNewStreamIsAnnouncedAndItsFirstFrameIsADiscontinuity() throws Exception {
        Recording first = Recording.load("webm-vp8-opus");
        Recording second = Recording.load("mp4-h264-opus");
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer, ViewFormat.FRAMES);
            Publisher p = hub.openPublisher("room", first.mime(), new RecordingPeer());
            publishAll(p, first.chunks().subList(0, 10));
            p.close();
            publishAll(hub.openPublisher("room", second.mime(), new RecordingPeer()), second.chunks());

            List<String> texts = viewer.texts();
            assertThat(texts).filteredOn(t -> t.contains("\"type\":\"stream\"")).hasSize(2);
            assertThat(texts).anyMatch(t -> t.contains("\"type\":\"ended\""));
            String stream = texts.get(texts.size() - 1);
            assertThat(stream).contains("\"format\":\"frames\"", "\"container\":\"mp4\"",
                    "{\"number\":1,\"kind\":\"audio\",\"codec\":\"opus\",\"sampleRate\":48000,\"numberOfChannels\":1,"
                            + "\"description\":\"T3B1c0hlYWQBAQAPgLsAAAAAAA==\"}",
                    "{\"number\":2,\"kind\":\"video\",\"codec\":\"avc1.42C015\",\"width\":320,\"height\":240,"
                            + "\"description\":\"AULAFf/hABFnQsAVjI1AoPk1BgYGB4RCNQEABGjOPIA=\"}");
            Reference ref = reference(second);
            List<Wire> got = framesOfLastStream(viewer);
            assertOnlyFirstIsDiscontinuity(got);
            assertThat(plain(got)).containsExactlyElementsOf(ref.from(firstStart(ref)));
        }
    }

    @Test
    void codecStringsMissingFromTheInitSegmentComeFromTheFirstKeyFrame() throws Exception {
        for (String[] c : new String[][] {{"mkv-h264-opus", "avc1.42C015"}, {"webm-vp9-opus", "vp09.00.20.08"}}) {
            Recording rec = Recording.load(c[0]);
            try (RelayHub hub = hub(RelayConfig.defaults())) {
                RecordingSink early = new RecordingSink(true);
                hub.openViewer("room", early, ViewFormat.FRAMES);
                Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
                publishAll(p, rec.chunks().subList(0, 5));
                RecordingSink late = new RecordingSink(true);
                hub.openViewer("room", late, ViewFormat.FRAMES);
                for (RecordingSink v : List.of(early, late)) {
                    assertThat(v.texts()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                            .satisfies(t -> assertThat(t).contains("\"codec\":\"" + c[1] + "\"", "\"playable\":true"));
                }
            }
        }
    }

    @Test
    void anAudioOnlyStreamStartsAtTheNextAudioFrame() throws Exception {
        Recording rec = Recording.load("webm-opus-audio");
        Reference ref = reference(rec);
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            int joinAfter = 10;
            publishAll(p, rec.chunks().subList(0, joinAfter));
            RecordingSink late = new RecordingSink(true);
            hub.openViewer("room", late, ViewFormat.FRAMES);
            assertThat(late.received().stream().filter(r -> !r.isText())).as("nothing cached for audio").isEmpty();
            publishAll(p, rec.chunks().subList(joinAfter, rec.chunks().size()));

            int start = ref.chunkOf().indexOf(joinAfter);
            List<Wire> got = framesOfLastStream(late);
            assertOnlyFirstIsDiscontinuity(got);
            assertThat(plain(got)).containsExactlyElementsOf(ref.frames().subList(start, ref.frames().size()));
            assertThat(late.texts()).anyMatch(t -> t.contains("\"tracks\":[{\"number\":1,\"kind\":\"audio\""));
        }
    }

    @Test
    void framesOfAStreamThatCannotBeFramedAreRefusedWithAClearClose() throws Exception {
        byte[] unknown = new byte[4000];
        new Random(3).nextBytes(unknown);
        unknown[0] = 'X';
        try (RelayHub hub = hub(RelayConfig.defaults())) {
            RecordingSink early = new RecordingSink(true);
            RecordingSink bytes = new RecordingSink(true);
            hub.openViewer("room", early, ViewFormat.FRAMES);
            hub.openViewer("room", bytes);
            Publisher p = hub.openPublisher("room", "video/x-unknown", new RecordingPeer());
            p.onData(ByteBuffer.wrap(unknown, 0, 1000));
            RecordingSink late = new RecordingSink(true);
            hub.openViewer("room", late, ViewFormat.FRAMES);
            p.onData(ByteBuffer.wrap(unknown, 1000, 3000));

            for (RecordingSink v : List.of(early, late)) {
                assertThat(v.closeCode).isEqualTo(CloseCodes.FRAMES_UNSUPPORTED).isEqualTo(1003);
                assertThat(v.closeReason).contains("frames", "format=bytes");
                assertThat(v.received().stream().filter(r -> !r.isText())).isEmpty();
            }
            assertThat(bytes.closeCode).isNull();
            HubTestSupport.assertSameBytes(bytes.bytesOfLastStream(), unknown);
            assertThat(hub.viewerCount("room")).isEqualTo(1);
        }
    }

    @Test
    void theFormatParameterIsBytesFramesOrRefused() throws Exception {
        assertThat(ViewFormat.parse(null)).isEqualTo(ViewFormat.BYTES);
        assertThat(ViewFormat.parse("")).isEqualTo(ViewFormat.BYTES);
        assertThat(ViewFormat.parse("bytes")).isEqualTo(ViewFormat.BYTES);
        assertThat(ViewFormat.parse("FRAMES")).isEqualTo(ViewFormat.FRAMES);
        assertThatThrownBy(() -> ViewFormat.parse("pixels\u00e9" + "x".repeat(100)))
                .isInstanceOfSatisfying(RelayRefusal.class, e -> {
                    assertThat(e.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                    assertThat(e.getMessage()).startsWith("unknown format \"pixels?").endsWith("use bytes or frames")
                            .matches("[\\x20-\\x7E]{1,123}");
                });
    }
}
