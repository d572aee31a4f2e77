package io.wsvideo.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import org.junit.jupiter.api.Test;

class LiveStreamTest {

    private static final Recording REC = Recording.load("webm-vp8-opus-long");

    @Test
    void reachesTheTargetBitrateAndTheRelaysSegmenterAcceptsIt() throws Exception {
        LiveStream s = LiveStream.build(REC.mime(), REC.bytes(), 250_000, 30, 100);
        assertThat(s.chunkCount()).isBetween(295, 300);
        assertThat(s.totalBytes() / 30.0).isBetween(250_000 * 0.95, 250_000 * 1.05);
        // One keyframe a second in the recording; the loop keeps it so.
        assertThat(Main.validate(s)).isBetween(28, 32);
    }

    @Test
    void keepsTheRecordingsInitSegmentAndBlocksByteForByte() {
        LiveStream s = LiveStream.build(REC.mime(), REC.bytes(), 0, 5, 100);
        byte[] rec = REC.bytes();
        assertThat(s.initLength).isEqualTo(188);
        assertThat(java.util.Arrays.copyOf(s.bytes, s.initLength)).isEqualTo(java.util.Arrays.copyOf(rec, 188));
        // Unpadded, the first loop differs from the recording only in how Cluster Timestamps are written.
        assertThat(s.totalBytes() / 5.0).isBetween(rec.length / 10.0 * 0.9, rec.length / 10.0 * 1.2);
    }

    @Test
    void everyClusterHeaderTellsWhereItIs() {
        LiveStream s = LiveStream.build(REC.mime(), REC.bytes(), 250_000, 25, 100);
        int found = 0;
        for (int i = 0; i + LiveStream.CLUSTER_HEADER_BYTES <= s.bytes.length; i++) {
            if (s.bytes[i] == 0x1F && s.bytes[i + 1] == 0x43 && (s.bytes[i + 2] & 0xFF) == 0xB6) {
                byte[] h = java.util.Arrays.copyOfRange(s.bytes, i, i + LiveStream.CLUSTER_HEADER_BYTES);
                long ts = LiveStream.clusterTimestamp(h);
                if (ts >= 0 && s.clusterOffset(ts) == i) {
                    found++;
                }
            }
        }
        // 92 Clusters in 10 s of recording (one ~120 ms, plus one per keyframe).
        assertThat(found).isBetween(92 * 2, 92 * 3);
    }

    @Test
    void chunksAreContiguousEvery100MillisAndEndInsideTheNextElement() {
        LiveStream s = LiveStream.build(REC.mime(), REC.bytes(), 250_000, 10, 100);
        int prev = 0;
        for (int i = 0; i < s.chunkCount(); i++) {
            assertThat(s.chunkStart(i)).isEqualTo(prev);
            assertThat(s.chunkLength(i)).isPositive();
            assertThat(s.chunkOf(s.chunkStart(i))).isEqualTo(i);
            assertThat(s.chunkOf(s.chunkEnds[i] - 1)).isEqualTo(i);
            prev = s.chunkEnds[i];
            if (i > 0) {
                assertThat(s.dueMillis[i]).isGreaterThan(s.dueMillis[i - 1]);
            }
        }
        // Like MediaRecorder's Blobs: the byte before a cut is the first ID byte of an element
        // (SimpleBlock 0xA3 or Cluster 0x1F), never the end of one.
        for (int i = 0; i < s.chunkCount() - 1; i++) {
            int last = s.bytes[s.chunkEnds[i] - 1] & 0xFF;
            assertThat(last).isIn(0xA3, 0x1F);
        }
    }
}
