package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.RecordingSink.Received;
import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The byte view's {@code key} messages ({@code ?keys=1}) with every real recording: a viewer that asked is told
 * each key frame of the video track, with the presentation time ffprobe gives that frame (the time MediaSource
 * uses for it: no fixture has an edit list), right after the bytes that complete it; late joiners and viewers
 * resuming after a skip are told of the key frames in the bytes they get, from their start on; viewers that did
 * not ask get the same bytes and no key message.
 */
class ByteViewKeysTest {

    private final ManualClock clock = new ManualClock();

    static List<String> names() {
        return Recording.all();
    }

    @ParameterizedTest
    @MethodSource("names")
    void aViewerFromTheStartIsToldEveryVideoKeyFrameAtFfprobesTime(String name) throws Exception {
        Recording rec = Recording.load(name);
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            RecordingSink keys = new RecordingSink(true);
            RecordingSink plain = new RecordingSink(true);
            hub.openViewer("room", keys, ViewFormat.BYTES, ViewerPlays.UNREPORTED, true);
            hub.openViewer("room", plain);
            publish(hub, rec, rec.chunks().size());

            List<String> expected = ffprobeKeyMessages(rec);
            if (rec.mime().startsWith("audio/")) {
                assertThat(expected).as("audio only: every frame is a key frame, none told").isEmpty();
            } else {
                assertThat(expected).isNotEmpty();
            }
            assertThat(keyMessages(keys.received())).containsExactlyElementsOf(expected);
            // Each right after the bytes of the chunk that completes its frame (with that chunk's other key
            // messages: MP4 chunks hold several groups of pictures).
            List<Received> got = keys.received();
            for (int i = 0; i < got.size(); i++) {
                if (isKey(got.get(i))) {
                    int before = i - 1;
                    while (isKey(got.get(before))) {
                        before--;
                    }
                    assertThat(got.get(before).isText()).as("message before the key messages is media").isFalse();
                }
            }
            assertThat(plain.texts()).noneMatch(t -> t.contains("\"key\""));
            assertSameBytes(keys.bytesOfLastStream(), plain.bytesOfLastStream());
        }
    }

    /** A viewer joining after each chunk: told of the key frames of what it gets, from its start on. */
    @ParameterizedTest
    @MethodSource("names")
    void lateJoinersAreToldTheKeyFramesFromTheirStartOn(String name) throws Exception {
        Recording rec = Recording.load(name);
        List<ByteBuffer> chunks = writable(rec.chunks());
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            List<RecordingSink> joiners = new ArrayList<>();
            for (ByteBuffer c : chunks) {
                p.onData(c);
                RecordingSink v = new RecordingSink(true);
                hub.openViewer("room", v, ViewFormat.BYTES, ViewerPlays.UNREPORTED, true);
                joiners.add(v);
            }
            int told = 0;
            for (RecordingSink v : joiners) {
                List<String> keys = keyMessages(v.received());
                assertThat(keys).isEqualTo(keyMessagesIn(initAndMedia(v.received()), rec.mime()));
                told += keys.size();
            }
            if (!rec.mime().startsWith("audio/")) {
                assertThat(told).as("some late joiner was told of a key frame").isPositive();
            }
        }
    }

    /**
     * A slow viewer that skips: after each skip it is told of the key frames of the bytes it resumes with; before
     * a skip, of no key frame whose bytes it did not get (a key message is dropped with the media before it).
     */
    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus-long", "firefox-webm-vp8-opus"})
    void aViewerResumingAfterASkipIsToldTheKeyFramesFromItsResumptionOn(String name) throws Exception {
        Recording rec = Recording.load(name);
        RelayConfig config = RelayConfig.builder().maxQueueBytes(20_000).maxSkipsPerMinute(100).build();
        try (RelayHub hub = RelayHub.createForTest(config, clock::now)) {
            RecordingSink slow = new RecordingSink(false);
            hub.openViewer("room", slow, ViewFormat.BYTES, ViewerPlays.UNREPORTED, true);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            List<ByteBuffer> chunks = writable(rec.chunks());
            for (int i = 0; i < chunks.size(); i++) {
                p.onData(chunks.get(i));
                if (i % 20 == 19) {
                    slow.completeAll(); // takes a burst now and then: skips in between
                }
            }
            slow.completeAll();

            List<Received> got = slow.received();
            assertThat(got.get(1).text()).contains("\"type\":\"stream\""); // after waiting
            byte[] init = got.get(2).bytes(); // right after the stream message
            List<List<Received>> parts = splitAtSkips(got);
            assertThat(parts).as("the viewer skipped").hasSizeGreaterThan(1);
            for (int i = 0; i < parts.size(); i++) {
                List<Received> part = parts.get(i);
                byte[] bytes = i == 0 ? initAndMedia(part) : HubTestSupport.concat(init, media(part));
                List<String> inBytes = keyMessagesIn(bytes, rec.mime());
                List<String> keys = keyMessages(part);
                if (i == parts.size() - 1) {
                    assertThat(keys).as("after the last skip").isEqualTo(inBytes).isNotEmpty();
                } else {
                    assertThat(inBytes).as("part %d: only key frames it got", i).containsSubsequence(keys);
                }
            }
        }
    }

    @Test
    void aPassThroughStreamHasNoKeyMessages() throws Exception {
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            RecordingSink v = new RecordingSink(true);
            hub.openViewer("room", v, ViewFormat.BYTES, ViewerPlays.UNREPORTED, true);
            Publisher p = hub.openPublisher("room", "video/ogg", new RecordingPeer());
            for (int i = 0; i < 5; i++) {
                byte[] notParsed = ("OggS, not a container the relay parses " + i).getBytes(StandardCharsets.UTF_8);
                p.onData(ByteBuffer.wrap(notParsed));
            }
            assertThat(v.texts()).anyMatch(t -> t.contains("\"passthrough\":true"));
            assertThat(v.texts()).noneMatch(t -> t.contains("\"key\""));
        }
    }

    @Test
    void theKeysParameter() throws Exception {
        assertThat(ViewFormat.parseKeys(null)).isFalse();
        assertThat(ViewFormat.parseKeys("")).isFalse();
        assertThat(ViewFormat.parseKeys("0")).isFalse();
        assertThat(ViewFormat.parseKeys("1")).isTrue();
        assertThatThrownBy(() -> ViewFormat.parseKeys("yes"))
                .isInstanceOfSatisfying(RelayRefusal.class, r -> {
                    assertThat(r.closeCode()).isEqualTo(CloseCodes.POLICY_VIOLATION);
                    assertThat(r.getMessage()).isEqualTo("bad keys parameter \"yes\": use 1 or 0");
                });
    }

    @Test
    void keyTimesAreSecondsWithMillisecondPrecision() {
        assertThat(ControlMessages.key(0, 0).text).isEqualTo("{\"type\":\"key\",\"t\":0.000}");
        assertThat(ControlMessages.key(1_049_850, 0).text).isEqualTo("{\"type\":\"key\",\"t\":1.050}");
        assertThat(ControlMessages.key(12_345_678_901L, 0).text).isEqualTo("{\"type\":\"key\",\"t\":12345.679}");
        assertThat(ControlMessages.key(-2_500, 0).text).isEqualTo("{\"type\":\"key\",\"t\":-0.002}");
    }

    // ---- helpers --------------------------------------------------------------------------------------

    private void publish(RelayHub hub, Recording rec, int chunks) throws Exception {
        Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
        for (ByteBuffer c : writable(rec.chunks()).subList(0, chunks)) {
            p.onData(c);
        }
    }

    /** Writable copies, as the Jakarta layer hands them over (the relay repairs some in place). */
    private static List<ByteBuffer> writable(List<ByteBuffer> chunks) {
        return chunks.stream().map(c -> ByteBuffer.allocate(c.remaining()).put(c.duplicate()).flip()).toList();
    }

    private static boolean isKey(Received r) {
        return r.isText() && r.text().startsWith("{\"type\":\"key\"");
    }

    private static List<String> keyMessages(List<Received> received) {
        return received.stream().filter(ByteViewKeysTest::isKey).map(Received::text).toList();
    }

    /** The key messages for the video key frames of golden/NAME.frames (ffprobe's, by tools/ffprobe-frames). */
    private static List<String> ffprobeKeyMessages(Recording rec) throws Exception {
        int video = videoIndex(keyFramesIn(rec.bytes(), rec.mime()).info);
        List<String> out = new ArrayList<>();
        try (InputStream in = ByteViewKeysTest.class.getResourceAsStream("/golden/" + rec.name() + ".frames")) {
            assertThat(in).as("golden/%s.frames", rec.name()).isNotNull();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                String[] f = line.split(" "); // track index, pts in us, size, K or _, md5
                if (Integer.parseInt(f[0]) == video && f[3].equals("K")) {
                    out.add(keyMessage(Long.parseLong(f[1])));
                }
            }
        }
        return out;
    }

    /** Written here from the microseconds, independently of the relay's formatting. */
    private static String keyMessage(long micros) {
        BigDecimal seconds = BigDecimal.valueOf(micros, 6).setScale(3, RoundingMode.HALF_UP);
        return "{\"type\":\"key\",\"t\":" + seconds.toPlainString() + "}";
    }

    private static int videoIndex(StreamInfo info) {
        List<TrackInfo> tracks = info.tracks();
        for (int i = 0; i < tracks.size(); i++) {
            if (tracks.get(i).kind() == TrackInfo.Kind.VIDEO) {
                return i;
            }
        }
        return -1;
    }

    private record Found(StreamInfo info, List<MediaFrame> keys) {
    }

    /** The video key frames a segmenter finds in a viewer's bytes (init segment and media). */
    private static Found keyFramesIn(byte[] stream, String mime) throws MalformedStreamException {
        List<MediaFrame> frames = new ArrayList<>();
        StreamInfo[] info = {null};
        Segmenter s = Segmenter.create(mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo i) {
                info[0] = i;
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame frame) {
                frames.add(frame);
            }
        });
        s.feed(ByteBuffer.wrap(stream));
        if (info[0] == null) {
            return new Found(null, List.of()); // no media after the init segment (WebM's ends at the first Cluster)
        }
        int video = videoIndex(info[0]);
        int number = video < 0 ? -1 : info[0].tracks().get(video).number();
        return new Found(info[0], frames.stream().filter(f -> f.keyFrame() && f.trackNumber() == number).toList());
    }

    private static List<String> keyMessagesIn(byte[] stream, String mime) throws MalformedStreamException {
        return keyFramesIn(stream, mime).keys.stream().map(f -> keyMessage(f.timestampMicros())).toList();
    }

    /** Every binary message (the init segment and the media), concatenated. */
    private static byte[] initAndMedia(List<Received> received) {
        return media(received);
    }

    /** Every binary message, concatenated. */
    private static byte[] media(List<Received> received) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Received r : received) {
            if (!r.isText()) {
                out.writeBytes(r.bytes());
            }
        }
        return out.toByteArray();
    }

    /** The messages before the first skip, between skips, after the last. */
    private static List<List<Received>> splitAtSkips(List<Received> received) {
        List<List<Received>> parts = new ArrayList<>();
        List<Received> part = new ArrayList<>();
        for (Received r : received) {
            if (r.isText() && r.text().contains("\"type\":\"skip\"")) {
                parts.add(part);
                part = new ArrayList<>();
            } else {
                part.add(r);
            }
        }
        parts.add(part);
        return parts;
    }
}
