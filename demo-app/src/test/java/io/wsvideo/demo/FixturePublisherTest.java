package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.testing.Recording;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FixturePublisher.WebmLoop}: Firefox's recording replayed three times over is one continuous WebM
 * stream, to the relay's segmenter and to FFmpeg, with a key-frame Cluster where each pass starts.
 */
class FixturePublisherTest {

    @TempDir
    Path dir;

    @Test
    void firefoxsRecordingLoopsAsOneContinuousStream() throws Exception {
        Recording rec = Recording.load("firefox-webm-vp8-opus");
        FixturePublisher.WebmLoop loop = FixturePublisher.WebmLoop.of(rec);
        // Key frames at 0, 7436 and 14897 ms: the loop is the first two groups of pictures.
        assertThat(loop.loopMillis()).isEqualTo(14897);

        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        int passes = 3;
        for (int pass = 0; pass < passes; pass++) {
            long last = -1;
            for (int i = 0; i < loop.pieces(); i++) {
                if (pass == 0 || loop.inLoop(i)) {
                    ByteBuffer piece = loop.piece(i, pass);
                    assertThat(piece.remaining()).isPositive();
                    stream.write(piece.array(), piece.arrayOffset() + piece.position(), piece.remaining());
                    assertThat(loop.millis(i)).isGreaterThanOrEqualTo(last);
                    last = loop.millis(i);
                }
            }
        }
        byte[] bytes = stream.toByteArray();
        assertThat(Arrays.equals(bytes, 0, 1000, rec.bytes(), 0, 1000)).as("pass 0 is the recording").isTrue();

        List<Long> clusters = new ArrayList<>();
        List<Long> raps = new ArrayList<>();
        Map<Long, Long> clusterAt = new HashMap<>();
        Map<Integer, List<Long>> frameTimes = new HashMap<>();
        Segmenter s = Segmenter.create(rec.mime(), SegmenterLimits.defaults(), new SegmentListener() {
            @Override
            public void onInitSegment(long endOffset, StreamInfo info) {
            }

            @Override
            public void onSegmentStart(long offset, long timestampMillis) {
                clusters.add(timestampMillis);
                clusterAt.put(offset, timestampMillis);
            }

            @Override
            public void onRandomAccessPoint(long segmentOffset) {
                raps.add(clusterAt.get(segmentOffset));
            }

            @Override
            public void onFrame(MediaFrame frame) {
                frameTimes.computeIfAbsent(frame.trackNumber(), k -> new ArrayList<>()).add(frame.timestampMicros());
            }
        });
        s.feed(ByteBuffer.wrap(bytes));

        assertThat(raps).containsExactly(0L, 7436L, 14897L, 22333L, 29794L, 37230L);
        for (int k = 1; k < clusters.size(); k++) {
            assertThat(clusters.get(k)).as("Cluster %d", k).isGreaterThan(clusters.get(k - 1));
        }
        assertThat(clusters.get(clusters.size() - 1)).isGreaterThan(14897L * 2 + 14000);
        assertThat(frameTimes).containsOnlyKeys(1, 2);
        for (Map.Entry<Integer, List<Long>> e : frameTimes.entrySet()) {
            List<Long> t = e.getValue();
            for (int k = 1; k < t.size(); k++) {
                long step = t.get(k) - t.get(k - 1);
                // Video every 50 ms (a frame or two dropped now and then), audio every 20 ms; never back.
                assertThat(step).as("track %d frame %d", e.getKey(), k).isBetween(1L, 200_000L);
            }
        }

        Path file = Files.write(dir.resolve("looped.webm"), bytes);
        Process ffmpeg = new ProcessBuilder("ffmpeg", "-v", "error", "-i", file.toString(), "-f", "null", "-")
                .redirectErrorStream(true).start();
        String errors = new String(ffmpeg.getInputStream().readAllBytes());
        assertThat(ffmpeg.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(ffmpeg.exitValue()).isZero();
        assertThat(errors).as("ffmpeg decoding the looped stream").isBlank();
    }
}
