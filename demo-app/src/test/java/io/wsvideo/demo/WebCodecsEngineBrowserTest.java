package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The watch page's WebCodecs engine in Chromium, fed by a source encoded in the same page
 * (src/test/resources/webcodecs-harness.js: VideoEncoder/AudioEncoder, the relay's frame wire format,
 * one message per 100 ms), so that the events a relay rarely produces on cue can be made on cue: a
 * corrupt key frame, a skip, a new stream with another codec, a hidden page. After each, frames drawn
 * must carry the source's current clock again (js/clock.js code, read back by the latency probe).
 * Latency bounds are loose: the machine may be busy; a frozen or stale picture fails.
 */
class WebCodecsEngineBrowserTest {

    private static final String PROBE = "window.harness.probe";

    private DemoServer server;
    private ChromeDriver page;

    @BeforeEach
    void start() throws Exception {
        Browsers.requireChromium();
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
        page = Browsers.start();
    }

    @AfterEach
    void stop() {
        Browsers.quit(page);
        if (server != null) {
            server.close();
        }
    }

    private static String harness() throws IOException {
        try (InputStream in = WebCodecsEngineBrowserTest.class.getResourceAsStream("/webcodecs-harness.js")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> stats() {
        return (Map<String, Object>) page.executeScript("return window.harness.engine.stats();");
    }

    private List<Double> framesSince(double from, int count) throws InterruptedException {
        return GlassToGlass.latenciesSince(page, PROBE, from, count, Duration.ofSeconds(20));
    }

    private void await(String what, java.util.function.Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            assertThat(System.nanoTime()).as(what + "; engine: " + stats()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @Test
    void drawsLiveFramesThroughACorruptKeyFrameASkipANewCodecAndAHiddenSpell() throws Exception {
        // Any page of the demo serves the modules; its own player just waits for a broadcaster.
        page.get("http://localhost:" + server.port() + "/watch?channel=harness&mode=mse");
        assertThat(page.executeAsyncScript(harness())).isEqualTo("ok");

        double t0 = GlassToGlass.wallNow(page);
        List<Double> first = framesSince(t0, 30);
        double steady = GlassToGlass.median(first);
        System.out.printf("engine: %d frames, median latency %.0f ms (encode + 100 ms batches + jitter buffer); %s%n",
                first.size(), steady, stats());
        assertThat(steady).as("median latency (ms)").isBetween(1.0, 3000.0);
        await("the picture follows the sound", () -> Boolean.TRUE.equals(stats().get("audioClock")));
        assertThat(((Number) page.executeScript("return " + PROBE + ".beeps.length;")).intValue())
                .as("beeps heard").isPositive();

        page.executeScript("window.harness.corruptKeyFrame();");
        await("the decoder was replaced", () -> ((Number) stats().get("decoderResets")).intValue() >= 1);
        List<Double> afterError = framesSince(GlassToGlass.wallNow(page), 10);
        System.out.printf("engine: after a corrupt key frame, median latency %.0f ms%n", GlassToGlass.median(afterError));

        page.executeAsyncScript("window.harness.skip(1500).then(arguments[arguments.length - 1]);");
        double skipped = GlassToGlass.wallNow(page);
        List<Double> afterSkip = framesSince(skipped + 500, 10);
        System.out.printf("engine: after a 1.5 s skip, median latency %.0f ms%n", GlassToGlass.median(afterSkip));
        assertThat(GlassToGlass.median(afterSkip)).as("latency after the skip (ms); before %.0f", steady)
                .isLessThan(steady + 1000);

        long decodedBefore = ((Number) stats().get("totalVideoFrames")).longValue();
        page.executeScript("window.harness.startStream('vp9');");
        double restarted = GlassToGlass.wallNow(page);
        List<Double> afterRestart = framesSince(restarted, 10);
        System.out.printf("engine: after a new stream (VP9), median latency %.0f ms%n", GlassToGlass.median(afterRestart));
        assertThat(((Number) stats().get("totalVideoFrames")).longValue()).isGreaterThan(decodedBefore);

        page.executeAsyncScript("window.harness.hide(3000).then(arguments[arguments.length - 1]);");
        double shown = ((Number) page.executeScript("return window.harness.shownAgainAt;")).doubleValue();
        // Back at the live edge within a second: frames drawn from then on are current, not 3 s old.
        List<Double> afterHidden = framesSince(shown + 1000, 10);
        System.out.printf("engine: from 1 s after a 3 s hidden spell, median latency %.0f ms; %s%n",
                GlassToGlass.median(afterHidden), stats());
        assertThat(GlassToGlass.median(afterHidden)).as("latency after the hidden spell (ms); before %.0f", steady)
                .isLessThan(steady + 1000);
        assertThat(((Number) stats().get("caughtUpFrames")).intValue()).as("frames decoded to catch up on return")
                .isPositive();
    }
}
