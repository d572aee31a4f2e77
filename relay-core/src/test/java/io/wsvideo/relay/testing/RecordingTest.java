package io.wsvideo.relay.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RecordingTest {

    private static final byte[] EBML_MAGIC = {0x1A, 0x45, (byte) 0xDF, (byte) 0xA3};

    static List<String> names() {
        return Recording.all();
    }

    @Test
    void listsEveryFixture() {
        assertThat(Recording.all()).hasSize(11).doesNotHaveDuplicates()
                .contains("webm-vp8-opus", "webm-vp8-opus-long", "mkv-h264-opus", "mp4-h264-opus",
                        "webkit-mp4-h264-aac", "firefox-webm-vp8-opus", "firefox-webm-opus-audio");
    }

    @ParameterizedTest
    @MethodSource("names")
    void loadsAndChunksConcatenateToBytes(String name) {
        Recording r = Recording.load(name);
        assertThat(r.name()).isEqualTo(name);
        assertThat(r.mime()).isNotBlank();
        assertThat(r.bytes()).isNotEmpty();

        List<ByteBuffer> chunks = r.chunks();
        assertThat(chunks).isNotEmpty().hasSize(r.chunkMillis().length);
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        for (ByteBuffer c : chunks) {
            assertThat(c.isReadOnly()).isTrue();
            assertThat(c.remaining()).isPositive();
            byte[] b = new byte[c.remaining()];
            c.get(b);
            joined.writeBytes(b);
        }
        assertThat(joined.toByteArray()).isEqualTo(r.bytes());

        long[] ms = r.chunkMillis();
        for (int i = 1; i < ms.length; i++) {
            assertThat(ms[i]).isGreaterThanOrEqualTo(ms[i - 1]);
        }
    }

    @ParameterizedTest
    @MethodSource("names")
    void startsWithContainerMagic(String name) {
        Recording r = Recording.load(name);
        byte[] b = r.bytes();
        if (r.mime().contains("mp4")) {
            assertThat(name).matches("(webkit-)?mp4-.*");
            assertThat(Arrays.copyOfRange(b, 4, 8)).asString().isEqualTo("ftyp");
        } else {
            assertThat(r.mime()).matches("(video|audio)/(webm|x-matroska).*");
            assertThat(Arrays.copyOfRange(b, 0, 4)).isEqualTo(EBML_MAGIC);
        }
    }

    @Test
    void chunksAreFreshBuffersEachCall() {
        Recording r = Recording.load("webm-vp8-opus");
        ByteBuffer first = r.chunks().get(1);
        first.position(first.limit());
        assertThat(r.chunks().get(1).remaining()).isPositive();
        r.bytes()[0] = 0;
        assertThat(r.bytes()[0]).isEqualTo((byte) 0x1A);
    }

    @Test
    void unknownFixtureFails() {
        assertThatThrownBy(() -> Recording.load("no-such-fixture")).isInstanceOf(IllegalArgumentException.class);
    }
}
