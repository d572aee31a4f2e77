package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Viewers say what they play on the view URL ({@code ?plays=}), over real sockets: {@code /relay/stats} counts
 * it per channel for the broadcaster's page, and a bad value gets 1008 with the reason while the other viewers
 * stay. {@link ViewerPlaysSocketNettyTest} runs the same against Netty.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewerPlaysSocketTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private RelayServer server;

    RelayServer.Engine engine() {
        return RelayServer.Engine.TYRUS;
    }

    @BeforeAll
    void start() throws Exception {
        server = engine().start("127.0.0.1", 0, JakartaRelayConfig.defaults());
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String view(String channel, String query) {
        return "ws://127.0.0.1:" + server.port() + "/relay/view/" + channel + query;
    }

    private String stats() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/relay/stats"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    @Test
    void statsCountWhatTheConnectedViewersPlayAndBadValuesAreRefused() throws Exception {
        WsClient firefox = WsClient.connect(view("plays", "?plays=webm.vp8.opus,webm.vp9.opus,mp4.avc1.opus"));
        WsClient webCodecs = WsClient.connect(view("plays", "?format=frames&plays=webm.vp8.opus,mkv.avc1.opus"));
        WsClient oldPage = WsClient.connect(view("plays", ""));
        try {
            WsClient.await(Duration.ofSeconds(10), () -> server.hub().viewerCount("plays") == 3);
            assertThat(stats()).contains("\"viewerCount\":3,").contains(",\"viewersReporting\":2,\"plays\":{"
                    + "\"mkv.avc1.opus\":1,\"mp4.avc1.opus\":1,\"webm.vp8.opus\":2,\"webm.vp9.opus\":1}");

            for (String bad : new String[] {"?plays=WebM", "?plays=webm.vp8,,opus", "?plays=" + "a,".repeat(20) + "a",
                    "?plays=webm.vp8.opus%3Cscript%3E"}) {
                WsClient refused = WsClient.connect(view("plays", bad));
                WsClient.Close close = refused.awaitClose(Duration.ofSeconds(10));
                assertThat(close.code()).as(bad).isEqualTo(CloseCodes.POLICY_VIOLATION);
                assertThat(close.reason()).as(bad).startsWith("bad plays parameter: ");
            }
            assertThat(firefox.isOpen()).isTrue();
            assertThat(webCodecs.isOpen()).isTrue();
            assertThat(server.hub().viewerCount("plays")).isEqualTo(3);

            // Only the viewers now connected count.
            firefox.close();
            WsClient.await(Duration.ofSeconds(10), () -> server.hub().viewerCount("plays") == 2);
            assertThat(stats()).contains(",\"viewersReporting\":1,\"plays\":{\"mkv.avc1.opus\":1,\"webm.vp8.opus\":1}");
        } finally {
            firefox.close();
            webCodecs.close();
            oldPage.close();
        }
    }
}
