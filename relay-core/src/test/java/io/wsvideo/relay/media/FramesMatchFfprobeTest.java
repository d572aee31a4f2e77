package io.wsvideo.relay.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every frame of every real recording, as the segmenter reports it, against what ffprobe (FFmpeg's demuxers)
 * finds in the same file: per track, the same frames in the same order, with the same presentation time,
 * size, key flag and payload MD5. The MD5 here is computed over the bytes at the frame's reported offset, so
 * equal hashes mean the payload the relay would send is the container's, byte for byte. The expected lines
 * are {@code golden/NAME.frames}, written by {@code tools/ffprobe-frames/frames.py}.
 */
class FramesMatchFfprobeTest {

    /**
     * Firefox writes Opus with a Matroska {@code CodecDelay} of 6.5 ms. FFmpeg subtracts it from the track's
     * timestamps, rounded to the track's 1 ms time base (7 ms); the relay reports the block's own timestamp,
     * the one an MSE player gets from the same bytes. Per fixture, the ffprobe stream index with such a delay.
     */
    private static final Map<String, Integer> OPUS_CODEC_DELAY_TRACK = Map.of(
            "firefox-webm-vp8-opus", 1,
            "firefox-webm-opus-audio", 0);
    private static final long FFMPEG_CODEC_DELAY_MICROS = 7000;

    static List<String> names() {
        return Recording.all();
    }

    @ParameterizedTest
    @MethodSource("names")
    void everyFrameMatchesFfprobe(String name) throws Exception {
        Recording r = Recording.load(name);
        byte[] bytes = r.bytes();
        Collected c = collect(r);
        List<TrackInfo> tracks = c.info.tracks();

        List<String> actual = new ArrayList<>();
        for (MediaFrame f : c.frames) {
            assertThat(f.offset()).as("frame after the init segment").isGreaterThanOrEqualTo(c.initEnd);
            assertThat(f.end()).as("frame inside the stream").isLessThanOrEqualTo(bytes.length);
            int index = indexOf(tracks, f.trackNumber());
            long micros = f.timestampMicros();
            if (OPUS_CODEC_DELAY_TRACK.getOrDefault(name, -1) == index) {
                micros -= FFMPEG_CODEC_DELAY_MICROS;
            }
            actual.add(index + " " + micros + " " + f.length() + " " + (f.keyFrame() ? "K" : "_") + " "
                    + md5(bytes, f.offset(), f.length()));
        }
        List<String> expected = golden(name);

        // ffprobe interleaves MP4 tracks by time; within a track both are in decode order.
        assertThat(byTrack(actual)).isEqualTo(byTrack(expected));
        if (c.info.container() == StreamInfo.Container.WEBM) {
            // WebM frames come in stream order, which is also FFmpeg's order for Matroska.
            assertThat(actual).containsExactlyElementsOf(expected);
        }
    }

    /** One byte at a time, framesFrom() never passes the start of a frame still to be reported. */
    @ParameterizedTest
    @MethodSource("names")
    void framesFromHoldsByteByByte(String name) throws Exception {
        Recording r = Recording.load(name);
        byte[] all = r.bytes();
        List<ByteBuffer> bytes = new ArrayList<>(all.length);
        for (int i = 0; i < all.length; i++) {
            bytes.add(ByteBuffer.wrap(all, i, 1));
        }
        assertThat(collect(r, bytes).frames).hasSameSizeAs(collect(r).frames);
    }

    @ParameterizedTest
    @CsvSource({
        "webm-vp8-opus, vp8",
        "webm-vp8-video, vp8",
        "webm-vp9-opus, vp09.00.20.08",
        "webm-av1-opus, av01.0.09M.08",
        "mkv-h264-opus, avc1.42C015",
        "mp4-h264-opus, avc1.42C015",
        "firefox-webm-vp8-opus, vp8",
    })
    void videoCodecStringIsKnownByTheFirstKeyFrame(String name, String codec) throws Exception {
        Recording r = Recording.load(name);
        Collected c = collect(r);
        TrackInfo video = c.info.tracks().stream().filter(t -> t.kind() == TrackInfo.Kind.VIDEO).findFirst()
                .orElseThrow();
        MediaFrame key = c.frames.stream().filter(f -> f.trackNumber() == video.number() && f.keyFrame())
                .findFirst().orElseThrow();
        TrackInfo learned = video.withKeyFrame(ByteBuffer.wrap(r.bytes(), (int) key.offset(), key.length()));
        assertThat(learned.codec()).isEqualTo(codec);
        assertThat(learned.codecNeedsKeyFrame()).isFalse();
        // Nothing else changes, and a track that knew its codec keeps it.
        assertThat(learned.number()).isEqualTo(video.number());
        assertThat(learned.mseCodec()).isEqualTo(video.mseCodec());
        if (video.codec() != null) {
            assertThat(learned).isSameAs(video);
        }
    }

    private record Collected(StreamInfo info, long initEnd, List<MediaFrame> frames) {
    }

    /** Feeds the recording chunk by chunk, as it was published. */
    private static Collected collect(Recording r) throws MalformedStreamException {
        return collect(r, r.chunks());
    }

    /** Feeds the recording in these chunks. */
    private static Collected collect(Recording r, List<ByteBuffer> chunks) throws MalformedStreamException {
        List<MediaFrame> frames = new ArrayList<>();
        StreamInfo[] info = {null};
        long[] initEnd = {-1};
        long[] fed = {0};
        long[] floor = {0};
        Segmenter s = Segmenter.create(r.mime(), SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo i) {
                info[0] = i;
                initEnd[0] = endOffset;
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame frame) {
                assertThat(frame.end()).as("a frame is reported once complete").isLessThanOrEqualTo(fed[0]);
                assertThat(frame.offset()).as("a frame starts at or after framesFrom() before its chunk")
                        .isGreaterThanOrEqualTo(floor[0]);
                frames.add(frame);
            }
        });
        for (ByteBuffer chunk : chunks) {
            fed[0] += chunk.remaining();
            s.feed(chunk);
            assertThat(s.framesFrom()).isBetween(floor[0], fed[0]);
            floor[0] = s.framesFrom();
        }
        assertThat(info[0]).isNotNull();
        return new Collected(info[0], initEnd[0], frames);
    }

    private static int indexOf(List<TrackInfo> tracks, int number) {
        for (int i = 0; i < tracks.size(); i++) {
            if (tracks.get(i).number() == number) {
                return i;
            }
        }
        throw new AssertionError("frame for undeclared track " + number);
    }

    private static Map<String, List<String>> byTrack(List<String> lines) {
        Map<String, List<String>> out = new TreeMap<>();
        for (String line : lines) {
            out.computeIfAbsent(line.substring(0, line.indexOf(' ')), k -> new ArrayList<>()).add(line);
        }
        return out;
    }

    private static List<String> golden(String name) throws IOException {
        try (InputStream in = FramesMatchFfprobeTest.class.getResourceAsStream("/golden/" + name + ".frames")) {
            assertThat(in).as("golden/%s.frames is missing: run tools/ffprobe-frames/frames.py", name).isNotNull();
            List<String> lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
            assertThat(lines).isNotEmpty();
            return lines;
        }
    }

    private static String md5(byte[] b, long offset, int length) throws NoSuchAlgorithmException {
        MessageDigest md = MessageDigest.getInstance("MD5");
        md.update(b, (int) offset, length);
        return HexFormat.of().formatHex(md.digest());
    }
}
