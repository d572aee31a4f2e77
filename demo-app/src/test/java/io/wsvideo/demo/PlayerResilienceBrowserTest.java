package io.wsvideo.demo;

import static io.wsvideo.demo.BrowserStreamTest.num;
import static io.wsvideo.demo.BrowserStreamTest.playerStats;
import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Each player mode of the watch page keeps showing the live picture through what happens to a live
 * stream: the broadcaster restarts with another codec, the relay skips a viewer that fell behind, the
 * viewer's tab spends a while in the background. Judged by the clock test source (js/clock.js): frames
 * presented after the event carry the broadcaster's current time, not a stale one. Latency bounds are
 * loose (a busy machine); what fails is a frozen picture, a player stuck seconds behind, or a reload.
 */
class PlayerResilienceBrowserTest {

    private DemoServer server;
    private TcpProxy proxy;
    private ChromeDriver broadcaster;
    private ChromeDriver viewer;

    @BeforeEach
    void start() throws Exception {
        Browsers.requireChromium();
        // Small queue bounds so that a throttled viewer is skipped within seconds, not minutes.
        RelayConfig relay = RelayConfig.builder().maxQueueBytes(150_000).maxQueueAgeMillis(1_000)
                .maxSkipsPerMinute(20).build();
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.builder().relay(relay).build(), null, 64 * 1024);
        proxy = new TcpProxy(server.port());
        broadcaster = Browsers.start();
        viewer = Browsers.start();
    }

    @AfterEach
    void stop() {
        Browsers.quit(broadcaster, viewer);
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private String base() {
        return "http://localhost:" + server.port();
    }

    private static void await(String what, Duration limit, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(50);
        }
    }

    private double wallNow(ChromeDriver d) {
        return GlassToGlass.wallNow(d);
    }

    private List<Double> latenciesAfter(double from, int count, Duration limit) throws InterruptedException {
        return GlassToGlass.latenciesSince(viewer, "window.wsvideoLatency", from, count, limit);
    }

    private static double median(List<Double> xs) {
        return GlassToGlass.median(xs);
    }

    private double steadyLatency() throws InterruptedException {
        GlassToGlass.awaitSamples(viewer, 10, Duration.ofSeconds(30));
        Thread.sleep(2000);
        return median(latenciesAfter(wallNow(viewer) - 2000, 5, Duration.ofSeconds(10)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"webcodecs", "mse"})
    void aBroadcasterRestartWithAnotherCodecIsFollowedWithoutReloading(String mode) throws Exception {
        String channel = "restart" + mode;
        viewer.get(GlassToGlass.watchUrl(base(), channel, mode, null));
        GlassToGlass.startBroadcaster(broadcaster, base(), channel, 0, GlassToGlass.DEFAULT_MIME);
        double before = steadyLatency();
        viewer.executeScript("window.wsvideoMarker = 'same page';");

        broadcaster.findElement(By.id("stop")).click();
        await("publisher gone", Duration.ofSeconds(10), () -> !server.hub().stats().channel(channel).live());
        broadcaster.executeScript("document.getElementById('format').value = arguments[0];", "video/webm;codecs=vp9,opus");
        broadcaster.findElement(By.id("start")).click();
        await("second stream announced", Duration.ofSeconds(20), () -> num(playerStats(viewer), "streams") >= 2);
        double restarted = wallNow(viewer);

        List<Double> after = latenciesAfter(restarted, 15, Duration.ofSeconds(20));
        Map<String, Object> s = playerStats(viewer);
        System.out.printf("%s restart: latency before %.0f ms, after %.0f ms; %s%n", mode, before, median(after), s);
        assertThat(viewer.executeScript("return window.wsvideoMarker;")).isEqualTo("same page");
        assertThat(s.get("mode")).as("player mode").isEqualTo(mode);
        // MSE names the stream by its MIME type, WebCodecs by its tracks' codec strings (vp09.PP.LL.DD).
        assertThat(s.get("mime") + " " + s.get("codecs")).as("the new stream's format").containsAnyOf("vp9", "vp09");
        assertThat(median(after)).as("latency after the restart (ms), before: %.0f", before)
                .isLessThan(before + 2000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"webcodecs", "mse"})
    void aSkippedViewerResumesNearLive(String mode) throws Exception {
        String channel = "skip" + mode;
        GlassToGlass.startBroadcaster(broadcaster, base(), channel, 0, GlassToGlass.DEFAULT_MIME);
        viewer.get(GlassToGlass.watchUrl("http://localhost:" + proxy.port(), channel, mode, null));
        double before = steadyLatency();

        // The viewer's link stalls: the relay's queue for it overflows, it drops what was queued and
        // resumes the viewer at the next key frame, telling the page with a skip notice.
        proxy.pauseDownstream(true);
        await("the relay skipped the viewer", Duration.ofSeconds(60), () -> server.hub().stats().channel(channel).skips() > 0);
        proxy.pauseDownstream(false);
        await("the page was told of the skip", Duration.ofSeconds(30), () -> num(playerStats(viewer), "skips") > 0);
        double resumed = wallNow(viewer);

        List<Double> after = latenciesAfter(resumed + 2000, 15, Duration.ofSeconds(20));
        Map<String, Object> s = playerStats(viewer);
        System.out.printf("%s skip: latency before %.0f ms, 2 s after the skip %.0f ms; %s%n", mode, before,
                median(after), s);
        assertThat(num(s, "streams")).as("same stream, no rebuild").isEqualTo(1);
        assertThat(median(after)).as("latency after the skip (ms), before: %.0f", before).isLessThan(before + 2000);
    }

    @ParameterizedTest
    @ValueSource(strings = {"webcodecs", "mse"})
    void afterABackgroundSpellThePictureIsBackAtTheLiveEdgeWithinASecond(String mode) throws Exception {
        String channel = "background" + mode;
        GlassToGlass.startBroadcaster(broadcaster, base(), channel, 0, GlassToGlass.DEFAULT_MIME);
        viewer.get(GlassToGlass.watchUrl(base(), channel, mode, null));
        double before = steadyLatency();

        // Another tab in front: the watch page is hidden (no animation frames, throttled work) for 5 s.
        String watchTab = viewer.getWindowHandle();
        viewer.switchTo().newWindow(WindowType.TAB);
        viewer.get("about:blank");
        Thread.sleep(5000);
        viewer.close();
        viewer.switchTo().window(watchTab);
        assertThat(viewer.executeScript("return document.hidden;")).isEqualTo(false);
        double back = wallNow(viewer);

        // A player that did not drop what piled up would show frames about 5 s old now.
        List<Double> after = latenciesAfter(back + 1000, 10, Duration.ofSeconds(15));
        System.out.printf("%s background: latency before %.0f ms, from 1 s after return %.0f ms; %s%n", mode, before,
                median(after), playerStats(viewer));
        assertThat(median(after)).as("latency from 1 s after the return (ms), before: %.0f", before)
                .isLessThan(before + 1500);
    }
}
