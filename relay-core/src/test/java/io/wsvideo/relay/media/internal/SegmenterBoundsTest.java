package io.wsvideo.relay.media.internal;

import static io.wsvideo.relay.media.internal.Ebml.*;
import static io.wsvideo.relay.media.internal.WebmSegmenter.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.RetainedSize;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile streams that cost time or memory rather than break the grammar (issue 8): endless unknown-size
 * elements, huge declared sizes streamed through, and init segments crammed with tracks. Each must run in
 * bounded time with bounded retained state, and fail (if at all) only with the documented close.
 */
class SegmenterBoundsTest {

    private static final long STREAMED_BYTES = 128L << 20;

    /** Counts events without keeping them, so 128 MiB of blocks cost the test nothing. */
    private static final class Counting implements SegmentListener {
        long inits;
        long segments;
        long raps;
        long blocks;

        @Override
        public void onInitSegment(long endOffset, StreamInfo info) {
            inits++;
        }

        @Override
        public void onSegmentStart(long offset, long timestampMillis) {
            segments++;
        }

        @Override
        public void onRandomAccessPoint(long segmentOffset) {
            raps++;
        }

        @Override
        public void onBlock(long offset, int trackNumber, long timestampMillis, boolean keyframe) {
            blocks++;
        }
    }

    private static long retained(Segmenter s) {
        return RetainedSize.of(s, o -> o instanceof SegmentListener && !(o instanceof ContainerParser));
    }

    /** Feeds {@code head}, then {@code body} repeatedly until {@code total} bytes, checking retention as it goes. */
    private static void stream(Segmenter s, byte[] head, byte[] body, long total, long retainedBound)
            throws MalformedStreamException {
        s.feed(ByteBuffer.wrap(head));
        ByteBuffer b = ByteBuffer.wrap(body).asReadOnlyBuffer();
        long fed = head.length;
        for (int i = 0; fed < total; i++) {
            s.feed(b.duplicate());
            fed += body.length;
            if (i % 256 == 0) {
                assertThat(retained(s)).as("retained after %d bytes", fed).isLessThan(retainedBound);
            }
        }
        assertThat(s.bytesFed()).isEqualTo(fed);
    }

