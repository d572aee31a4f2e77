package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** Stopping the application tells every relay client, with 1001, before the server goes away. */
abstract class ShutdownContract {

    private ConfigurableApplicationContext app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void closingTheApplicationClosesPublishersAndViewersWith1001() throws Exception {
        app = new SpringApplicationBuilder(RelayTestApp.class)
                .properties("server.port=0", "server.address=127.0.0.1")
                .run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        String base = "ws://127.0.0.1:" + port + "/relay/";
        Recording rec = Recording.load("webm-vp8-opus");
        RelayClient viewer = RelayClient.open(base + "view/news");
        RelayClient waiting = RelayClient.open(base + "view/nobody-yet");
        RelayClient publisher = RelayClient.open(base + "publish/news?mime=video%2Fwebm");
        for (ByteBuffer chunk : rec.chunks().subList(0, 5)) {
            publisher.send(chunk);
        }
        viewer.awaitControl("\"type\":\"stream\"");
        waiting.awaitControl("\"type\":\"waiting\"");

        app.close();

        RelayClient.Close goingAway = new RelayClient.Close(1001, "relay shutting down");
        for (RelayClient c : List.of(viewer, waiting, publisher)) {
            assertThat(c.awaitClose()).isEqualTo(goingAway);
        }
    }
}
