package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Ebml.*;
import static io.wsvideo.relay.media.internal.WebmSegmenter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frames from synthetic WebM: SimpleBlocks and BlockGroups, each lacing, timestamps, track details. Every
 * stream is fed whole, a byte at a time, split at every offset and in random splits, and must give the same
 * events each time; each frame's reported bytes are checked against the payload that was put there.
 */
class WebmFramesTest {

    private static final String WEBM = "video/webm;codecs=vp8,opus";
    private static final int XIPH = LACING_XIPH << 1;
    private static final int FIXED = LACING_FIXED << 1;
    private static final int EBML_LACING = LACING_EBML << 1;

    /** A frame as the log reports it. */
    record F(long offset, int length, int track, long micros, boolean key) {
    }

    /** {@code length} bytes of value {@code tag}: a frame found at the wrong offset shows. */
    static byte[] payload(int tag, int length) {
        byte[] b = new byte[length];
        java.util.Arrays.fill(b, (byte) tag);
        return b;
    }

    static byte[] block(int id, int track, int relative, int flags, byte[] lacing, byte[]... frames) {
        return element(id, size(track), new byte[] {(byte) (relative >> 8), (byte) relative, (byte) flags}, lacing,
                cat(frames));
    }

    static List<F> frames(byte[] stream) {
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure).as("failure").isNull();
        assertFramesFromHolds(WEBM, stream);
        return parse(log);
    }

    /**
     * Fed a byte at a time, {@link Segmenter#framesFrom()} never goes back, never passes the bytes fed, and no
     * frame reported later starts before it: a caller may drop the bytes before it.
     */
    static void assertFramesFromHolds(String mime, byte[] stream) {
        long[] floor = {0};
        List<MediaFrame> seen = new ArrayList<>();
        Segmenter s = Segmenter.create(mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
            }

            @Override
            public void onFrame(MediaFrame frame) {
                assertThat(frame.offset()).as("frame start against framesFrom").isGreaterThanOrEqualTo(floor[0]);
                seen.add(frame);
            }
        });
        try {
            for (int i = 0; i < stream.length; i++) {
                s.feed(ByteBuffer.wrap(stream, i, 1));
                assertThat(s.framesFrom()).isBetween(floor[0], i + 1L);
                floor[0] = s.framesFrom();
            }
        } catch (MalformedStreamException e) {
            throw new AssertionError(e);
        }
        assertThat(seen).isNotEmpty();
    }

    static List<F> parse(EventLog log) {
        List<F> out = new ArrayList<>();
        for (String line : log.linesStartingWith("frame")) {
            String[] f = line.split(" ");
            String[] span = f[1].split("\\+");
            out.add(new F(Long.parseLong(span[0]), Integer.parseInt(span[1]),
                    Integer.parseInt(f[2].substring("track=".length())), Long.parseLong(f[3].substring("us=".length())),
                    f.length > 4 && f[4].equals("key")));
        }
        return out;
    }

    /** Frame {@code k} must hold {@code lengths[k]} bytes of value {@code tags[k]}. */
    static void assertPayloads(byte[] stream, List<F> frames, int[] tags, int[] lengths) {
        assertThat(frames).hasSize(tags.length);
        for (int k = 0; k < tags.length; k++) {
            F f = frames.get(k);
            assertThat(f.length()).as("frame %d length", k).isEqualTo(lengths[k]);
            byte[] got = java.util.Arrays.copyOfRange(stream, (int) f.offset(), (int) f.offset() + f.length());
            assertThat(got).as("frame %d payload", k).isEqualTo(payload(tags[k], lengths[k]));
        }
    }

    @Test
    void eachUnlacedSimpleBlockIsOneFrameAtClusterPlusBlockTime() {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, cluster(1000,
                block(SIMPLE_BLOCK, 1, 0, SIMPLE_BLOCK_KEYFRAME, new byte[0], payload(1, 50)),
                block(SIMPLE_BLOCK, 2, 5, SIMPLE_BLOCK_KEYFRAME, new byte[0], payload(2, 20)),
                block(SIMPLE_BLOCK, 1, 33, 0, new byte[0], payload(3, 30))),
                cluster(1120, block(SIMPLE_BLOCK, 1, -7, 0, new byte[0], payload(4, 1))));

        List<F> frames = frames(stream);

        assertPayloads(stream, frames, new int[] {1, 2, 3, 4}, new int[] {50, 20, 30, 1});
        assertThat(frames).extracting(F::track).containsExactly(1, 2, 1, 1);
        assertThat(frames).extracting(F::micros).containsExactly(1_000_000L, 1_005_000L, 1_033_000L, 1_113_000L);
        assertThat(frames).extracting(F::key).containsExactly(true, true, false, false);
    }

    @Test
    void xiphLacedFramesAreSpacedByTheTracksDefaultDuration() {
        byte[] init = init(track(1, TRACK_TYPE_VIDEO, "V_VP8", video(320, 240)),
                track(2, TRACK_TYPE_AUDIO, "A_OPUS", uint(DEFAULT_DURATION, 20_000_000)));
        // Three frames: 300 bytes (255 + 45), 5 bytes, and the rest (20 bytes).
        byte[] lacing = {2, (byte) 0xFF, 45, 5};
        byte[] stream = cat(init, cluster(0, block(SIMPLE_BLOCK, 2, 40, SIMPLE_BLOCK_KEYFRAME | XIPH, lacing,
                payload(1, 300), payload(2, 5), payload(3, 20))));

        List<F> frames = frames(stream);

        assertPayloads(stream, frames, new int[] {1, 2, 3}, new int[] {300, 5, 20});
        assertThat(frames).extracting(F::micros).containsExactly(40_000L, 60_000L, 80_000L);
        assertThat(frames).extracting(F::key).containsOnly(true);
        assertThat(frames).extracting(F::track).containsOnly(2);
    }

    @Test
    void ebmlLacedFramesWithoutDefaultDurationShareTheBlockTime() {
        byte[] init = vp8OpusInit();
        // Sizes 300 (a two-byte varint), then differences -10 and +20 as one-byte signed varints
        // (value + 63), the last frame (7 bytes) is the rest.
        byte[] lacing = {3, 0x41, 0x2C, (byte) (0x80 | (63 - 10)), (byte) (0x80 | (63 + 20))};
        byte[] stream = cat(init, cluster(500, block(SIMPLE_BLOCK, 1, 0, SIMPLE_BLOCK_KEYFRAME | EBML_LACING, lacing,
                payload(1, 300), payload(2, 290), payload(3, 310), payload(4, 7))));

        List<F> frames = frames(stream);

        assertPayloads(stream, frames, new int[] {1, 2, 3, 4}, new int[] {300, 290, 310, 7});
        assertThat(frames).extracting(F::micros).containsOnly(500_000L);
        assertThat(frames).extracting(F::key).containsOnly(true);
    }

    @Test
    void fixedSizeLacingSplitsTheBlockEvenly() {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, cluster(0, block(SIMPLE_BLOCK, 2, 0, FIXED, new byte[] {3},
                payload(1, 25), payload(2, 25), payload(3, 25), payload(4, 25))));

        List<F> frames = frames(stream);

        assertPayloads(stream, frames, new int[] {1, 2, 3, 4}, new int[] {25, 25, 25, 25});
        // Not flagged key, but audio (track 2): every audio frame counts as key (Firefox flags none).
        assertThat(frames).extracting(F::key).containsOnly(true);
    }

    @Test
    void blockGroupFramesComeAtTheGroupsEndKeyedByTheAbsenceOfReferenceBlock() {
        byte[] init = vp8OpusInit();
        byte[] key = element(BLOCK_GROUP, block(BLOCK, 1, 0, 0, new byte[0], payload(1, 40)),
                uint(BLOCK_DURATION, 50));
        byte[] delta = element(BLOCK_GROUP, block(BLOCK, 1, 50, 0, new byte[0], payload(2, 30)),
                element(REFERENCE_BLOCK, new byte[] {(byte) 0xCE}));
        byte[] laced = element(BLOCK_GROUP, block(BLOCK, 2, 60, XIPH, new byte[] {1, 10}, payload(3, 10),
                payload(4, 12)));
        byte[] stream = cat(init, cluster(2000, key, delta, laced));

        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        List<F> frames = parse(log);
        assertFramesFromHolds(WEBM, stream);

        assertPayloads(stream, frames, new int[] {1, 2, 3, 4}, new int[] {40, 30, 10, 12});
        assertThat(frames).extracting(F::key).containsExactly(true, false, true, true);
        assertThat(frames).extracting(F::micros).containsExactly(2_000_000L, 2_050_000L, 2_060_000L, 2_060_000L);
        // Each group's block event, then its frames.
        List<String> kinds = log.lines().stream().map(l -> l.split(" ")[0]).filter(k -> k.matches("block|frame"))
                .toList();
        assertThat(kinds).containsExactly("block", "frame", "block", "frame", "block", "frame", "frame");
    }

    @Test
    void timestampScaleTurnsTicksIntoMicroseconds() {
        byte[] init = cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(INFO, uint(TIMESTAMP_SCALE, 100_000)),
                element(TRACKS, track(1, TRACK_TYPE_VIDEO, "V_VP8", video(64, 48))));
        byte[] stream = cat(init, cluster(12345, block(SIMPLE_BLOCK, 1, -5, SIMPLE_BLOCK_KEYFRAME, new byte[0],
                payload(1, 3))));
        assertThat(frames(stream)).extracting(F::micros).containsExactly(1_234_000L); // 12340 ticks of 100 us
    }

    @Test
    void laceSizesOverrunningTheBlockAreRefused() {
        byte[] init = vp8OpusInit();
        byte[] overrun = cat(init, cluster(0, block(SIMPLE_BLOCK, 2, 0, XIPH, new byte[] {1, (byte) 200},
                payload(1, 50))));
        EventLog log = Feeding.assertSplitInvariant(WEBM, overrun);
        assertThat(log.failure).isNotNull();
        assertThat(log.failure.closeCode()).isEqualTo(1007);
        assertThat(log.failure.getMessage()).contains("lace sizes");

        byte[] uneven = cat(init, cluster(0, block(SIMPLE_BLOCK, 2, 0, FIXED, new byte[] {2}, payload(1, 10))));
        log = Feeding.assertSplitInvariant(WEBM, uneven);
        assertThat(log.failure.getMessage()).contains("fixed-size lacing");

        byte[] cut = cat(init, cluster(0, block(SIMPLE_BLOCK, 2, 0, EBML_LACING, new byte[] {2, 0x41})));
        log = Feeding.assertSplitInvariant(WEBM, cut);
        assertThat(log.failure.getMessage()).contains("overruns the block");
    }

    @Test
    void audioTrackReportsRateChannelsAndOpusHead() {
        byte[] opusHead = HexFormat.of().parseHex("4f707573486561640102380180bb0000000000");
        byte[] rate = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putDouble(44100.0).array();
        byte[] init = init(track(1, TRACK_TYPE_AUDIO, "A_OPUS", element(CODEC_PRIVATE, opusHead),
                element(AUDIO, element(SAMPLING_FREQUENCY, ByteBuffer.allocate(4).putFloat(48000f).array()),
                        uint(CHANNELS, 2))),
                track(2, TRACK_TYPE_AUDIO, "A_VORBIS", element(AUDIO, element(SAMPLING_FREQUENCY, rate))));
        EventLog log = Feeding.assertSplitInvariant("audio/webm", cat(init, cluster(0)));

        TrackInfo opus = log.info.tracks().get(0);
        assertThat(opus.codec()).isEqualTo("opus");
        assertThat(opus.sampleRate()).isEqualTo(48000);
        assertThat(opus.numberOfChannels()).isEqualTo(2);
        assertThat(opus.description()).isEqualTo(opusHead);
        TrackInfo vorbis = log.info.tracks().get(1);
        assertThat(vorbis.sampleRate()).isEqualTo(44100);
        assertThat(vorbis.numberOfChannels()).isEqualTo(1); // Matroska's default
        assertThat(vorbis.description()).isNull(); // no CodecPrivate given
    }

    @Test
    void h264CodecStringComesFromAvcCOrElseFromTheKeyFrame() {
        byte[] avcC = {1, 0x64, 0x00, 0x1F, (byte) 0xFF, (byte) 0xE0, 0};
        EventLog withAvcC = Feeding.assertSplitInvariant("video/x-matroska", cat(init(track(1, TRACK_TYPE_VIDEO,
                "V_MPEG4/ISO/AVC", element(CODEC_PRIVATE, avcC), video(64, 48))), cluster(0)));
        TrackInfo t = withAvcC.info.tracks().get(0);
        assertThat(t.codec()).isEqualTo("avc1.64001F");
        assertThat(t.description()).isEqualTo(avcC);
        assertThat(t.codecNeedsKeyFrame()).isFalse();

        EventLog annexB = Feeding.assertSplitInvariant("video/x-matroska", cat(init(track(1, TRACK_TYPE_VIDEO,
                "V_MPEG4/ISO/AVC", video(64, 48))), cluster(0)));
        TrackInfo bare = annexB.info.tracks().get(0);
        assertThat(bare.codec()).isNull();
        assertThat(bare.description()).isNull();
        assertThat(bare.codecNeedsKeyFrame()).isTrue();
        // An access unit delimiter, then the SPS (profile 0x4D, constraints 0x40, level 0x28), then a slice.
        byte[] keyFrame = HexFormat.of().parseHex("00000001091000000001674d4028aa00000001658888");
        assertThat(bare.withKeyFrame(ByteBuffer.wrap(keyFrame)).codec()).isEqualTo("avc1.4D4028");
        assertThat(bare.withKeyFrame(ByteBuffer.wrap(new byte[] {0, 0, 1, 0x65, 1, 2, 3}))).isSameAs(bare);
    }

    @Test
    void vp9CodecStringComesFromTheKeyFramesUncompressedHeader() {
        TrackInfo vp9 = new TrackInfo(1, TrackInfo.Kind.VIDEO, "V_VP9", "vp9", 1280, 720, null, 0, 0, null);
        // Profile 2 key frame: marker 10, profile bits 0 1, show_existing 0, key 0, show 1, error_res 0,
        // sync code, ten_or_twelve_bit 0 (10 bits), color space 1 (BT.601), color range 0, then 1279 x 719.
        long bits = 0;
        int n = 0;
        int[][] fields = {{2, 2}, {0, 1}, {1, 1}, {0, 1}, {0, 1}, {1, 1}, {0, 1}, {0x498342, 24}, {0, 1}, {1, 3},
            {0, 1}, {1279, 16}, {719, 16}};
        ByteBuffer header = ByteBuffer.allocate(16);
        for (int[] f : fields) {
            bits = bits << f[1] | f[0];
            n += f[1];
            while (n >= 8) {
                header.put((byte) (bits >>> (n - 8)));
                n -= 8;
            }
        }
        header.put((byte) (bits << (8 - n))).flip();
        assertThat(vp9.withKeyFrame(header).codec()).isEqualTo("vp09.02.31.10"); // 921,600 samples: level 3.1
        // An inter frame (frame_type 1) says nothing.
        assertThat(vp9.withKeyFrame(ByteBuffer.wrap(new byte[] {(byte) 0x86, 0, 0, 0}))).isSameAs(vp9);
    }
}
