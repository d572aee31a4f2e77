package io.wsvideo.demo;

import static io.wsvideo.demo.ViewerMatrix.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.demo.Browser.Engine;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Format choice end to end (docs/browsers.md): viewers' pages say what their engine plays when they join, the
 * relay counts it in the channel's stats, Chromium's broadcaster page prefers a format every current viewer
 * plays and warns when the chosen one leaves a viewer out, and that viewer's page (Firefox) says why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FormatChoiceBrowserTest {

    private static final String MKV_H264 = "video/x-matroska;codecs=avc1,opus";
    private DemoServer server;
    private Browser chromium;
    private Browser firefox;

    @BeforeAll
    void start() throws Exception {
        Browsers.require(Engine.CHROMIUM);
        Browsers.require(Engine.FIREFOX);
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
        chromium = Browsers.start(Engine.CHROMIUM);
        firefox = Browsers.start(Engine.FIREFOX);
    }

    @AfterAll
    void stop() {
        Browsers.close(chromium, firefox);
        if (server != null) {
            server.close();
        }
    }

    private String page(String path) {
        return "http://localhost:" + server.port() + path;
    }

    private String format() {
        return String.valueOf(chromium.js("return document.getElementById('format').value;"));
    }

    private String warning() {
        return String.valueOf(chromium.js("const w = document.getElementById('formatWarning');"
                + " return w.hidden ? '' : w.textContent;"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void theBroadcasterPagePrefersWhatEveryViewerPlaysAndWarnsWhenOneIsLeftOut() throws Exception {
        String ch = "choice";
        // A viewer whose browser plays MP4 only (as Safari before it played WebM), on a plain socket.
        WsClient mp4Only = WsClient.connect("ws://127.0.0.1:" + server.port() + "/relay/view/" + ch
                + "?plays=mp4.avc1.opus,mp4.avc1.aac");
        try {
            chromium.open(page("/broadcast?channel=" + ch));
            await("the page takes MP4 H.264, which every viewer plays", Duration.ofSeconds(10),
                    () -> format().equals("video/mp4;codecs=avc1,opus"));
            assertThat(warning()).isEmpty();

            // Firefox joins (MSE player): its page says what it plays.
            firefox.open(page("/watch?channel=" + ch + "&mode=mse"));
            await("Firefox reported", Duration.ofSeconds(10),
                    () -> server.hub().stats(false).channel(ch).viewersReporting() == 2);
            Map<String, Object> stats = firefox.playerStats();
            System.out.printf("format choice: Firefox (mse) plays %s (asked in %s ms)%n", stats.get("plays"),
                    stats.get("playsMs"));
            assertThat((List<String>) stats.get("plays")).contains("webm.vp8.opus", "mp4.avc1.opus")
                    .doesNotContain("mkv.avc1.opus");
            Thread.sleep(1500); // a stats round on the broadcaster's page: both play MP4, it stays
            assertThat(format()).isEqualTo("video/mp4;codecs=avc1,opus");
            assertThat(warning()).isEmpty();

            // The MP4-only viewer leaves: WebM VP8, the page's first choice, plays for everyone again.
            mp4Only.close();
            await("the page goes back to WebM VP8", Duration.ofSeconds(10),
                    () -> format().equals("video/webm;codecs=vp8,opus"));
        } finally {
            mp4Only.close();
        }

        // The broadcaster insists on H.264 in Matroska (only WebCodecs players play it): warned before and
        // while broadcasting; the Firefox viewer's page says why it shows no video.
        chromium.open(page("/broadcast?channel=" + ch + "&mime="
                + URLEncoder.encode(MKV_H264, StandardCharsets.UTF_8)));
        await("a warning that the Firefox viewer cannot play it", Duration.ofSeconds(10),
                () -> warning().startsWith("1 of 1 viewer cannot play"));
        assertThat(format()).isEqualTo(MKV_H264);
        System.out.printf("format choice: warning '%s'%n", warning());
        assertThat(warning()).contains("WebM VP8 + Opus plays for all of them");
        await("the broadcaster is ready", Duration.ofSeconds(15),
                () -> Boolean.TRUE.equals(chromium.js("return !document.getElementById('start').disabled;")));
        chromium.click("start");
        await("live", Duration.ofSeconds(15), () -> server.hub().stats(false).channel(ch).live());
        await("the viewer's page says why", Duration.ofSeconds(10), () -> firefox.text("status").contains("cannot"));
        System.out.printf("format choice: Firefox viewer says '%s'%n", firefox.text("status"));
        assertThat(firefox.text("status")).contains("H.264 in Matroska");
        Thread.sleep(1500);
        assertThat(warning()).startsWith("1 of 1 viewer cannot play");
        chromium.click("stop");
    }
}
