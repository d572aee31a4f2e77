package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code /relay/view/{channel}?keys=1} over real sockets on each engine (Tyrus and Netty): a byte viewer that
 * asked is told where the video key frames of a real recording are ({@code {"type":"key","t":...}}, the times
 * ffprobe gives them), viewers that did not ask (or asked with {@code keys=0}, or watch frames) get none, and a
 * bad value is closed with 1008 and the reason while the others stay.
 */
class KeyMessagesSocketTest {

    private static String ws(RelayServer server, String path) {
        return "ws://127.0.0.1:" + server.port() + path;
    }

    @ParameterizedTest
    @EnumSource(RelayServer.Engine.class)
    void viewersThatAskAreToldTheKeyFramesAndABadValueIsRefused(RelayServer.Engine engine) throws Exception {
        // Video key frames at 6, 1044, 2045 and 3045 ms (golden/webm-vp8-opus.frames, from ffprobe).
        Recording rec = Recording.load("webm-vp8-opus");
        try (RelayServer server = engine.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            WsClient keys = WsClient.connect(ws(server, "/relay/view/k?keys=1"));
            WsClient plain = WsClient.connect(ws(server, "/relay/view/k"));
            WsClient zero = WsClient.connect(ws(server, "/relay/view/k?keys=0"));
            WsClient frames = WsClient.connect(ws(server, "/relay/view/k?format=frames&keys=1"));
            for (String bad : new String[] {"?keys=yes", "?keys=2", "?keys=%3Cscript%3E"}) {
                WsClient refused = WsClient.connect(ws(server, "/relay/view/k" + bad));
                WsClient.Close close = refused.awaitClose(Duration.ofSeconds(10));
                assertThat(close.code()).as(bad).isEqualTo(CloseCodes.POLICY_VIOLATION);
                assertThat(close.reason()).as(bad).startsWith("bad keys parameter ").endsWith(": use 1 or 0");
            }
            WsClient publisher = WsClient.connect(ws(server, "/relay/publish/k?mime="
                    + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8)));
            for (ByteBuffer chunk : rec.chunks()) {
                publisher.sendBinary(chunk);
            }
            int length = rec.bytes().length;
            WsClient.await(Duration.ofSeconds(15), () -> keys.bytes().length >= length
                    && plain.bytes().length >= length && zero.bytes().length >= length);
            WsClient.await(Duration.ofSeconds(5), () -> keyMessages(keys).size() >= 4);

            assertThat(keyMessages(keys)).containsExactly("{\"type\":\"key\",\"t\":0.006}",
                    "{\"type\":\"key\",\"t\":1.044}", "{\"type\":\"key\",\"t\":2.045}",
                    "{\"type\":\"key\",\"t\":3.045}");
            assertThat(keys.bytes()).isEqualTo(plain.bytes());
            for (WsClient other : List.of(plain, zero, frames)) {
                assertThat(keyMessages(other)).isEmpty();
                assertThat(other.isOpen()).isTrue();
            }
            assertThat(keys.isOpen()).isTrue();
            assertThat(server.hub().viewerCount("k")).isEqualTo(4);
            publisher.close();
            for (WsClient c : List.of(keys, plain, zero, frames)) {
                c.close();
            }
        }
    }

    private static List<String> keyMessages(WsClient c) {
        return c.texts().stream().filter(t -> t.startsWith("{\"type\":\"key\"")).toList();
    }
}
