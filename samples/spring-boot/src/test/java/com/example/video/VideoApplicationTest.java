package com.example.video;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.spring.RelayClient;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The sample starts, relays a real recording, and is what the README shows. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = "server.address=127.0.0.1")
class VideoApplicationTest {

    @LocalServerPort
    int port;

    @Test
    void aViewerGetsWhatAPublisherWithTheTokenSends() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        String base = "ws://127.0.0.1:" + port + "/relay/";
        RelayClient viewer = RelayClient.open(base + "view/demo");
        viewer.awaitControl("\"type\":\"waiting\"");
        RelayClient publisher = RelayClient.open(base + "publish/demo?mime=video%2Fwebm&token=change-me");
        for (ByteBuffer chunk : rec.chunks()) {
            publisher.send(chunk);
        }
        RelayClient.await(() -> viewer.media().length == rec.bytes().length,
                () -> "the viewer gets the whole recording; it has " + viewer.media().length + " bytes");
        assertThat(viewer.media()).isEqualTo(Recording.asRelayed(rec.bytes()));
        publisher.close();
        viewer.close();

        RelayClient noToken = RelayClient.open(base + "publish/demo?mime=video%2Fwebm");
        assertThat(noToken.awaitClose()).isEqualTo(new RelayClient.Close(1008, "invalid token"));
    }

    /** The README's Spring Boot section shows this application's code and properties as they are. */
    @Test
    void theReadmeShowsThisApplication() throws Exception {
        String readme = read("../../README.md");
        String code = read("src/main/java/com/example/video/VideoApplication.java");
        assertThat(readme).contains(code.substring(code.indexOf("@SpringBootApplication")).strip());
        assertThat(readme).contains(read("src/main/resources/application.properties").strip());
        assertThat(readme).contains("<artifactId>relay-spring-boot-starter</artifactId>");
    }

    private static String read(String path) throws Exception {
        return Files.readString(Path.of(path), StandardCharsets.UTF_8);
    }
}
