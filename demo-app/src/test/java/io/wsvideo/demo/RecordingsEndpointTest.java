package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo with {@code --record-dir}: a publisher over a real WebSocket is recorded, and {@code /recordings}
 * lists and serves the file over real HTTP (Grizzly; Netty in {@link RecordingsEndpointNettyTest}) with byte
 * ranges, behind the view tokens, refusing names that try to leave the directory.
 */
class RecordingsEndpointTest {

    /** HTTP/1.1 only: Grizzly drops the Content-Type of its answer to an h2c upgrade offer (browsers send none). */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final Recording VP8 = Recording.load("webm-vp8-opus");

    @TempDir
    Path dir;

    private RelayServer server;

    /** The engine under test; {@link RecordingsEndpointNettyTest} runs the same on Netty. */
    RelayServer.Engine engine() {
        return RelayServer.Engine.TYRUS;
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String base() {
        return "http://127.0.0.1:" + server.port();
    }

    private RelayServer start(Map<String, String> settings) throws Exception {
        java.util.Map<String, String> p = new java.util.LinkedHashMap<>(settings);
        p.put("wsvideo.recordDir", dir.toString());
        server = engine().start("127.0.0.1", 0, JakartaRelayConfig.fromProperties(p));
        return server;
    }

    /** Publishes the whole fixture on {@code channel} and waits until its recording is complete. */
    private void publish(String channel, String query) throws Exception {
        WsClient publisher = WsClient.connect("ws://127.0.0.1:" + server.port() + "/relay/publish/" + channel + "?mime="
                + URLEncoder.encode(VP8.mime(), StandardCharsets.UTF_8) + query);
        for (ByteBuffer c : VP8.chunks()) {
            publisher.sendBinary(c);
        }
        // One stats snapshot per check: the channel can be dropped between two (NPE seen in CI).
        WsClient.await(Duration.ofSeconds(10), () -> {
            var c = server.hub().stats().channel(channel);
            return c != null && c.bytesIn() == VP8.bytes().length;
        });
        publisher.close();
        WsClient.await(Duration.ofSeconds(10), () -> {
            var c = server.hub().stats().channel(channel);
            return c == null || !c.live();
        });
    }

    private void awaitComplete(int files) throws Exception {
        WsClient.await(Duration.ofSeconds(15), () -> {
            try {
                String json = get("/recordings?token=see", Map.of()).body();
                return count(json, "\"recording\":false") == files && !json.contains("\"recording\":true");
            } catch (Exception e) {
                return false;
            }
        });
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private HttpResponse<String> get(String path, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path));
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<byte[]> bytes(String path, Map<String, String> headers, String method) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base() + path))
                .method(method, HttpRequest.BodyPublishers.noBody());
        headers.forEach(b::header);
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private String recordingName() throws Exception {
        Matcher m = Pattern.compile("\"name\":\"([^\"]+)\"").matcher(get("/recordings?token=see", Map.of()).body());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void aBroadcastIsRecordedListedAndServedWithRanges() throws Exception {
        start(Map.of("wsvideo.viewTokens", "see"));
        publish("cam", "&token=ignored-publishing-is-open");
        awaitComplete(1);
        String name = recordingName();
        byte[] file = Files.readAllBytes(dir.resolve(name));

        String list = get("/recordings?token=see", Map.of()).body();
        assertThat(list).contains("\"channel\":\"cam\"", "\"codec\":\"vp8,opus\"", "\"duration\":3.996",
                "\"bytes\":" + file.length, "\"start\":\"");
        assertThat(get("/recordings?token=see&channel=other", Map.of()).body()).isEqualTo("[]");
        assertThat(get("/relay/stats", Map.of()).body()).contains("\"recorder\":{\"started\":1,\"failed\":0");
        assertThat(get("/metrics", Map.of()).body()).contains("wsvideo_recordings_started_total 1.0",
                "wsvideo_recordings_failed_total 0.0", "wsvideo_recorded_bytes_total " + VP8.bytes().length + ".0",
                "wsvideo_recordings_active 0.0");

        HttpResponse<byte[]> whole = bytes("/recordings/" + name + "?token=see", Map.of(), "GET");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/webm");
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.body()).isEqualTo(file);

        HttpResponse<byte[]> head = bytes("/recordings/" + name + "?token=see", Map.of(), "HEAD");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(file.length));
        assertThat(head.body()).isEmpty();

        HttpResponse<byte[]> part = bytes("/recordings/" + name, Map.of("Range", "bytes=100-199",
                "Authorization", "Bearer see"), "GET");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("Content-Range")).hasValue("bytes 100-199/" + file.length);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(file, 100, 200));

        HttpResponse<byte[]> suffix = bytes("/recordings/" + name + "?token=see", Map.of("Range", "bytes=-64"), "GET");
        assertThat(suffix.statusCode()).isEqualTo(206);
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(file, file.length - 64, file.length));

        HttpResponse<byte[]> past = bytes("/recordings/" + name + "?token=see",
                Map.of("Range", "bytes=" + file.length + "-"), "GET");
        assertThat(past.statusCode()).isEqualTo(416);
        assertThat(past.headers().firstValue("Content-Range")).hasValue("bytes */" + file.length);
    }

    @Test
    void recordingsAreBehindTheViewTokens() throws Exception {
        start(Map.of("wsvideo.viewTokens", "see"));
        publish("cam", "");
        awaitComplete(1);
        String name = recordingName();
        assertThat(get("/recordings", Map.of()).statusCode()).isEqualTo(401);
        assertThat(get("/recordings?token=nope", Map.of()).statusCode()).isEqualTo(403);
        assertThat(get("/recordings/" + name, Map.of()).statusCode()).isEqualTo(401);
        assertThat(get("/recordings/" + name, Map.of("Authorization", "Bearer nope")).statusCode()).isEqualTo(403);
    }

    @Test
    void namesThatTryToLeaveTheDirectoryAreRefused() throws Exception {
        start(Map.of());
        Files.writeString(dir.getParent().resolve("secret.webm"), "root:x:0:0");
        for (String path : List.of("/recordings/../secret.webm", "/recordings/%2e%2e/secret.webm",
                "/recordings/.%2e/secret.webm", "/recordings//etc/passwd",
                "/recordings/cam_20200101T000000.000Z.webm/../../secret.webm")) {
            String response = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(status(response)).as(path).matches("HTTP/1\\.1 (400|404) .*");
            assertThat(response).as(path).doesNotContain("root:x");
        }
        // An encoded slash, backslash or NUL anywhere in a path, or a path climbing above the root: Grizzly cannot
        // decode it (its handler chain answered 500; UndecodablePathFilter answers 400), Netty hands it to the handler.
        for (String path : List.of("/recordings/../..", "/recordings/..%2Fsecret.webm", "/recordings/%2e%2e%2fsecret.webm",
                "/recordings/..%5Csecret.webm", "/recordings/cam%00.webm", "/recordings/%2Fetc%2Fpasswd")) {
            String response = raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            assertThat(status(response)).as(path).matches(engine() == RelayServer.Engine.TYRUS
                    ? "HTTP/1\\.1 400 .*" : "HTTP/1\\.1 (400|404) .*");
            assertThat(response).as(path).doesNotContain("root:x");
        }
        if (engine() == RelayServer.Engine.TYRUS) {
            // Without "Connection: close" too: a whole answer, then the connection closes (raw() reads to the end).
            String kept = raw("GET /recordings/%2e%2e%2fsecret.webm HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(status(kept)).matches("HTTP/1\\.1 400 .*");
            assertThat(kept).contains("Content-Length: ").endsWith("the path cannot be decoded\n");
        }
    }

    private static String status(String response) {
        return response.substring(0, response.indexOf("\r\n"));
    }

    @Test
    void aBrowserOpeningTheListGetsThePage() throws Exception {
        start(Map.of());
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/recordings?channel=cam"))
                .header("Accept", "text/html,application/xhtml+xml").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(303);
        assertThat(r.headers().firstValue("Location")).hasValue("/recordings.html?channel=cam");
    }

    @Test
    void onRequestOnlyAPublisherAskingWithRecord1IsRecorded() throws Exception {
        start(Map.of("wsvideo.recordOnRequest", "true"));
        publish("quiet", "");
        publish("asks", "&record=1");
        awaitComplete(1);
        assertThat(get("/recordings", Map.of()).body()).contains("\"channel\":\"asks\"").doesNotContain("quiet");
    }

    private String raw(String request) throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
