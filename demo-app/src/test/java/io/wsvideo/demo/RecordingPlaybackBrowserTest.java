package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
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
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Recordings made by the demo play in Chromium from the demo's player page: {@code video.duration} is finite and
 * right, the video plays, and seeking to three points lands within one GOP of each (about a second here) in under
 * a second (tens of ms on a quiet machine), the file coming over HTTP byte ranges.
 */
class RecordingPlaybackBrowserTest {

    private static final List<String> FIXTURES = List.of("webm-vp8-opus-long", "webm-vp9-opus", "webm-av1-opus",
            "mp4-h264-opus", "webkit-mp4-h264-aac", "firefox-webm-vp8-opus");
    /**
     * The fixtures' key frames come about every 1.05 s (WebKit's every 3 s and Firefox's every 7.5 s, but Chromium
     * shows the target frame, decoding from the key frame before it, so the tighter bound holds for them too:
     * 0.01 s measured for WebKit's).
     */
    private static final double GOP_SECONDS = 1.1;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static Path dir;
    private static DemoServer server;
    private static ChromeDriver chrome;

    @BeforeAll
    static void recordAndOpenABrowser() throws Exception {
        Browsers.requireChromium();
        dir = Files.createTempDirectory("recordings");
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.fromProperties(Map.of(
                "wsvideo.recordDir", dir.toString())));
        for (String name : FIXTURES) {
            Recording rec = Recording.load(name);
            WsClient publisher = WsClient.connect("ws://127.0.0.1:" + server.port() + "/relay/publish/" + name + "?mime="
                    + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8));
            for (ByteBuffer c : rec.chunks()) {
                publisher.sendBinary(c);
            }
            WsClient.await(Duration.ofSeconds(10), () -> server.hub().stats().channel(name) != null
                    && server.hub().stats().channel(name).bytesIn() == rec.bytes().length);
            publisher.close();
        }
        WsClient.await(Duration.ofSeconds(20), () -> {
            String list = list();
            return count(list, "\"recording\":false") == FIXTURES.size() && !list.contains("\"recording\":true");
        });
        chrome = Browsers.start();
    }

    @AfterAll
    static void stop() {
        Browsers.quit(chrome);
        if (server != null) {
            server.close();
        }
    }

    private static String list() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/recordings"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (Exception e) {
            return "";
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @ParameterizedTest
    @ValueSource(strings = {"webm-vp8-opus-long", "webm-vp9-opus", "webm-av1-opus", "mp4-h264-opus",
        "webkit-mp4-h264-aac", "firefox-webm-vp8-opus"})
    void theRecordingPlaysAndSeeksInChromium(String channel) throws Exception {
        Matcher m = Pattern.compile("\\{\"name\":\"([^\"]+)\",\"channel\":\"" + Pattern.quote(channel)
                + "\",\"start\":\"[^\"]+\",\"duration\":([0-9.]+)").matcher(list());
        assertThat(m.find()).as("listed: " + channel).isTrue();
        String name = m.group(1);
        double listed = Double.parseDouble(m.group(2));

        chrome.get("http://127.0.0.1:" + server.port() + "/play?name=" + name);
        playsAndSeeks(channel, name, listed);
    }

    /**
     * The "done when": a broadcast from the demo's own page (Chromium's fake camera), stopped, then played
     * and seeked from the recordings page.
     */
    @Test
    void aBroadcastFromTheBroadcastPageIsPlayedAndSeekedFromTheRecordingsPage() throws Exception {
        String base = "http://127.0.0.1:" + server.port();
        chrome.get(base + "/broadcast?channel=e2e");
        WsClient.await(Duration.ofSeconds(15), () -> chrome.findElement(By.id("start")).isEnabled());
        chrome.findElement(By.id("start")).click();
        WsClient.await(Duration.ofSeconds(20), () -> server.hub().stats().channel("e2e") != null
                && server.hub().stats().channel("e2e").bytesIn() > 0);
        Thread.sleep(6000);
        chrome.findElement(By.id("stop")).click();
        WsClient.await(Duration.ofSeconds(20), () -> list().contains("\"channel\":\"e2e\"")
                && !list().contains("\"recording\":true"));

        chrome.get(base + "/recordings.html?channel=e2e");
        WsClient.await(Duration.ofSeconds(15), () -> !chrome.findElements(By.linkText("Play")).isEmpty());
        assertThat(chrome.findElement(By.id("recordings")).getText()).contains("e2e").contains("opus");
        chrome.findElement(By.linkText("Play")).click();
        WsClient.await(Duration.ofSeconds(15), () -> chrome.getCurrentUrl().contains("/play?name=e2e_"));
        Matcher m = Pattern.compile("\\{\"name\":\"(e2e_[^\"]+)\",\"channel\":\"e2e\",\"start\":\"[^\"]+\","
                + "\"duration\":([0-9.]+)").matcher(list());
        assertThat(m.find()).isTrue();
        double listed = Double.parseDouble(m.group(2));
        assertThat(listed).as("six seconds of broadcast, give or take the start and stop").isBetween(4.0, 9.0);
        playsAndSeeks("e2e", m.group(1), listed);
    }

    private void playsAndSeeks(String channel, String name, double listed) throws Exception {
        WsClient.await(Duration.ofSeconds(15), () -> {
            Object ready = chrome.executeScript("return window.wsvideoRecording ? wsvideoRecording.video.readyState : 0");
            return ready instanceof Number n && n.intValue() >= 1;
        });
        double duration = ((Number) chrome.executeScript("return wsvideoRecording.video.duration")).doubleValue();
        assertThat(duration).as("video.duration of " + name).isFinite().isCloseTo(listed, within(0.2));
        Object error = chrome.executeScript("return wsvideoRecording.video.error && wsvideoRecording.video.error.message");
        assertThat(error).isNull();

        Object played = chrome.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const v = wsvideoRecording.video;
                v.muted = true;
                v.play().then(() => setTimeout(() => { v.pause(); done(v.currentTime); }, 1500),
                              (e) => done('play failed: ' + e));
                """);
        assertThat(played).as("played for 1.5 s").isInstanceOf(Number.class);
        assertThat(((Number) played).doubleValue()).isGreaterThan(0.5);

        for (double target : new double[] {duration * 0.3, duration * 0.55, duration * 0.85}) {
            @SuppressWarnings("unchecked")
            Map<String, Object> seek = (Map<String, Object>) chrome.executeAsyncScript("""
                    const done = arguments[arguments.length - 1];
                    const v = wsvideoRecording.video;
                    const target = arguments[0];
                    const t0 = performance.now();
                    v.addEventListener('seeked', () => {
                      const ms = performance.now() - t0;
                      let answered = false;
                      const answer = (frame) => {
                        if (!answered) { answered = true; done({ ms, at: v.currentTime, frame }); }
                      };
                      // The time of the frame the decoder put on screen after the seek.
                      if (v.requestVideoFrameCallback) v.requestVideoFrameCallback((now, meta) => answer(meta.mediaTime));
                      setTimeout(() => answer(v.currentTime), 1000);
                    }, { once: true });
                    v.currentTime = target;
                    """, target);
            double ms = ((Number) seek.get("ms")).doubleValue();
            double frame = ((Number) seek.get("frame")).doubleValue();
            System.out.printf("%s: seek to %.2f s took %.0f ms, frame shown at %.3f s%n", channel, target, ms, frame);
            // 9-94 ms on a quiet machine (docs/recording.md); 604 ms was seen once for AV1 while other builds
            // ran. The bound tells an indexed seek from a file read through to the target, not a quiet machine
            // from a busy one.
            assertThat(ms).as("seek to %.2f s in %s took", target, name).isLessThan(1000);
            assertThat(frame).as("frame shown after seeking to %.2f s", target).isCloseTo(target, within(GOP_SECONDS));
            assertThat(((Number) seek.get("at")).doubleValue()).isCloseTo(target, within(GOP_SECONDS));
        }
    }
}
