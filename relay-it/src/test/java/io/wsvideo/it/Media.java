package io.wsvideo.it;

import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/** What relay-core's segmenter says about a recording, to check what viewers receive against. */
final class Media {

    private Media() {
    }

    /** The last random access point the segmenter had reported once chunks {@code [0, count)} were fed. */
    static long lastRandomAccessPointAfter(Recording rec, int count) throws Exception {
        long[] last = {-1};
        Segmenter s = Segmenter.create(rec.mime(), SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                last[0] = segmentOffset;
            }
        });
        List<ByteBuffer> chunks = rec.chunks();
        for (int i = 0; i < count; i++) {
            s.feed(chunks.get(i));
        }
        return last[0];
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Byte arrays compared without printing them: lengths and the first difference. */
    static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        int mismatch = Arrays.mismatch(actual, expected);
        if (mismatch >= 0) {
            throw new AssertionError(what + ": bytes differ at offset " + mismatch + ": got " + actual.length
                    + " bytes, expected " + expected.length);
        }
    }
}
