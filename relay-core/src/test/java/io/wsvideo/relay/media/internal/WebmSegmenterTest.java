package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Ebml.*;
import static io.wsvideo.relay.media.internal.WebmSegmenter.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class WebmSegmenterTest {

    private static final String WEBM = "video/webm;codecs=vp8,opus";

    @Test
    void unknownSizeClustersEndWhereTheNextClusterBegins() {
        byte[] init = vp8OpusInit();
        byte[] c1 = cluster(0, simpleBlock(1, 0, true, 50), simpleBlock(2, 5, true, 20), simpleBlock(1, 33, false, 30));
        byte[] c2 = cluster(120, simpleBlock(2, 0, true, 20), simpleBlock(1, 13, false, 30));
        byte[] stream = cat(init, c1, c2);
        int c1At = init.length;
        int c2At = c1At + c1.length;
        int b1 = c1At + 4 + 8 + 3; // Cluster ID, unknown size, Timestamp element
        int b2 = b1 + 2 + 4 + 50; // SimpleBlock ID and size, track/timecode/flags, payload
        int b3 = b2 + 2 + 4 + 20;
        int b4 = c2At + 4 + 8 + 3;

        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);

        assertThat(log.linesWithout("frame")).containsExactly(
                "init " + init.length + " video/webm;codecs=\"vp8,opus\"",
                "track 1 VIDEO V_VP8 vp8 320x240 webcodecs=vp8",
                "track 2 AUDIO A_OPUS opus 8000Hz 1ch webcodecs=opus",
                "segment " + c1At + " t=0",
                "rap " + c1At,
                "block " + b1 + " track=1 t=0 key",
                "block " + b2 + " track=2 t=5 key",
                "block " + b3 + " track=1 t=33",
                "segment " + c2At + " t=120",
                "block " + b4 + " track=2 t=120 key",
                "block " + (b4 + 2 + 4 + 20) + " track=1 t=133");
        assertThat(log.info.container()).isEqualTo(StreamInfo.Container.WEBM);
    }

    @Test
    void audioBlockBeforeTheVideoKeyframeStillMakesTheClusterARandomAccessPoint() {
        byte[] init = vp8OpusInit();
        byte[] c1 = cluster(1000, simpleBlock(2, 0, true, 20), simpleBlock(1, 40, true, 50));
        EventLog log = Feeding.assertSplitInvariant(WEBM, cat(init, c1));

        int audio = init.length + 4 + 8 + 4; // two-byte Timestamp value
        assertThat(log.linesWithout("frame")).containsExactly(
                "init " + init.length + " video/webm;codecs=\"vp8,opus\"",
                "track 1 VIDEO V_VP8 vp8 320x240 webcodecs=vp8",
                "track 2 AUDIO A_OPUS opus 8000Hz 1ch webcodecs=opus",
                "segment " + init.length + " t=1000",
                "block " + audio + " track=2 t=1000 key",
                "rap " + init.length,
                "block " + (audio + 2 + 4 + 20) + " track=1 t=1040 key");
    }

    @Test
    void audioBlocksAreKeyFramesEvenWhenNotFlaggedSo() {
        // Firefox's recorder sets no key flag on Opus blocks: an audio-only stream must still have start points
        // (every Cluster), and its frames count as key; video's flag is still taken as written.
        byte[] init = init(track(2, TRACK_TYPE_AUDIO, "A_OPUS"));
        byte[] stream = cat(init, cluster(0, simpleBlock(2, 0, false, 20), simpleBlock(2, 20, false, 20)),
                cluster(1000, simpleBlock(2, 0, false, 20)));
        EventLog log = Feeding.assertSplitInvariant("audio/webm;codecs=opus", stream);
        assertThat(log.linesStartingWith("rap")).hasSize(2);
        assertThat(log.linesStartingWith("block")).hasSize(3).allMatch(l -> l.endsWith(" key"));

        EventLog av = Feeding.assertSplitInvariant(WEBM, cat(vp8OpusInit(),
                cluster(0, simpleBlock(2, 0, false, 20), simpleBlock(1, 10, false, 30))));
        assertThat(av.linesStartingWith("rap")).isEmpty();
        assertThat(av.linesStartingWith("block")).containsExactly(
                "block " + (vp8OpusInit().length + 4 + 8 + 3) + " track=2 t=0 key",
                "block " + (vp8OpusInit().length + 4 + 8 + 3 + 2 + 4 + 20) + " track=1 t=10");
    }

    @Test
    void clusterWhoseFirstVideoBlockIsNotAKeyframeIsNoRandomAccessPoint() {
        // A later keyframe in the same Cluster does not help: a viewer starting at the Cluster would still
        // get an undecodable first frame.
        byte[] stream = cat(vp8OpusInit(), cluster(0, simpleBlock(2, 0, true, 20), simpleBlock(1, 10, false, 30),
                simpleBlock(1, 60, true, 30)));
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.linesStartingWith("rap")).isEmpty();
        assertThat(log.linesStartingWith("segment")).hasSize(1);
    }

    @Test
    void blockGroupWithoutReferenceBlockIsAKeyframe() {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, cluster(0, blockGroup(1, 0, false, 40)),
                cluster(100, blockGroup(1, 0, true, 40)));
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);

        int c2 = init.length + cluster(0, blockGroup(1, 0, false, 40)).length;
        assertThat(log.lines()).containsSubsequence(
                "segment " + init.length + " t=0",
                "rap " + init.length,
                "block " + (init.length + 15) + " track=1 t=0 key",
                "segment " + c2 + " t=100",
                "block " + (c2 + 15) + " track=1 t=100");
        assertThat(log.linesStartingWith("rap")).hasSize(1);
    }

    @Test
    void blockGroupKeyframeIsReportedWhenTheGroupEndsWithoutWaitingForMoreBytes() throws Exception {
        byte[] head = cat(vp8OpusInit(), cluster(0, blockGroup(1, 0, false, 40)));
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(WEBM, SegmenterLimits.defaults(), log);
        s.feed(ByteBuffer.wrap(head));
        assertThat(log.linesStartingWith("rap")).hasSize(1);
        assertThat(log.linesStartingWith("block")).hasSize(1);
    }

    @Test
    void randomAccessPointIsReportedAsSoonAsTheKeyframeHeaderArrives() throws Exception {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, cluster(0, simpleBlock(1, 0, true, 5000)));
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(WEBM, SegmenterLimits.defaults(), log);
        int headerEnd = init.length + 4 + 8 + 3 + 1 + 2 + 4; // Cluster, Timestamp, SimpleBlock ID and size, header
        s.feed(ByteBuffer.wrap(stream, 0, headerEnd - 1));
        assertThat(log.linesStartingWith("rap")).isEmpty();
        s.feed(ByteBuffer.wrap(stream, headerEnd - 1, 1));
        assertThat(log.linesStartingWith("rap")).containsExactly("rap " + init.length);
        assertThat(log.lines()).as("init is reported at the first Cluster's header")
                .first().asString().startsWith("init " + init.length);
    }

    @Test
    void unknownElementsAreSkippedWherever() {
        byte[] unknownInSegment = element(0x2ABCDE, new byte[300]); // not a Matroska ID
        byte[] unknownInCluster = element(0x7E7E, new byte[70]);
        byte[] init = cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(VOID, new byte[10]), unknownInSegment,
                element(INFO, uint(TIMESTAMP_SCALE, 1_000_000), string(0x4D80, "muxer")),
                element(TRACKS, track(1, TRACK_TYPE_VIDEO, "V_VP9", element(0x55B0, new byte[4]), video(64, 48))));
        byte[] cluster = cluster(0, unknownInCluster, element(VOID, new byte[3]), simpleBlock(1, 0, true, 9));
        byte[] tags = element(TAGS, new byte[40]);
        byte[] cues = element(CUES, new byte[12]);
        byte[] stream = cat(init, cluster, tags, cues, cluster(500, simpleBlock(1, 0, true, 9)));

        EventLog log = Feeding.assertSplitInvariant("video/webm;codecs=vp9", stream);
        int c2 = init.length + cluster.length + tags.length + cues.length;
        assertThat(log.linesWithout("frame")).containsExactly(
                "init " + init.length + " video/webm;codecs=\"vp9\"",
                "track 1 VIDEO V_VP9 vp9 64x48 webcodecs=null",
                "segment " + init.length + " t=0",
                "rap " + init.length,
                "block " + (init.length + 15 + unknownInCluster.length + 5) + " track=1 t=0 key",
                "segment " + c2 + " t=500",
                "rap " + c2,
                "block " + (c2 + 16) + " track=1 t=500 key"); // two-byte Timestamp
    }

    @Test
    void largeSkippedElementsAreStreamedOverNotHeld() throws Exception {
        // 48 MiB of an unknown element inside a Cluster, fed through one reused 64 KiB buffer: the segmenter
        // must count its way over it, and report the block after it.
        int big = 48 << 20;
        byte[] head = cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE, uint(TIMESTAMP, 0), id(0x7E7E), size(big));
        EventLog log = new EventLog();
        Segmenter s = Segmenter.create(WEBM, SegmenterLimits.defaults(), log);
        s.feed(ByteBuffer.wrap(head));
        ByteBuffer filler = ByteBuffer.allocate(64 << 10);
        for (int left = big; left > 0; left -= filler.capacity()) {
            s.feed(filler);
        }
        s.feed(ByteBuffer.wrap(simpleBlock(1, 0, true, 3)));
        assertThat(log.linesStartingWith("block")).containsExactly(
                "block " + (head.length + big) + " track=1 t=0 key");
        assertThat(s.bytesFed()).isEqualTo(head.length + big + 9L);
    }

    @Test
    void timestampScaleFromInfoIsApplied() {
        byte[] init = cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(INFO, uint(TIMESTAMP_SCALE, 100_000)),
                element(TRACKS, track(1, TRACK_TYPE_AUDIO, "A_OPUS")));
        EventLog log = Feeding.assertSplitInvariant("audio/webm;codecs=opus",
                cat(init, cluster(12_340, simpleBlock(1, 200, true, 4))));
        assertThat(log.lines()).contains("init " + init.length + " audio/webm;codecs=\"opus\"",
                "segment " + init.length + " t=1234", "rap " + init.length);
        assertThat(log.linesStartingWith("block").get(0)).endsWith("track=1 t=1254 key");
    }

    @Test
    void knownSizeSegmentAndClustersWork() {
        byte[] tracks = element(TRACKS, track(1, TRACK_TYPE_VIDEO, "V_VP8", video(32, 32)));
        byte[] c1 = element(CLUSTER, uint(TIMESTAMP, 0), simpleBlock(1, 0, true, 10));
        byte[] c2 = element(CLUSTER, uint(TIMESTAMP, 40), simpleBlock(1, 0, false, 10));
        byte[] segmentBody = cat(tracks, c1, c2);
        byte[] head = cat(header(), id(SEGMENT), size(segmentBody.length));
        EventLog log = Feeding.assertSplitInvariant(WEBM, cat(head, segmentBody));
        int c1At = head.length + tracks.length;
        assertThat(log.linesWithout("frame")).containsExactly(
                "init " + c1At + " video/webm;codecs=\"vp8\"",
                "track 1 VIDEO V_VP8 vp8 32x32 webcodecs=vp8",
                "segment " + c1At + " t=0",
                "rap " + c1At,
                "block " + (c1At + 8) + " track=1 t=0 key",
                "segment " + (c1At + c1.length) + " t=40",
                "block " + (c1At + c1.length + 8) + " track=1 t=40");
    }

    @Test
    void codecStringsComeFromCodecPrivate() {
        byte[] av1C = {(byte) 0x81, 0x09, 0x0C, 0x00}; // profile 0, level 9, main tier, 8 bit
        byte[] av1C10Bit = {(byte) 0x81, 0x28, (byte) 0xC0, 0x00}; // profile 1, level 8, high tier, 10 bit
        byte[] vp9Private = {1, 1, 0, 2, 1, 10, 3, 1, 8};
        EventLog log = Feeding.feed(null, cat(init(
                track(1, TRACK_TYPE_VIDEO, "V_AV1", element(CODEC_PRIVATE, av1C)),
                track(2, TRACK_TYPE_VIDEO, "V_AV1", element(CODEC_PRIVATE, av1C10Bit)),
                track(3, TRACK_TYPE_VIDEO, "V_VP9", element(CODEC_PRIVATE, vp9Private)),
                track(4, TRACK_TYPE_AUDIO, "A_OPUS")), cluster(0)));
        assertThat(log.info.tracks()).extracting(TrackInfo::mseCodec)
                .containsExactly("av01.0.09M.08", "av01.1.08H.10", "vp09.00.10.08", "opus");
        assertThat(log.info.mseMimeType()).isEqualTo("video/webm;codecs=\"av01.0.09M.08,av01.1.08H.10,vp09.00.10.08,opus\"");
    }

    @Test
    void h264InMatroskaIsNotPlayable() {
        byte[] avcC = {1, 0x42, (byte) 0xC0, 0x1F, (byte) 0xFF};
        EventLog log = Feeding.assertSplitInvariant("video/x-matroska;codecs=avc1,opus", cat(init(
                track(1, TRACK_TYPE_VIDEO, "V_MPEG4/ISO/AVC", element(CODEC_PRIVATE, avcC)),
                track(2, TRACK_TYPE_AUDIO, "A_OPUS")), cluster(0, simpleBlock(1, 0, true, 5))));
        assertThat(log.info.msePlayable()).isFalse();
        assertThat(log.info.mseMimeType()).isNull();
        assertThat(log.info.notPlayableReason()).isEqualTo(
                "H.264 in Matroska/WebM cannot be played by MediaSource; record WebM VP8/VP9/AV1 or MP4");
        assertThat(log.info.tracks().get(0).mseCodec()).isEqualTo("avc1.42C01F");
        assertThat(log.linesStartingWith("rap")).hasSize(1); // still segmented: the relay may record it
    }

    @Test
    void badVarintIsRefused() {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, id(CLUSTER), new byte[] {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure.closeCode()).isEqualTo(MalformedStreamException.INVALID_PAYLOAD);
        assertThat(log.failure).hasMessage("bad EBML size at offset " + (init.length + 4));
    }

    @Test
    void elementIdLongerThanFourBytesIsRefused() {
        byte[] stream = cat(vp8OpusInit(), new byte[] {0x08, 1, 2, 3, 4, (byte) 0x81, 0});
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure).hasMessageStartingWith("bad EBML element ID at offset ");
    }

    @Test
    void badTrackNumberVarintInBlockIsRefused() {
        byte[] stream = cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE, uint(TIMESTAMP, 0),
                element(SIMPLE_BLOCK, new byte[] {0, 0, 0, (byte) 0x80, 1, 2}));
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure).hasMessageStartingWith("bad track number in block at offset");
    }

    @Test
    void oversizedDeclaredSizeIsRefusedEvenForSkippedElements() {
        byte[] init = vp8OpusInit();
        byte[] stream = cat(init, id(CLUSTER), UNKNOWN_SIZE, uint(TIMESTAMP, 0), id(0x7E7E), size(65L << 20));
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure.closeCode()).isEqualTo(1007);
        assertThat(log.failure).hasMessage("element 0x7E7E at offset " + (init.length + 15)
                + " declares 68157440 bytes, over the limit of 67108864");
        assertThat(log.linesStartingWith("segment")).hasSize(1);
    }

    @Test
    void initSegmentOverTheLimitIsRefused() {
        SegmenterLimits limits = new SegmenterLimits(64 << 20, 1000, 16);
        byte[] stream = cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(VOID, new byte[2000]));
        EventLog log = Feeding.assertSplitInvariant(WEBM, limits, stream, 10);
        assertThat(log.failure).hasMessage("init segment is over the limit of 1000 bytes");
        assertThat(log.lines()).hasSize(1);
    }

    @Test
    void nestingDeeperThanTheLimitIsRefused() {
        // Segment > Tracks > TrackEntry > Video is four levels.
        SegmenterLimits limits = new SegmenterLimits(64 << 20, 1 << 20, 3);
        EventLog log = Feeding.assertSplitInvariant(WEBM, limits, cat(vp8OpusInit(), cluster(0)), 10);
        assertThat(log.failure).hasMessageStartingWith("elements nested deeper than 3 levels at offset ");
        assertThat(Feeding.feed(WEBM, new SegmenterLimits(64 << 20, 1 << 20, 4), cat(vp8OpusInit(), cluster(0)))
                .failure).isNull();
    }

    @Test
    void knownSizeChildOverrunningItsParentIsRefused() {
        byte[] entry = track(1, TRACK_TYPE_VIDEO, "V_VP8");
        byte[] tracksClaimingLess = cat(id(TRACKS), size(entry.length - 3), entry);
        byte[] stream = cat(header(), id(SEGMENT), UNKNOWN_SIZE, tracksClaimingLess, cluster(0));
        EventLog log = Feeding.assertSplitInvariant(WEBM, stream);
        assertThat(log.failure).hasMessageStartingWith("element 0xAE at offset ")
                .hasMessageEndingWith(" overruns its parent 0x1654AE6B");
    }

    @Test
    void blockForAnUndeclaredTrackIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(WEBM, cat(vp8OpusInit(), cluster(0, simpleBlock(7, 0, true, 3))));
        assertThat(log.failure).hasMessageEndingWith("is for track 7, which Tracks does not declare");
    }

    @Test
    void unknownSizeLeafIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(WEBM, cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE,
                id(TIMESTAMP), UNKNOWN_SIZE, new byte[4]));
        assertThat(log.failure).hasMessageEndingWith("has unknown size but is not a master");
    }

    @Test
    void clusterBeforeTracksIsRefused() {
        EventLog log = Feeding.assertSplitInvariant(WEBM, cat(header(), id(SEGMENT), UNKNOWN_SIZE, cluster(0)));
        assertThat(log.failure).hasMessageEndingWith("comes before any Tracks");
        assertThat(log.lines()).hasSize(1);
    }
}
