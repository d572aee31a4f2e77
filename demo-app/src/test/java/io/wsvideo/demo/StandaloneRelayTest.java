package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The standalone demo server with real WebSocket clients and a real MediaRecorder recording. */
class StandaloneRelayTest {

    private static DemoServer server;

    @BeforeAll
    static void start() throws Exception {
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String ws(String path) {
        return "ws://127.0.0.1:" + server.port() + path;
    }

    @Test
    void severalViewersReceiveExactlyThePublishedBytesInOrder() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        List<WsClient> viewers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            viewers.add(WsClient.connect(ws("/relay/view/standalone")));
        }
        WsClient publisher = WsClient.connect(ws("/relay/publish/standalone?mime="
                + java.net.URLEncoder.encode(rec.mime(), java.nio.charset.StandardCharsets.UTF_8)));
        for (ByteBuffer chunk : rec.chunks()) {
            publisher.sendBinary(chunk);
        }
        for (WsClient v : viewers) {
            WsClient.await(Duration.ofSeconds(10), () -> v.bytes().length >= rec.bytes().length);
            assertThat(v.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));
            assertThat(v.texts()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                    .satisfies(t -> assertThat(t).contains("video/webm;codecs=\\\"vp8,opus\\\""));
        }
        publisher.close();
        for (WsClient v : viewers) {
            WsClient.await(Duration.ofSeconds(5), () -> v.texts().stream().anyMatch(t -> t.contains("ended")));
            v.close();
        }
    }

    @Test
    void theStreamPageAndStatsAreServedOnTheSamePort() throws Exception {
        // HTTP/1.1 as browsers speak it (the JDK client would otherwise offer an h2c upgrade).
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/stream")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<video");
        HttpResponse<String> js = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/js/relay-player.js")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.headers().firstValue("content-type")).hasValueSatisfying(
                ct -> assertThat(ct).contains("javascript"));
        HttpResponse<String> stats = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/relay/stats")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.body()).startsWith("{\"viewerCount\":");
        HttpResponse<String> missing = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port() + "/relay/nothing")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void aPublisherSendingSomethingElseThanItsMimeTypeSaysIsClosedAndOnlyItsViewersAreTold() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        WsClient victim = WsClient.connect(ws("/relay/view/liar"));
        WsClient bystander = WsClient.connect(ws("/relay/view/honest"));
        WsClient honest = WsClient.connect(ws("/relay/publish/honest?mime=video/webm"));
        WsClient liar = WsClient.connect(ws("/relay/publish/liar?mime=video/webm"));
        liar.sendBinary(ByteBuffer.wrap("<html>not a video</html>".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        for (ByteBuffer chunk : rec.chunks()) {
            honest.sendBinary(chunk);
        }
        WsClient.Close reason = liar.awaitClose(Duration.ofSeconds(5));
        assertThat(reason.code()).isEqualTo(1003);
        assertThat(reason.reason()).contains("not WebM");
        WsClient.await(Duration.ofSeconds(5), () -> victim.texts().stream().anyMatch(t -> t.contains("ended")));
        assertThat(victim.isOpen()).isTrue();
        WsClient.await(Duration.ofSeconds(10), () -> bystander.bytes().length >= rec.bytes().length);
        assertThat(bystander.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));
        honest.close();
        victim.close();
        bystander.close();
    }

    @Test
    void aMessageLargerThanTheLimitClosesThePublisherWith1009() throws Exception {
        WsClient big = WsClient.connect(ws("/relay/publish/big?mime=video/webm"));
        try {
            big.sendBinary(ByteBuffer.allocate(server.config().maxMessageBytes() + 1));
        } catch (java.util.concurrent.ExecutionException e) {
            // The server refuses at the frame header and closes before the client has written it all.
        }
        WsClient.Close reason = big.awaitClose(Duration.ofSeconds(5));
        assertThat(reason.code()).isEqualTo(1009);
        assertThat(reason.reason()).isEqualTo("message larger than " + server.config().maxMessageBytes() + " bytes");
    }

    @Test
    void aViewerThatSendsMediaIsClosedWith1003() throws Exception {
        WsClient rude = WsClient.connect(ws("/relay/view/rude"));
        rude.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        WsClient.Close reason = rude.awaitClose(Duration.ofSeconds(5));
        assertThat(reason.code()).isEqualTo(1003);
        assertThat(reason.reason()).isEqualTo("viewers may not send media");
    }

    @Test
    void aSecondPublisherOnABusyChannelIsRefusedWith1008() throws Exception {
        WsClient first = WsClient.connect(ws("/relay/publish/busy"));
        // The handshake's answer can reach the client before the server's onOpen ran: "first" is the one
        // the hub took, so wait for it before the second one tries.
        WsClient.await(Duration.ofSeconds(5), () -> server.hub().stats(false).channel("busy") != null
                && server.hub().stats(false).channel("busy").live());
        WsClient second = WsClient.connect(ws("/relay/publish/busy"));
        WsClient.Close reason = second.awaitClose(Duration.ofSeconds(5));
        assertThat(reason.code()).isEqualTo(1008);
        assertThat(reason.reason()).isEqualTo("channel busy: busy");
        assertThat(first.isOpen()).isTrue();
        first.close();
    }
}