    /** One MiB of SimpleBlocks of 1 KiB, most of them inter frames. */
    private static byte[] blocks(int track) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int k = 0; out.size() < (1 << 20) - 2048; k++) {
            out.writeBytes(simpleBlock(track, k % 30_000, false, 1024));
        }
        return out.toByteArray();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anEndlessUnknownSizeClusterIsStreamedInBoundedMemory() throws Exception {
        Counting events = new Counting();
        Segmenter s = Segmenter.create("video/webm", SegmenterLimits.defaults(), events);
        byte[] head = cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE, uint(TIMESTAMP, 0),
                simpleBlock(1, 0, true, 100));
        stream(s, head, blocks(1), STREAMED_BYTES, 64 << 10);
        assertThat(events.inits).isOne();
        assertThat(events.raps).isOne();
        assertThat(events.blocks).isGreaterThan(100_000);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anEndlessSizeZeroMdatIsStreamedInBoundedMemory() throws Exception {
        Counting events = new Counting();
        Segmenter s = Segmenter.create("video/mp4", SegmenterLimits.defaults(), events);
        byte[] head = cat(Mp4.init(), Mp4.moof(1, Mp4.traf(1, 0, 1, Mp4.SYNC)), Mp4.u32(0),
                "mdat".getBytes());
        // Bytes that look like boxes are sample data inside the mdat.
        byte[] body = new byte[1 << 20];
        ByteBuffer.wrap(body).put(Mp4.moof(2, Mp4.traf(1, 9000, 1, Mp4.SYNC)));
        stream(s, head, body, STREAMED_BYTES, 64 << 10);
        assertThat(events.segments).isOne();
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void elementsUpToTheSizeLimitAreSkippedWithoutBeingHeld() throws Exception {
        SegmenterLimits limits = SegmenterLimits.defaults();
        Segmenter s = Segmenter.create("video/webm", limits, new Counting());
        // A Void element of exactly maxElementBytes inside a Cluster, then another Cluster.
        byte[] head = cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE, uint(TIMESTAMP, 0), id(VOID),
                size(limits.maxElementBytes()));
        stream(s, head, new byte[1 << 20], head.length + (long) limits.maxElementBytes(), 64 << 10);
        s.feed(ByteBuffer.wrap(cluster(1000, simpleBlock(1, 0, true, 10))));
        assertThat(s.bytesFed()).isGreaterThan(limits.maxElementBytes());

        Segmenter over = Segmenter.create("video/webm", limits, new Counting());
        assertThatThrownBy(() -> over.feed(ByteBuffer.wrap(cat(vp8OpusInit(), id(CLUSTER), UNKNOWN_SIZE,
                uint(TIMESTAMP, 0), id(VOID), size(limits.maxElementBytes() + 1L)))))
                .isInstanceOfSatisfying(MalformedStreamException.class,
                        e -> assertThat(e.closeCode()).isEqualTo(1007))
                .hasMessageContaining("over the limit of " + limits.maxElementBytes());
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anEndlessStreamWithoutAClusterIsRefusedOnceItOutgrowsTheInitLimit() {
        SegmenterLimits limits = new SegmenterLimits(64 << 20, 256 << 10, 16);
        Segmenter s = Segmenter.create("video/webm", limits, new Counting());
        // An unknown-size Segment, then Void elements forever: never a Cluster, so never an init segment.
        assertThatThrownBy(() -> stream(s, cat(header(), id(SEGMENT), UNKNOWN_SIZE), element(VOID, new byte[1000]),
                STREAMED_BYTES, limits.maxInitSegmentBytes()))
                .isInstanceOf(MalformedStreamException.class)
                .hasMessage("init segment is over the limit of " + limits.maxInitSegmentBytes() + " bytes");
        assertThat(s.bytesFed()).isLessThan(limits.maxInitSegmentBytes() + 2000L);

        Segmenter mp4 = Segmenter.create("video/mp4", limits, new Counting());
        assertThatThrownBy(() -> stream(mp4, Mp4.ftyp(), Mp4.box("free", new byte[1000]), STREAMED_BYTES,
                limits.maxInitSegmentBytes()))
                .isInstanceOf(MalformedStreamException.class)
                .hasMessage("init segment is over the limit of " + limits.maxInitSegmentBytes() + " bytes");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void anEndlessRunOfEmptyElementsBeforeTheInitSegmentIsRefused() {
        SegmenterLimits limits = new SegmenterLimits(64 << 20, 64 << 10, 16);
        Segmenter s = Segmenter.create(null, limits, new Counting());
        byte[] emptyVoids = new byte[1 << 16];
        for (int k = 0; k < emptyVoids.length; k += 2) {
            emptyVoids[k] = (byte) VOID;
            emptyVoids[k + 1] = (byte) 0x80; // size 0
        }
        assertThatThrownBy(() -> stream(s, cat(header(), id(SEGMENT), UNKNOWN_SIZE), emptyVoids, STREAMED_BYTES,
                limits.maxInitSegmentBytes()))
                .isInstanceOf(MalformedStreamException.class).hasMessageStartingWith("init segment is over the limit");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void anInitSegmentCrammedWithTracksIsRefusedQuickly() {
        // 1 MiB of minimal TrackEntries is about 100,000 tracks; checking them pairwise took about 40 s.
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        for (int n = 1; entries.size() < (1 << 20) - 100; n++) {
            entries.writeBytes(element(TRACK_ENTRY, uint(TRACK_NUMBER, n), uint(TRACK_TYPE, TRACK_TYPE_AUDIO)));
        }
        byte[] webm = cat(header(), id(SEGMENT), UNKNOWN_SIZE, element(TRACKS, entries.toByteArray()),
                cluster(0));
        EventLog log = Feeding.feed("video/webm", webm);
        assertThat(log.failure).hasMessage("more than " + SegmenterLimits.MAX_TRACKS + " tracks");
        assertThat(log.failure.closeCode()).isEqualTo(1007);

        ByteArrayOutputStream traks = new ByteArrayOutputStream();
        for (int n = 1; traks.size() < (1 << 20) - 100; n++) {
            traks.writeBytes(Mp4.box("trak", Mp4.fullBox("tkhd", 0, 3, Mp4.u32(0), Mp4.u32(0), Mp4.u32(n))));
        }
        byte[] mp4 = cat(Mp4.ftyp(), Mp4.box("moov", traks.toByteArray()), Mp4.moof(1));
        log = Feeding.feed("video/mp4", mp4);
        assertThat(log.failure).hasMessage("more than " + SegmenterLimits.MAX_TRACKS + " tracks");
    }

    @Test
    void theTrackCapLeavesRoomForEveryRealStream() {
        byte[][] tracks = new byte[SegmenterLimits.MAX_TRACKS][];
        for (int n = 0; n < tracks.length; n++) {
            tracks[n] = track(n + 1, n == 0 ? TRACK_TYPE_VIDEO : TRACK_TYPE_AUDIO, n == 0 ? "V_VP8" : "A_OPUS");
        }
        EventLog log = Feeding.feed("video/webm", cat(init(tracks), cluster(0, simpleBlock(1, 0, true, 10))));
        assertThat(log.failure).isNull();
        assertThat(log.info.tracks()).hasSize(SegmenterLimits.MAX_TRACKS);
    }
}
