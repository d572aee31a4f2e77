package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Mp4.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class Mp4SegmenterTest {

    private static final String MP4 = "video/mp4;codecs=avc1,opus";

    @Test
    void initIsEverythingBeforeTheFirstMoofAndEachMoofIsASegment() {
        byte[] init = init();
        byte[] moof1 = moof(1, traf(1, 0, 3, SYNC), traf(2, 0, 5, null));
        byte[] mdat1 = mdat(800);
        byte[] moof2 = moof(2, traf(2, 48000, 5, null), traf(1, 90000, 3, null));
        byte[] stream = cat(init, moof1, mdat1, moof2, mdat(800));
        int m2 = init.length + moof1.length + mdat1.length;

        EventLog log = Feeding.assertSplitInvariant(MP4, stream);

        assertThat(log.linesWithout("frame")).containsExactly(
                "init " + init.length + " video/mp4;codecs=\"avc1.42C01F,opus\"",
                "track 1 VIDEO avc1 avc1.42C01F 640x360 webcodecs=avc1.42C01F description=0142c01fffe000",
                "track 2 AUDIO Opus opus 48000Hz 2ch webcodecs=opus description=4f707573486561640102000f80bb0000000000",
                "segment " + init.length + " t=0",
                "rap " + init.length,
                "block " + init.length + " track=1 t=0 key",
                "block " + init.length + " track=2 t=0 key",
                "segment " + m2 + " t=1000",
                // The first sample of video track 1 has the trex default flags: not a sync sample.
                "block " + m2 + " track=2 t=1000 key",
                "block " + m2 + " track=1 t=1000");
    }

    @Test
    void firstSampleFlagsOverrideTheDefaults() {
        byte[] init = init();
        // Two samples of 100 bytes from the moof's start (default-base-is-moof, data_offset 0) end in the mdat.
        byte[] fragment1 = cat(moof(1, traf(1, 0, 2, NON_SYNC)), mdat(100));
        byte[] stream = cat(init, fragment1, moof(2, traf(1, 3000, 2, SYNC)), mdat(100));
        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.linesStartingWith("segment")).hasSize(2);
        assertThat(log.linesStartingWith("rap")).containsExactly("rap " + (init.length + fragment1.length));
    }

    @Test
    void audioOnlyStreamIsSegmentedOnAudio() {
        byte[] init = cat(ftyp(), box("moov", trak(5, "soun", 48000, opusEntry()), box("mvex", trex(5, SYNC))));
        EventLog log = Feeding.assertSplitInvariant("audio/mp4;codecs=opus", cat(init, moof(1, traf(5, 960, 50, null)),
                mdat(5000)));
        assertThat(log.info.mseMimeType()).isEqualTo("audio/mp4;codecs=\"opus\"");
        assertThat(log.lines()).contains("segment " + init.length + " t=20", "rap " + init.length);
    }

    @Test
    void codecStringsComeFromTheConfigurationBoxes() {
        byte[] vpcC = fullBox("vpcC", 1, 0, new byte[] {0, 10, (byte) 0x82, 1, 1, 1, 0, 0, 0});
        byte[] av1C = box("av1C", new byte[] {(byte) 0x81, 0x04, 0x0C, 0});
        byte[] init = cat(ftyp(), box("moov",
                trak(1, "vide", 90000, visualEntry("vp09", 320, 240, vpcC)),
                trak(2, "vide", 90000, visualEntry("av01", 320, 240, av1C)),
                trak(3, "vide", 90000, visualEntry("avc3", 320, 240, avcC(0x64, 0x00, 0x28))),
                trak(4, "soun", 48000, box("mp4a", new byte[28]))));
        EventLog log = Feeding.feed(null, cat(init, moof(1)));
        assertThat(log.info.tracks()).extracting(TrackInfo::mseCodec)
                .containsExactly("vp09.00.10.08", "av01.0.04M.08", "avc3.640028", "mp4a.40.2");
        assertThat(log.info.msePlayable()).isTrue();
    }

    @Test
    void unknownSampleEntryIsNotPlayable() {
        byte[] init = cat(ftyp(), box("moov", trak(1, "vide", 90000, visualEntry("hvc1", 320, 240, new byte[0]))));
        EventLog log = Feeding.feed(MP4, cat(init, moof(1)));
        assertThat(log.info.msePlayable()).isFalse();
        assertThat(log.info.notPlayableReason()).isEqualTo("codec hvc1 (track 1) cannot be played by MediaSource in MP4");
    }

    @Test
    void largesizeBoxesAreRead() {
        byte[] init = init();
        byte[] bigHeaderMdat = cat(u32(1), "mdat".getBytes(), u64(16 + 300), new byte[300]);
        byte[] stream = cat(init, moof(1, traf(1, 0, 1, SYNC)), bigHeaderMdat, moof(2, traf(1, 9000, 1, SYNC)));
        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.linesStartingWith("rap")).hasSize(2);
        assertThat(log.linesStartingWith("segment").get(1)).endsWith("t=100");
    }

    @Test
    void sizeZeroMdatRunsToTheEndOfTheStream() throws Exception {
        byte[] init = init();
        byte[] head = cat(init, moof(1, traf(1, 0, 1, SYNC)), u32(0), "mdat".getBytes());
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(MP4, SegmenterLimits.defaults(), log);
        s.feed(ByteBuffer.wrap(head));
        // Anything after it is sample data, even bytes that look like a moof.
        s.feed(ByteBuffer.wrap(moof(2, traf(1, 9000, 1, SYNC))));
        s.feed(ByteBuffer.allocate(1 << 20));
        assertThat(log.linesStartingWith("segment")).hasSize(1);
        assertThat(Feeding.assertSplitInvariant(MP4, cat(head, new byte[100])).failure).isNull();
    }

    @Test
    void sizeZeroIsRefusedForAnythingButMdat() {
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(init(), moof(1, traf(1, 0, 1, SYNC)), u32(0),
                "free".getBytes(), new byte[10]));
        assertThat(log.failure).hasMessageEndingWith("runs to the end of the stream; only mdat may");
    }

    @Test
    void moofOverTheBufferingLimitIsRefused() {
        SegmenterLimits limits = new SegmenterLimits(64 << 20, 4096, 16);
        byte[] init = init();
        byte[] moof = moof(1, traf(1, 0, 2000, SYNC));
        EventLog log = Feeding.assertSplitInvariant(MP4, limits, cat(init, moof), 20);
        assertThat(log.failure.closeCode()).isEqualTo(1007);
        assertThat(log.failure).hasMessage(
                "moof at offset " + init.length + " is " + moof.length + " bytes, over the limit of 4096");
        assertThat(log.lines()).first().asString().startsWith("init ");
    }

    @Test
    void oversizedMdatIsRefusedThoughItWouldOnlyBeStreamed() {
        byte[] stream = cat(init(), moof(1, traf(1, 0, 1, SYNC)), u32(0x7FFFFFF0L), "mdat".getBytes());
        EventLog log = Feeding.assertSplitInvariant(MP4, stream);
        assertThat(log.failure).hasMessageContaining("declares 2147483632 bytes, over the limit of 67108864");
    }

    @Test
    void boxSmallerThanItsHeaderIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(init(), u32(4), "free".getBytes()));
        assertThat(log.failure).hasMessageEndingWith("is smaller than its header");
    }

    @Test
    void childBoxOverrunningItsParentIsRefused() {
        byte[] badMoov = box("moov", u32(100), "trak".getBytes(), new byte[10]);
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(ftyp(), badMoov));
        assertThat(log.failure).hasMessage("box 'trak' overruns its parent box");
    }

    @Test
    void trafForAnUndeclaredTrackIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(init(), moof(1, traf(9, 0, 1, SYNC))));
        assertThat(log.failure).hasMessage("moof has a traf for track 9, which moov does not declare");
    }

    @Test
    void moofBeforeMoovIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(MP4, cat(ftyp(), moof(1, traf(1, 0, 1, SYNC))));
        assertThat(log.failure).hasMessageEndingWith("comes before any moov");
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        // moov > trak > mdia > minf > stbl > stsd > avc1 > avcC is eight levels.
        EventLog log = Feeding.assertSplitInvariant(MP4, new SegmenterLimits(64 << 20, 1 << 20, 7),
                cat(init(), moof(1)), 10);
        assertThat(log.failure).hasMessage("boxes nested deeper than 7 levels");
        assertThat(Feeding.feed(MP4, new SegmenterLimits(64 << 20, 1 << 20, 8), cat(init(), moof(1))).failure)
                .isNull();
    }
}
