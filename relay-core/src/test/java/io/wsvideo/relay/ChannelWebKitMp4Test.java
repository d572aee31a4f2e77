package io.wsvideo.relay;

import static io.wsvideo.relay.HubTestSupport.assertSameBytes;

import io.wsvideo.relay.HubTestSupport.ManualClock;
import io.wsvideo.relay.HubTestSupport.RecordingPeer;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * WebKit's MediaRecorder MP4 (one moof per track, audio first, a key frame every 3 s) through the hub: viewers
 * get it byte for byte (the MP4 audio-duration repair leaves AAC alone), and a late joiner starts at the audio
 * moof that goes with the key frame, so its audio and video start together.
 */
class ChannelWebKitMp4Test {

    private final ManualClock clock = new ManualClock();

    /** Writable copies, as the Jakarta layer hands them over; the unreliable last chunk left out. */
    private static List<ByteBuffer> chunks(Recording r) {
        List<ByteBuffer> all = r.chunks();
        return all.subList(0, all.size() - 1).stream()
                .map(c -> ByteBuffer.allocate(c.remaining()).put(c).flip()).toList();
    }

    private static int length(List<ByteBuffer> chunks) {
        return chunks.stream().mapToInt(ByteBuffer::remaining).sum();
    }

    @Test
    void aViewerFromTheStartGetsTheRecordingByteForByte() throws Exception {
        Recording rec = Recording.load("webkit-mp4-h264-aac");
        List<ByteBuffer> chunks = chunks(rec);
        int length = length(chunks);
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            RecordingSink early = new RecordingSink(true);
            hub.openViewer("room", early);
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : chunks) {
                p.onData(c);
            }
            assertSameBytes(early.bytesOfLastStream(), Arrays.copyOf(rec.bytes(), length));
        }
    }

    @Test
    void aLateJoinerStartsAtTheAudioMoofBeforeTheKeyFrame() throws Exception {
        Recording rec = Recording.load("webkit-mp4-h264-aac");
        List<ByteBuffer> chunks = chunks(rec);
        byte[] all = rec.bytes();
        int init = 1472;
        int keyFrameAudioMoof = 184698; // chunk 4: audio moof at 2.995 s, then the key frame's video moof
        try (RelayHub hub = RelayHub.createForTest(RelayConfig.defaults(), clock::now)) {
            Publisher p = hub.openPublisher("room", rec.mime(), new RecordingPeer());
            for (ByteBuffer c : chunks.subList(0, 6)) {
                p.onData(c);
            }
            RecordingSink late = new RecordingSink(true);
            hub.openViewer("room", late);
            for (ByteBuffer c : chunks.subList(6, chunks.size())) {
                p.onData(c);
            }
            byte[] expected = HubTestSupport.concat(Arrays.copyOf(all, init),
                    Arrays.copyOfRange(all, keyFrameAudioMoof, length(chunks)));
            assertSameBytes(late.bytesOfLastStream(), expected);
        }
    }
}
