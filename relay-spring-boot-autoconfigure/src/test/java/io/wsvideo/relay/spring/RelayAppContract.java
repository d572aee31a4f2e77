package io.wsvideo.relay.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.RelayContextListener;
import io.wsvideo.relay.record.MediaTools;
import io.wsvideo.relay.testing.Recording;
import io.wsvideo.relay.testing.StreamAnalysis;
import jakarta.servlet.ServletContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * An application with nothing but the starter and two properties, on a real embedded server (the subclass's
 * test JVM has only Tomcat or only Jetty), driven by real WebSocket clients with a real MediaRecorder
 * recording.
 */
@SpringBootTest(classes = RelayTestApp.class, webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1",
    "wsvideo.publish-tokens=" + RelayAppContract.PUBLISH_TOKEN + ",second-token",
    "wsvideo.view-tokens=" + RelayAppContract.VIEW_TOKEN,
    "wsvideo.record-channels=rec-.*", // only the recording test's channels, not every test's
    "management.endpoints.web.exposure.include=health,prometheus,wsvideo",
    "management.endpoint.health.show-details=always"})
abstract class RelayAppContract {

    /** {@code wsvideo.record-dir}: a new folder under target/ for this test JVM's application. */
    static final Path RECORD_DIR = newFolder("recordings");

    @DynamicPropertySource
    static void recordDir(DynamicPropertyRegistry registry) {
        registry.add("wsvideo.record-dir", RECORD_DIR::toString);
    }

