package io.wsvideo.relay.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameTest {

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.duplicate().get(a);
        return a;
    }

    @Test
    void everyFrameReadsBackAsWritten() {
        ByteBuffer init = ByteBuffer.wrap("init".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer media = ByteBuffer.wrap("media".getBytes(StandardCharsets.US_ASCII));
        Frame start = Frame.parse(Frame.start(-7, 3, 1234, "video/webm;codecs=\"vp8,opus\"", List.of(init, media)));
        assertThat(start.type()).isEqualTo(Frame.START);
        assertThat(start.node()).isEqualTo(-7);
        assertThat(start.stream()).isEqualTo(3);
        assertThat(start.offset()).isEqualTo(1234);
        assertThat(start.text()).isEqualTo("video/webm;codecs=\"vp8,opus\"");
        assertThat(new String(bytes(start.payload()), StandardCharsets.US_ASCII)).isEqualTo("initmedia");
        assertThat(init.remaining()).as("the caller's buffers are not consumed").isEqualTo(4);

        Frame noMime = Frame.parse(Frame.start(1, 2, 0, null, List.of()));
        assertThat(noMime.text()).isNull();
        assertThat(noMime.payload().remaining()).isZero();

        Frame data = Frame.parse(Frame.data(1, 2, 99, media));
        assertThat(data.type()).isEqualTo(Frame.DATA);
        assertThat(data.offset()).isEqualTo(99);
        assertThat(bytes(data.payload())).isEqualTo("media".getBytes(StandardCharsets.US_ASCII));

        Frame end = Frame.parse(Frame.end(1, 2, "publisher left"));
        assertThat(end.text()).isEqualTo("publisher left");
        assertThat(Frame.parse(Frame.heartbeat(1, 2, 77)).offset()).isEqualTo(77);
        Frame continued = Frame.parse(Frame.continued(1, 2, 88));
        assertThat(continued.type()).isEqualTo(Frame.CONTINUED);
        assertThat(continued.sameStream(1, 2)).isTrue();
        assertThat(continued.offset()).isEqualTo(88);
        assertThat(Frame.parse(Frame.request(5)).type()).isEqualTo(Frame.REQUEST);
        assertThat(Frame.parse(Frame.claim(5, 6)).sameStream(5, 6)).isTrue();
    }

    @Test
    void framesOfAnotherVersionOrTruncatedAreIgnoredNotFatal() {
        byte[] data = Frame.data(1, 2, 3, ByteBuffer.wrap(new byte[10]));
        byte[] otherVersion = data.clone();
        otherVersion[0] = 2;
        assertThat(Frame.parse(otherVersion)).isNull();
        byte[] unknownType = data.clone();
        unknownType[1] = 'Z';
        assertThat(Frame.parse(unknownType)).isNull();
        for (int n = 0; n < 26; n++) {
            assertThat(Frame.parse(Arrays.copyOf(data, n))).as("first %d bytes", n).isNull();
        }
        byte[] start = Frame.start(1, 2, 3, "video/webm", List.of());
        for (int n = 0; n < start.length; n++) {
            assertThat(Frame.parse(Arrays.copyOf(start, n))).as("first %d bytes", n).isNull();
        }
    }

    @Test
    void configRejectsBadValuesNamingThem() {
        assertThatThrownBy(() -> RedisBridgeConfig.builder("http://x").build()).hasMessageContaining("redisUri");
        assertThatThrownBy(() -> RedisBridgeConfig.builder("redis://x").heartbeatMillis(0).build())
                .hasMessageContaining("heartbeatMillis");
        assertThatThrownBy(() -> RedisBridgeConfig.builder("redis://x").heartbeatMillis(1000)
                .remoteTimeoutMillis(1500).build()).hasMessageContaining("remoteTimeoutMillis");
        assertThatThrownBy(() -> RedisBridgeConfig.builder("redis://x").ownerTtlMillis(100).build())
                .hasMessageContaining("ownerTtlMillis");
        assertThat(RedisBridgeConfig.builder("redis://:secret@host:6379").build().toString())
                .doesNotContain("secret").contains("redis://***@host:6379");
    }
}
