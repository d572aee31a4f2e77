package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Mp4.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.media.internal.WebmFramesTest.F;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frames from synthetic fragmented MP4: every {@code trun} sample with tfhd/trex defaults, data offsets,
 * per-sample sizes, durations, flags and composition offsets (version 0 unsigned, version 1 signed), decode
 * time with and without {@code tfdt}; and the sample entries' WebCodecs details. Every stream is fed in every
 * split and must give the same events.
 */
class Mp4FramesTest {

    private static final String MP4 = "video/mp4";
    // tfhd flags.
    private static final int DEFAULT_DURATION = 0x08;
    private static final int DEFAULT_SIZE = 0x10;
    private static final int BASE_IS_MOOF = 0x020000;
    // trun flags.
    private static final int DATA_OFFSET = 0x001;
    private static final int FIRST_FLAGS = 0x004;
    private static final int DURATIONS = 0x100;
    private static final int SIZES = 0x200;
    private static final int FLAGS = 0x400;
    private static final int CTOS = 0x800;

    static byte[] tfhd(int trackId, int flags, long... defaults) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(u32(trackId));
        for (long d : defaults) {
            b.writeBytes(u32(d));
        }
        return fullBox("tfhd", 0, flags, b.toByteArray());
    }

    static byte[] tfdt(long time) {
        return fullBox("tfdt", 1, 0, u64(time));
    }

    /** A trun: the fields before the table ({@code head}), then one record of ints per sample. */
    static byte[] trun(int version, int flags, int count, long[] head, long[]... records) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(u32(count));
        for (long h : head) {
            b.writeBytes(u32(h));
        }
        for (long[] r : records) {
            for (long v : r) {
                b.writeBytes(u32(v));
            }
        }
        return fullBox("trun", version, flags, b.toByteArray());
    }

    static byte[] payload(int tag, int length) {
        return WebmFramesTest.payload(tag, length);
    }

    static List<F> frames(byte[] stream) {
        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.failure).as("failure").isNull();
        WebmFramesTest.assertFramesFromHolds(MP4, stream);
        return WebmFramesTest.parse(log);
    }

    static EventLog failing(byte[] stream) {
        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.failure).as("failure").isNotNull();
        assertThat(log.failure.closeCode()).isEqualTo(1007);
        return log;
    }

    /** A moof of these trafs, with each trun's data_offset placeholder 0x7EADBEEF set to {@code delta} past it. */
    static byte[] moofWithDataAfter(int delta, byte[]... trafs) {
        byte[] moof = moof(1, trafs);
        byte[] marker = u32(0x7EADBEEF);
        for (int p = 0; p + 4 <= moof.length; p++) {
            if (Arrays.equals(moof, p, p + 4, marker, 0, 4)) {
                System.arraycopy(u32(moof.length + 8 + delta), 0, moof, p, 4);
            }
        }
        return moof;
    }

    @Test
    void everySampleIsAFrameWithItsOwnSizeFlagsAndCompositionOffset() {
        byte[] init = init(); // video track 1 at 90 kHz (trex: non-sync), Opus track 2 at 48 kHz (trex: sync)
        byte[] video = box("traf", tfhd(1, BASE_IS_MOOF | DEFAULT_DURATION, 3000), tfdt(90000),
                trun(1, DATA_OFFSET | FIRST_FLAGS | SIZES | CTOS, 3, new long[] {0x7EADBEEF, SYNC},
                        new long[] {100, 3000}, new long[] {50, -3000 & 0xFFFFFFFFL}, new long[] {70, 0}));
        // No base offset and not base-is-moof: its data follows the previous traf's.
        byte[] audio = box("traf", tfhd(2, DEFAULT_DURATION | DEFAULT_SIZE, 960, 8), tfdt(48000),
                trun(0, 0, 4, new long[0]));
        byte[] moof = moofWithDataAfter(0, video, audio);
        byte[] data = cat(payload(1, 100), payload(2, 50), payload(3, 70), payload(4, 8), payload(5, 8),
                payload(6, 8), payload(7, 8));
        byte[] stream = cat(init, moof, box("mdat", data));

        List<F> frames = frames(stream);

        WebmFramesTest.assertPayloads(stream, frames, new int[] {1, 2, 3, 4, 5, 6, 7},
                new int[] {100, 50, 70, 8, 8, 8, 8});
        assertThat(frames).extracting(F::track).containsExactly(1, 1, 1, 2, 2, 2, 2);
        // Video: decode 90000, 93000, 96000 plus offsets +3000, -3000, 0 at 90 kHz; audio: 48000 + n * 960 at 48 kHz.
        assertThat(frames).extracting(F::micros).containsExactly(1_033_333L, 1_000_000L, 1_066_666L,
                1_000_000L, 1_020_000L, 1_040_000L, 1_060_000L);
        assertThat(frames).extracting(F::key).containsExactly(true, false, false, true, true, true, true);
        assertThat(frames.get(0).offset()).isEqualTo(init.length + moof.length + 8);
    }

    @Test
    void perSampleDurationsFlagsAndUnsignedOffsetsOfVersion0() {
        byte[] init = init();
        byte[] traf = box("traf", tfhd(1, BASE_IS_MOOF), tfdt(0),
                trun(0, DATA_OFFSET | DURATIONS | SIZES | FLAGS | CTOS, 2, new long[] {0x7EADBEEF},
                        new long[] {4500, 10, NON_SYNC, 0xFFFFFFFFL}, new long[] {1500, 20, SYNC, 9000}));
        byte[] moof = moofWithDataAfter(0, traf);
        byte[] stream = cat(init, moof, box("mdat", payload(1, 10), payload(2, 20)));

        List<F> frames = frames(stream);

        WebmFramesTest.assertPayloads(stream, frames, new int[] {1, 2}, new int[] {10, 20});
        // Version 0: 0xFFFFFFFF is 4294967295 ticks, not -1; the second sample decodes at 4500.
        assertThat(frames).extracting(F::micros).containsExactly(4_294_967_295L * 1_000_000 / 90_000,
                (4500 + 9000) * 1_000_000L / 90_000);
        assertThat(frames).extracting(F::key).containsExactly(false, true);
    }

    @Test
    void withoutTfdtTheDecodeTimeContinuesFromTheTracksPreviousFragment() {
        byte[] init = init();
        byte[] first = moofWithDataAfter(0, box("traf", tfhd(2, BASE_IS_MOOF | DEFAULT_DURATION | DEFAULT_SIZE,
                960, 4), tfdt(96000), trun(0, DATA_OFFSET, 2, new long[] {0x7EADBEEF})));
        byte[] second = moofWithDataAfter(0, box("traf", tfhd(2, BASE_IS_MOOF | DEFAULT_DURATION | DEFAULT_SIZE,
                960, 4), trun(0, DATA_OFFSET, 1, new long[] {0x7EADBEEF})));
        byte[] stream = cat(init, first, box("mdat", payload(1, 4), payload(2, 4)), second,
                box("mdat", payload(3, 4)));

        List<F> frames = frames(stream);

        WebmFramesTest.assertPayloads(stream, frames, new int[] {1, 2, 3}, new int[] {4, 4, 4});
        assertThat(frames).extracting(F::micros).containsExactly(2_000_000L, 2_020_000L, 2_040_000L);
    }

    @Test
    void aRunWithoutKnownSampleSizesReportsNoFrames() {
        // No trex, no tfhd default, no per-sample size.
        byte[] init = cat(ftyp(), box("moov", trak(1, "vide", 90000, visualEntry("avc1", 64, 48, avcC(66, 0, 30)))));
        byte[] moof = moofWithDataAfter(0, box("traf", tfhd(1, BASE_IS_MOOF), tfdt(0),
                trun(0, DATA_OFFSET, 3, new long[] {0x7EADBEEF})));
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(init, moof, mdat(10)));
        assertThat(log.failure).isNull();
        assertThat(log.linesStartingWith("block")).hasSize(1);
        assertThat(log.linesStartingWith("frame")).isEmpty();
    }

    @Test
    void sampleDataOutsideItsFragmentIsRefused() {
        byte[] init = init();
        byte[] sizes = trun(0, DATA_OFFSET | SIZES, 1, new long[] {-200 & 0xFFFFFFFFL}, new long[] {10});
        EventLog before = failing(cat(init, moof(1, box("traf", tfhd(1, BASE_IS_MOOF), tfdt(0), sizes)),
                mdat(10)));
        assertThat(before.failure.getMessage()).contains("before its moof");

        SegmenterLimits small = new SegmenterLimits(4096, 1 << 20, 16);
        byte[] far = moofWithDataAfter(5000, box("traf", tfhd(1, BASE_IS_MOOF), tfdt(0),
                trun(0, DATA_OFFSET | SIZES, 1, new long[] {0x7EADBEEF}, new long[] {10})));
        EventLog tooFar = Feeding.assertSplitInvariant(MP4, small, cat(init, far, mdat(10)), 5);
        assertThat(tooFar.failure.getMessage()).contains("too far past its moof");
    }

    @Test
    void framesWaitForTheirBytesEvenPastTheNextMoof() {
        // WebKit's last chunk: an audio moof whose data lies in (and past) a second copy of that moof.
        byte[] init = init();
        byte[] traf = box("traf", tfhd(2, BASE_IS_MOOF | DEFAULT_DURATION, 960), tfdt(0),
                trun(0, DATA_OFFSET | SIZES, 2, new long[] {0x7EADBEEF}, new long[] {6}, new long[] {4}));
        byte[] moof = moofWithDataAfter(0, traf);
        byte[] first = moof.clone();
        // The first copy's data is the start of the second copy: reported while that copy is still arriving.
        System.arraycopy(u32(moof.length), 0, first, indexOf(first, u32(moof.length + 8)), 4);
        byte[] stream = cat(init, first, moof, box("mdat", payload(1, 6), payload(2, 4)));
        long copyAt = init.length + moof.length;

        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.failure).isNull();
        WebmFramesTest.assertFramesFromHolds(MP4, stream);
        List<F> frames = WebmFramesTest.parse(log);
        assertThat(frames).extracting(F::offset).containsExactly(copyAt, copyAt + 6, copyAt + moof.length + 8,
                copyAt + moof.length + 14);
        WebmFramesTest.assertPayloads(stream, frames.subList(2, 4), new int[] {1, 2}, new int[] {6, 4});
        List<String> lines = log.lines();
        int firstFrame = lines.indexOf("frame " + copyAt + "+6 track=2 us=0 key");
        assertThat(firstFrame).isGreaterThan(lines.indexOf("segment " + init.length + " t=0"))
                .isLessThan(lines.indexOf("segment " + copyAt + " t=0"));
    }

    private static int indexOf(byte[] b, byte[] what) {
        for (int p = 0; p + what.length <= b.length; p++) {
            if (Arrays.equals(b, p, p + what.length, what, 0, what.length)) {
                return p;
            }
        }
        throw new AssertionError("not found");
    }

    @Test
    void aMoofDeclaringTooManySamplesIsRefused() {
        byte[] init = init();
        byte[] traf = box("traf", tfhd(1, BASE_IS_MOOF | DEFAULT_SIZE, 0), tfdt(0),
                trun(0, 0, Mp4Segmenter.MAX_FRAGMENT_SAMPLES + 1, new long[0]));
        EventLog log = failing(cat(init, moof(1, traf), mdat(0)));
        assertThat(log.failure.getMessage()).contains("samples");
    }

    @Test
    void aacSampleEntryGivesItsAudioSpecificConfigAndObjectType() {
        byte[] lc = {0x11, (byte) 0x90};
        byte[] he = {0x2B, (byte) 0x92, 0x08, 0x00};
        assertThat(aacTrack(lc).codec()).isEqualTo("mp4a.40.2");
        assertThat(aacTrack(lc).mseCodec()).isEqualTo("mp4a.40.2");
        assertThat(aacTrack(lc).description()).isEqualTo(lc);
        assertThat(aacTrack(lc).sampleRate()).isEqualTo(44100);
        assertThat(aacTrack(lc).numberOfChannels()).isEqualTo(2);
        assertThat(aacTrack(he).codec()).isEqualTo("mp4a.40.5");
    }

    @Test
    void opusSampleEntryGivesOpusHeadFromDOps() {
        TrackInfo opus = Feeding.assertSplitInvariant(MP4, cat(init(), moof(1), mdat(0))).info.tracks().get(1);
        // dOps: version 0, 2 channels, pre-skip 0x0F00 (3840), 48000 Hz, gain 0, family 0.
        assertThat(HexFormat.of().formatHex(opus.description()))
                .isEqualTo("4f707573486561640102000f80bb0000000000");
        assertThat(opus.sampleRate()).isEqualTo(48000);
        assertThat(opus.numberOfChannels()).isEqualTo(2);
    }

    private static TrackInfo aacTrack(byte[] asc) {
        byte[] esds = fullBox("esds", 0, 0, descriptor(3, u16(1), new byte[] {0},
                descriptor(4, new byte[] {0x40, 0x15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, descriptor(5, asc)),
                descriptor(6, new byte[] {2})));
        byte[] entry = box("mp4a", new byte[6], u16(1), new byte[8], u16(2), u16(16), u32(0), u32(44100L << 16),
                esds);
        byte[] init = cat(ftyp(), box("moov", trak(3, "soun", 44100, entry), box("mvex", trex(3, SYNC))));
        return Feeding.assertSplitInvariant("audio/mp4", cat(init, moof(1), mdat(0))).info.tracks().get(0);
    }

    private static byte[] descriptor(int tag, byte[]... payload) {
        byte[] p = cat(payload);
        // The size in the four-byte form some muxers write (0x80 0x80 0x80 n), which readers must accept.
        return cat(new byte[] {(byte) tag, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) p.length}, p);
    }
}
