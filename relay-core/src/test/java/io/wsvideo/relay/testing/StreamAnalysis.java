package io.wsvideo.relay.testing;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What the segmenter says of a whole byte stream: where its init segment ends, its random access points and
 * the stream description. Tests in every module use it to check that what a viewer received is
 * {@code init + stream[rap, end)} for a real random access point.
 *
 * @param initEnd the init segment is {@code [0, initEnd)}, or -1 if none was found
 * @param raps    offsets of the segments that start with a keyframe, in stream order
 * @param info    the stream description, or null if no init segment was found
 */
public record StreamAnalysis(long initEnd, List<Long> raps, StreamInfo info) {

    public static StreamAnalysis of(byte[] stream, String mime) throws MalformedStreamException {
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
        return new StreamAnalysis(init[0], List.copyOf(raps), info[0]);
    }
}
