package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The packaged demo, as a user runs it: {@code java -jar demo-app/target/wsvideo-demo.jar}. Catches what
 * tests on the test classpath cannot: a dependency missing from the shaded jar, pages missing from it,
 * a server that does not stop on SIGTERM.
 */
class DemoJarIT {

    @ParameterizedTest
    @ValueSource(strings = {"tyrus", "netty"})
    void theJarServesThePagesAndTheRelayAndStopsCleanlyOnSigterm(String engine) throws Exception {
        Path jar = Path.of("target", "wsvideo-demo.jar");
        assertThat(jar).exists();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path logFile = Files.createTempFile("wsvideo-demo", ".log");
        ProcessBuilder pb = new ProcessBuilder(java, "-jar", jar.toString(), "--host", "127.0.0.1", "--engine",
                engine)
                .redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("PORT", String.valueOf(port));
        Process p = pb.start();
        try {
            WsClient.await(Duration.ofSeconds(20), () -> log(logFile).contains("/stream"));
            assertThat(log(logFile)).contains("http://127.0.0.1:" + port + "/stream");

            HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/stream")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("relay-player.js");
            for (String path : new String[] {"/relay/stats", "/metrics"}) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(path).isEqualTo(200);
                assertThat(r.body()).as(path).contains(path.equals("/metrics") ? "wsvideo_" : "\"channels\"");
            }
            if (engine.equals("netty") && System.getProperty("os.name").startsWith("Linux")) {
                assertThat(log(logFile)).as("the native transport loads from the shaded jar").contains("EPOLL");
            }

            Recording rec = Recording.load("webm-vp8-opus");
            WsClient viewer = WsClient.connect("ws://127.0.0.1:" + port + "/relay/view/jar");
            WsClient publisher = WsClient.connect("ws://127.0.0.1:" + port + "/relay/publish/jar");
            for (ByteBuffer c : rec.chunks()) {
                publisher.sendBinary(c);
            }
            WsClient.await(Duration.ofSeconds(10), () -> viewer.bytes().length >= rec.bytes().length);
            assertThat(viewer.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(15, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
            assertThat(viewer.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1001);
            assertThat(log(logFile)).contains("shutting down");
        } finally {
            p.destroyForcibly();
        }
    }

    private static String log(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