    static Path newFolder(String prefix) {
        try {
            return Files.createTempDirectory(Files.createDirectories(Path.of("target")), prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern RECEIVED_BYTES =
            Pattern.compile("wsvideo_received_bytes_total [1-9][0-9.E]*");

    static final String PUBLISH_TOKEN = "publish-secret";
    static final String VIEW_TOKEN = "view-secret";

    @LocalServerPort
    int port;

    @Autowired
    ApplicationContext context;

    @Autowired
    ServletContext servletContext;

    @Autowired
    RelayHub hub;

    /** The web server class's simple name this test JVM must be running. */
    abstract String expectedServer();

    String ws(String path) {
        return "ws://127.0.0.1:" + port + path;
    }

    RelayClient publisher(String channel, String mime) throws Exception {
        return RelayClient.open(ws("/relay/publish/" + channel + "?mime=" + URLEncoder.encode(mime,
                StandardCharsets.UTF_8) + "&token=" + PUBLISH_TOKEN));
    }

    /** A viewer that offers its token as the subprotocol, as the demo pages do. */
    RelayClient viewer(String channel) throws Exception {
        RelayClient v = RelayClient.open(ws("/relay/view/" + channel), VIEW_TOKEN);
        v.awaitControl("\"type\":");
        return v;
    }

    @Test
    void runsOnTheServerOfThisTestJvm() {
        String server = ((WebServerApplicationContext) context).getWebServer().getClass().getSimpleName();
        assertThat(server).startsWith(expectedServer());
    }

    /**
     * Spring Boot's embedded servers do not read web fragments, so relay-jakarta's drop-in listener never ran:
     * only the starter registered the endpoints (had both, the second registration of the same paths would
     * have failed the start).
     */
    @Test
    void theDropInWebFragmentDidNotRunInTheEmbeddedServer() {
        assertThat(servletContext.getAttribute(RelayContextListener.HUB_ATTRIBUTE)).isNull();
        assertThat(context.getBeansOfType(RelayHub.class)).containsOnlyKeys("wsvideoRelayHub");
    }

    @Test
    void aLateViewerGetsTheInitSegmentThenMediaFromAKeyframe() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        byte[] all = Recording.asRelayed(rec.bytes()); // as the relay passes it on (WebM AlphaMode cleared)
        StreamAnalysis analysis = StreamAnalysis.of(all, rec.mime());
        List<ByteBuffer> chunks = rec.chunks();
        int joinAfter = 20; // 2.4 s in: two keyframes have gone by

        RelayClient early = viewer("latejoin");
        RelayClient publisher = publisher("latejoin", rec.mime());
        long sent = chunks.subList(0, joinAfter).stream().mapToLong(ByteBuffer::remaining).sum();
        for (ByteBuffer chunk : chunks.subList(0, joinAfter)) {
            publisher.send(chunk);
        }
        // Once the early viewer has every byte so far, the hub has seen them all before the late one joins.
        RelayClient.await(() -> early.media().length == sent, () -> "the early viewer gets " + sent + " bytes; it has "
                + early.media().length + " and " + early.controls());
        RelayClient late = viewer("latejoin");
        for (ByteBuffer chunk : chunks.subList(joinAfter, chunks.size())) {
            publisher.send(chunk);
        }
        RelayClient.await(() -> endsWith(late.media(), all) && early.media().length == all.length,
                () -> "both viewers get the end of the stream; the late one has " + late.media().length + " bytes");

        assertThat(early.media()).as("the early viewer gets every byte").isEqualTo(all);
        byte[] got = late.media();
        int initEnd = (int) analysis.initEnd();
        assertThat(Arrays.copyOf(got, initEnd)).as("the late viewer starts with the init segment")
                .isEqualTo(Arrays.copyOf(all, initEnd));
        long start = all.length - (got.length - initEnd);
        assertThat(analysis.raps()).as("then media from the start of a keyframe cluster").contains(start);
        assertThat(start).as("a recent keyframe, not the stream's first").isGreaterThan(analysis.raps().get(0));
        assertThat(late.mediaMessages()).as("init segment, then media").isGreaterThanOrEqualTo(2);
        assertThat(late.controls()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                .satisfies(t -> assertThat(t).contains("video/webm;codecs=\\\"vp8,opus\\\""));

        publisher.close();
        late.awaitControl("\"type\":\"ended\"");
        early.close();
        late.close();
    }

    @Test
    void publishAndViewTokensAreChecked() throws Exception {
        RelayClient noToken = RelayClient.open(ws("/relay/publish/guarded?mime=video%2Fwebm"));
        assertThat(noToken.awaitClose()).isEqualTo(new RelayClient.Close(1008, "invalid token"));
        RelayClient wrongToken = RelayClient.open(ws("/relay/publish/guarded?token=nope"), "also-nope");
        assertThat(wrongToken.awaitClose()).isEqualTo(new RelayClient.Close(1008, "invalid token"));
        RelayClient wrongViewer = RelayClient.open(ws("/relay/view/guarded"), PUBLISH_TOKEN);
        assertThat(wrongViewer.awaitClose()).isEqualTo(new RelayClient.Close(1008, "invalid token"));

        // The second of the two publish tokens, offered as the subprotocol.
        RelayClient publisher = RelayClient.open(ws("/relay/publish/guarded?mime=video%2Fwebm"), "second-token");
        RelayClient.await(() -> hub.stats(false).channel("guarded") != null && hub.stats(false).channel("guarded")
                .live(), () -> "the publisher is admitted; it " + (publisher.closed() ? "was closed" : "is open"));
        publisher.close();
    }

    @Test
    void theActuatorShowsTheRelayMetricsHealthAndStats() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        RelayClient viewer = viewer("dashboard");
        RelayClient publisher = publisher("dashboard", rec.mime());
        for (ByteBuffer chunk : rec.chunks().subList(0, 10)) {
            publisher.send(chunk);
        }

        // The meters refresh once a second from the hub's stats; the byte counter may show the chunks a
        // refresh after the gauges show the publisher (they failed CI that way).
        RelayClient.await(() -> scrape().contains("wsvideo_channel_viewers{channel=\"dashboard\"} 1.0")
                && scrape().contains("wsvideo_publishers 1.0")
                && RECEIVED_BYTES.matcher(scrape()).find(), () -> "prometheus shows the channel:\n" + scrape());
        String metrics = scrape();
        assertThat(metrics).contains("# TYPE wsvideo_received_bytes_total counter", "wsvideo_viewers 1.0");
        assertThat(metrics).containsPattern(RECEIVED_BYTES);

        HttpResponse<String> health = Http.get(port, "/actuator/health/wsvideo");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"", "\"viewers\":1", "\"publishers\":1");

        HttpResponse<String> stats = Http.get(port, "/actuator/wsvideo");
        assertThat(stats.statusCode()).isEqualTo(200);
        assertThat(stats.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("json"));
        assertThat(stats.body()).startsWith("{\"viewerCount\":1,").contains("\"name\":\"dashboard\"", "\"live\":true")
                .doesNotContain("\"viewers\":[");
        HttpResponse<String> channel = Http.get(port, "/actuator/wsvideo/dashboard");
        assertThat(channel.statusCode()).isEqualTo(200);
        assertThat(channel.body()).contains("\"name\":\"dashboard\"", "\"viewers\":[{");
        assertThat(Http.get(port, "/actuator/wsvideo/no-such-channel").statusCode()).isEqualTo(404);

        publisher.close();
        viewer.close();
    }

    /**
     * With {@code wsvideo.record-dir} the starter records like the WAR: the ended broadcast is a complete file
     * that ffprobe reads the duration of, listed and served at {@code /recordings} behind the view token, counted
     * in the recorder's meters and stats; channels that {@code wsvideo.record-channels} leaves out are not
     * recorded.
     */
    @Test
    void aRecordedBroadcastIsACompleteFileServedAtRecordings() throws Exception {
        MediaTools.require("ffprobe");
        Recording rec = Recording.load("webm-vp8-opus");
        RelayClient publisher = publisher("rec-news", rec.mime());
        for (ByteBuffer chunk : rec.chunks()) {
            publisher.send(chunk);
        }
        RelayClient.await(() -> {
            ChannelStats c = hub.stats(false).channel("rec-news"); // one snapshot: the channel may go meanwhile
            return c != null && c.bytesIn() == rec.bytes().length;
        }, () -> "the relay receives the whole stream: " + hub.stats(false).channel("rec-news"));
        publisher.close();
        String token = "?token=" + VIEW_TOKEN;
        RelayClient.await(() -> recordings(token).contains("\"recording\":false"),
                () -> "the recording is completed once its publisher left: " + recordings(token));

        String list = recordings(token);
        assertThat(list).contains("\"channel\":\"rec-news\"", "\"codec\":\"vp8,opus\"", "\"duration\":3.996")
                .doesNotContain("\"recording\":true");
        Matcher names = Pattern.compile("\"name\":\"([^\"]+)\"").matcher(list);
        assertThat(names.find()).as("a recording in %s", list).isTrue();
        String name = names.group(1);
        assertThat(names.find()).as("one recording, channels outside rec-.* are not recorded: %s", list).isFalse();
        Path file = RECORD_DIR.resolve(name);
        assertThat(file).isRegularFile();
        assertThat(MediaTools.duration(file)).as("ffprobe's duration of %s", file).isCloseTo(3.996, within(0.05));
        byte[] bytes = Files.readAllBytes(file);

        assertThat(Http.get(port, "/recordings").statusCode()).as("no view token").isEqualTo(401);
        assertThat(Http.get(port, "/recordings?token=" + PUBLISH_TOKEN).statusCode()).as("wrong token").isEqualTo(403);
        HttpResponse<byte[]> whole = Http.bytes(port, "GET", "/recordings/" + name + token, Map.of());
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/webm");
        assertThat(whole.body()).isEqualTo(bytes);
        HttpResponse<byte[]> part = Http.bytes(port, "GET", "/recordings/" + name,
                Map.of("Range", "bytes=100-199", "Authorization", "Bearer " + VIEW_TOKEN));
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.body()).isEqualTo(Arrays.copyOfRange(bytes, 100, 200));

        assertThat(Http.get(port, "/actuator/wsvideo").body()).contains("\"recorder\":{\"started\":1,\"failed\":0");
        assertThat(scrape()).contains("wsvideo_recordings_started_total 1.0", "wsvideo_recordings_failed_total 0.0",
                "wsvideo_recorded_bytes_total " + rec.bytes().length + ".0", "wsvideo_recordings_active 0.0");
    }

    private String recordings(String query) {
        try {
            return Http.get(port, "/recordings" + query).body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private String scrape() {
        try {
            return Http.get(port, "/actuator/prometheus").body();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean endsWith(byte[] got, byte[] all) {
        int n = Math.min(4096, all.length);
        return got.length >= n && Arrays.equals(got, got.length - n, got.length, all, all.length - n, all.length);
    }
}
