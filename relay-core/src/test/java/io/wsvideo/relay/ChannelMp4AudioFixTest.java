package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.media.internal.Mp4AudioDurationFix;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hub repairs Chromium's MP4 audio durations (see Mp4AudioDurationFix) before any viewer sees them. */
class ChannelMp4AudioFixTest {

    private final ManualClock clock = new ManualClock();

    /** Writable copies of the recorded chunks, as the Jakarta layer hands them over. */
    private static List<ByteBuffer> writableChunks(Recording r) {
        List<ByteBuffer> out = new ArrayList<>();
        for (ByteBuffer c : r.chunks()) {
            out.add(ByteBuffer.allocate(c.remaining()).put(c).flip());
        }
        return out;
    }

    private static byte[] repaired(Recording r) {
        Mp4AudioDurationFix fix = new Mp4AudioDurationFix();
        List<ByteBuffer> chunks = writableChunks(r);
        ByteBuffer all = ByteBuffer.allocate(r.bytes().length);
        for (ByteBuffer c : chunks) {
            fix.apply(c);
            all.put(c);
        }
        return all.array();
    }

    @Test
    void viewersReceiveMp4WithEveryFragmentsAudioRepaired() throws Exception {
        Recording rec = Recording.load("mp4-h264-opus");
        byte[] expected = repaired(rec);
        assertThat(expected).isNotEqualTo(rec.bytes());
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            RecordingSink early = new RecordingSink(true);
            hub.openViewer("room", early);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : writableChunks(rec)) {
                p.onData(c);
            }
            assertSameBytes(early.bytesOfLastStream(), expected);
        }
    }

    @Test
    void webmIsRelayedByteForByteButForTheClearedAlphaMode() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            RecordingSink viewer = new RecordingSink(true);
            hub.openViewer("room", viewer);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : writableChunks(rec)) {
                p.onData(c);
            }
            assertSameBytes(viewer.bytesOfLastStream(), Recording.asRelayed(rec.bytes()));
        }
    }
}
