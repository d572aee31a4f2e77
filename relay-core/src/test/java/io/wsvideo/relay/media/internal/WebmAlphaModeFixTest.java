package io.wsvideo.relay.media.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class WebmAlphaModeFixTest {

    /** Writable copies of the recorded chunks, as the hub gets them. */
    private static List<ByteBuffer> writable(List<ByteBuffer> chunks) {
        List<ByteBuffer> out = new ArrayList<>();
        for (ByteBuffer c : chunks) {
            out.add(ByteBuffer.allocate(c.remaining()).put(c.duplicate()).flip());
        }
        return out;
    }

    private static byte[] join(List<ByteBuffer> chunks) {
        ByteBuffer all = ByteBuffer.allocate(chunks.stream().mapToInt(ByteBuffer::remaining).sum());
        chunks.forEach(c -> all.put(c.duplicate()));
        return all.array();
    }

    /** The AlphaMode element (ID 0x53C0, size 1) of the recording's video track, and its offset. */
    private static int alphaModeValue(byte[] b) {
        for (int i = 0; i + 3 < 400 && i + 3 < b.length; i++) {
            if ((b[i] & 0xFF) == 0x53 && (b[i + 1] & 0xFF) == 0xC0 && (b[i + 2] & 0xFF) == 0x81) {
                return i + 3;
            }
        }
        return -1;
    }

    @ParameterizedTest
    @CsvSource({"webm-vp8-opus, 1", "webm-vp9-opus, 1", "webm-av1-opus, 1", "webm-vp8-video, 1", "webm-opus-audio, 0",
        "firefox-webm-vp8-opus, 0", "firefox-webm-opus-audio, 0"})
    void clearsChromiumsAlphaModeAndNothingElse(String name, int expected) {
        Recording r = Recording.load(name);
        byte[] original = r.bytes();
        int at = alphaModeValue(original);
        if (expected > 0) {
            assertThat(original[at]).as("Chromium's premise: AlphaMode=1 on a camera").isEqualTo((byte) 1);
        } else {
            assertThat(at).isEqualTo(-1);
        }
        WebmAlphaModeFix fix = new WebmAlphaModeFix();
        List<ByteBuffer> chunks = writable(r.chunks());
        for (ByteBuffer c : chunks) {
            int pos = c.position();
            fix.apply(c);
            assertThat(c.position()).isEqualTo(pos);
        }
        assertThat(fix.cleared()).isEqualTo(expected);
        byte[] fixed = join(chunks);
        for (int i = 0; i < original.length; i++) {
            if (i != at) {
                assertThat(fixed[i]).as("byte %d", i).isEqualTo(original[i]);
            }
        }
        if (expected > 0) {
            assertThat(fixed[at]).isZero();
            // Still the same stream to the segmenter: same events, same tracks.
            assertThat(Feeding.feed(r.mime(), fixed).lines()).isEqualTo(Feeding.feed(r.mime(), original).lines());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus", "webm-vp9-opus"})
    void anySplitGivesTheSameBytes(String name) {
        byte[] original = Recording.load(name).bytes();
        int at = alphaModeValue(original);
        Random random = new Random(15);
        for (int trial = 0; trial < 100; trial++) {
            List<ByteBuffer> chunks = new ArrayList<>();
            // Small pieces over the init segment (a byte at a time now and then), then the rest.
            for (int p = 0; p < original.length; ) {
                int n = p < 300 ? 1 + random.nextInt(trial % 3 == 0 ? 2 : 40) : original.length - p;
                n = Math.min(n, original.length - p);
                chunks.add(ByteBuffer.wrap(original.clone(), p, n).slice());
                p += n;
            }
            WebmAlphaModeFix fix = new WebmAlphaModeFix();
            chunks.forEach(fix::apply);
            byte[] fixed = join(chunks);
            assertThat(fixed[at]).as("trial %d", trial).isZero();
            fixed[at] = original[at];
            assertThat(fixed).isEqualTo(original);
        }
    }

    @Test
    void leavesMp4MatroskaH264AndReadOnlyBuffersAlone() {
        for (String name : List.of("mp4-h264-opus", "webkit-mp4-h264-aac", "mkv-h264-opus")) {
            List<ByteBuffer> chunks = writable(Recording.load(name).chunks());
            WebmAlphaModeFix fix = new WebmAlphaModeFix();
            chunks.forEach(fix::apply);
            assertThat(fix.cleared()).as(name).isZero();
            assertThat(join(chunks)).isEqualTo(Recording.load(name).bytes());
        }
        Recording r = Recording.load("webm-vp8-opus");
        WebmAlphaModeFix fix = new WebmAlphaModeFix();
        r.chunks().forEach(fix::apply); // read-only
        assertThat(fix.cleared()).isZero();
        assertThat(Recording.asRelayed(r.bytes())).isNotEqualTo(r.bytes());
    }
}
