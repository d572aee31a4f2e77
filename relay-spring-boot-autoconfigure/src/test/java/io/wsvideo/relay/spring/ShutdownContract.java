package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.record.MediaTools;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
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

    /**
     * A broadcast still running when the application stops: the hub ends it (1001) before the recorder is
     * closed, so its file is completed, and ffprobe reads the duration of what was sent (measured by ffmpeg's
     * remux of the same bytes).
     */
    @Test
    void closingTheApplicationCompletesTheRecordingInProgress() throws Exception {
        MediaTools.require("ffprobe", "ffmpeg");
        Path dir = RelayAppContract.newFolder("shutdown-recordings");
        app = new SpringApplicationBuilder(RelayTestApp.class)
                .properties("server.port=0", "server.address=127.0.0.1", "wsvideo.record-dir=" + dir)
                .run();
        int port = ((WebServerApplicationContext) app).getWebServer().getPort();
        Recording rec = Recording.load("webm-vp8-opus");
        RelayClient publisher = RelayClient.open("ws://127.0.0.1:" + port + "/relay/publish/live?mime=video%2Fwebm");
        List<ByteBuffer> chunks = rec.chunks().subList(0, 20); // 2.4 s of the 4 s
        int sent = chunks.stream().mapToInt(ByteBuffer::remaining).sum();
        for (ByteBuffer chunk : chunks) {
            publisher.send(chunk);
        }
        RelayHub hub = app.getBean(RelayHub.class);
        RelayClient.await(() -> {
            ChannelStats c = hub.stats(false).channel("live");
            return c != null && c.bytesIn() == sent;
        }, () -> "the hub (and so the recorder) gets the " + sent + " bytes sent: " + hub.stats(false).channel("live"));

        app.close();

        assertThat(publisher.awaitClose()).isEqualTo(new RelayClient.Close(1001, "relay shutting down"));
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().matches("live_.*\\.webm")).toList();
        }
        assertThat(files).as("the recordings in %s", dir).singleElement();
        Path raw = dir.resolve("sent.webm");
        Files.write(raw, Arrays.copyOf(rec.bytes(), sent)); // the chunks are consecutive slices of the bytes
        double real = MediaTools.remuxedDuration(raw, "webm");
        assertThat(real).as("the first 20 chunks' real duration").isBetween(1.5, 3.5);
        assertThat(MediaTools.duration(files.get(0))).as("ffprobe's duration of the completed %s", files.get(0))
                .isCloseTo(real, within(0.2));
    }
}
