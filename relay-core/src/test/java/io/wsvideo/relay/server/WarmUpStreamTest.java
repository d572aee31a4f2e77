package io.wsvideo.relay.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The warm-up's synthetic stream is what it claims: a WebM the segmenter reads as real VP8 + Opus traffic. */
class WarmUpStreamTest {

    @Test
    void theSegmenterReadsItAsVp8AndOpusWithAKeyFrameEachSecond() throws Exception {
        List<StreamInfo> inits = new ArrayList<>();
        List<Long> randomAccess = new ArrayList<>();
        List<MediaFrame> frames = new ArrayList<>();
        Segmenter s = Segmenter.create("video/webm;codecs=vp8,opus", SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
                inits.add(info);
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                randomAccess.add(segmentOffset);
            }

            @Override
            public void onFrame(MediaFrame frame) {
                frames.add(frame);
            }
        });
        List<byte[]> chunks = WarmUpStream.chunks(30); // 3 s of media after the header
        for (byte[] c : chunks) {
            s.feed(ByteBuffer.wrap(c));
        }
        assertThat(inits).hasSize(1);
        assertThat(inits.get(0).mseMimeType()).contains("vp8").contains("opus");
        assertThat(randomAccess).hasSize(3);
        long video = frames.stream().filter(f -> f.trackNumber() == 2).count();
        long audio = frames.stream().filter(f -> f.trackNumber() == 1).count();
        long keys = frames.stream().filter(f -> f.trackNumber() == 2 && f.keyFrame()).count();
        // The last second's final blocks may wait for the next one to end them; all earlier ones are out.
        assertThat(video).isBetween(89L, 90L);
        assertThat(audio).isBetween(149L, 150L);
        assertThat(keys).isEqualTo(3);
    }
}
