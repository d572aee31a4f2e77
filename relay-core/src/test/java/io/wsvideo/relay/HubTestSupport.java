package io.wsvideo.relay;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Shared helpers for hub tests: a manual clock, a recording publisher peer, the segmenter's view. */
final class HubTestSupport {

    private HubTestSupport() {
    }

    /** A clock the test moves by hand. */
    static final class ManualClock {
        final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        long now() {
            return nanos.get();
        }

        void advanceMillis(long ms) {
            nanos.addAndGet(ms * 1_000_000L);
        }
    }

    /** A publisher connection that records how the hub closed it. */
    static final class RecordingPeer implements Peer {
        volatile Integer code;
        volatile String reason;

        @Override
        public synchronized void close(int code, String reason) {
            if (this.code == null) {
                this.code = code;
                this.reason = reason;
            }
        }
    }

    /** What the segmenter says of a whole stream: init end, random access points, stream info. */
    record Analysis(long initEnd, List<Long> raps, StreamInfo info) {
    }

    static Analysis analyse(byte[] stream, String mime) throws MalformedStreamException {
        long[] init = {-1};
        StreamInfo[] info = {null};
        List<Long> raps = new ArrayList<>();
        Segmenter s = Segmenter.create(mime, SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo i) {
                init[0] = endOffset;
                info[0] = i;
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                raps.add(segmentOffset);
            }
        });
        s.feed(ByteBuffer.wrap(stream));
        return new Analysis(init[0], raps, info[0]);
    }

    static boolean startsWith(byte[] a, byte[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Byte arrays compared without printing them: lengths and the first difference. */
    static void assertSameBytes(byte[] actual, byte[] expected) {
        int mismatch = Arrays.mismatch(actual, expected);
        if (mismatch >= 0) {
            throw new AssertionError("bytes differ at offset " + mismatch + ": got " + actual.length
                    + " bytes, expected " + expected.length);
        }
    }
}
