package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.demo.Browser.Engine;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The watch page's WebCodecs engine in each browser engine, fed by a source encoded in the same page
 * (src/test/resources/webcodecs-harness.js: VideoEncoder/AudioEncoder, the relay's frame wire format,
 * one message per 100 ms), so that the events a relay rarely produces on cue can be made on cue: a
 * corrupt key frame, a skip, a new stream with another codec, a hidden page. After each, frames drawn
 * must carry the source's current clock again (js/clock.js code, read back by the latency probe).
 * Latency bounds are loose: the machine may be busy; a frozen or stale picture fails.
 */
class WebCodecsEngineBrowserTest {

    private static final String PROBE = "window.harness.probe";

    private DemoServer server;
    private Browser page;

    @BeforeEach
    void start() throws Exception {
        server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
    }

    @AfterEach
    void stop() {
        Browsers.close(page);
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
        return (Map<String, Object>) page.js("return window.harness.engine.stats();");
    }

    private List<Double> framesSince(double from, int count) throws InterruptedException {
        return GlassToGlass.latenciesSince(page::js, PROBE, from, count, Duration.ofSeconds(20));
    }

    private void await(String what, java.util.function.Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            assertThat(System.nanoTime()).as(what + "; engine: " + stats()).isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private double now() {
        return GlassToGlass.wallNow(page::js);
    }

    /** Runs the harness's async method and waits for it. */
    private void run(String call) {
        page.js("await window.harness." + call + ";");
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void drawsLiveFramesThroughACorruptKeyFrameASkipANewCodecAndAHiddenSpell(Engine engine) throws Exception {
        page = Browsers.start(engine);
        // Any page of the demo serves the modules; its own player just waits for a broadcaster.
        page.open("http://localhost:" + server.port() + "/watch?channel=harness&mode=mse");
        // The harness is written for executeAsyncScript: its last argument is the callback.
        assertThat(page.js("return await new Promise((done) => (function () {\n" + harness() + "\n})(done));"))
                .isEqualTo("ok");

        double t0 = now();
        List<Double> first = framesSince(t0, 30);
        double steady = GlassToGlass.median(first);
        System.out.printf("%s engine: %d frames, median latency %.0f ms (encode + 100 ms batches + jitter buffer); %s%n",
                page.version(), first.size(), steady, stats());
        assertThat(steady).as("median latency (ms)").isBetween(1.0, 3000.0);
        String audio = String.valueOf(page.js("return window.harness.engine.audio.state;"));
        if ("running".equals(audio)) {
            await("the picture follows the sound", () -> Boolean.TRUE.equals(stats().get("audioClock")));
            // The source beeps on every whole second, and the frames above may span less than one since the
            // sound started (WebKit once: audio playing, no beep yet): wait for one, as long as for the rest.
            await("a beep heard", () -> ((Number) page.js("return " + PROBE + ".beeps.length;")).intValue() > 0);
        } else {
            // Headless Firefox here has no audio output, so its audio context never starts (as a page
            // whose viewer has not clicked yet): the picture runs on the jitter buffer's clock, as above.
            System.out.printf("%s: audio context %s: no sound, picture on the jitter buffer's clock%n",
                    engine.label(), audio);
            assertThat(stats().get("audioClock")).as("audio clock without a running context").isEqualTo(false);
        }

        page.js("window.harness.corruptKeyFrame();");
        await("the decoder was replaced", () -> ((Number) stats().get("decoderResets")).intValue() >= 1);
        List<Double> afterError = framesSince(now(), 10);
        System.out.printf(engine.label() + ": after a corrupt key frame, median latency %.0f ms%n", GlassToGlass.median(afterError));

        run("skip(1500)");
        double skipped = now();
        List<Double> afterSkip = framesSince(skipped + 500, 10);
        System.out.printf(engine.label() + ": after a 1.5 s skip, median latency %.0f ms%n", GlassToGlass.median(afterSkip));
        assertThat(GlassToGlass.median(afterSkip)).as("latency after the skip (ms); before %.0f", steady)
                .isLessThan(steady + 1000);

        long decodedBefore = ((Number) stats().get("totalVideoFrames")).longValue();
        page.js("window.harness.startStream('vp9');");
        double restarted = now();
        List<Double> afterRestart = framesSince(restarted, 10);
        System.out.printf(engine.label() + ": after a new stream (VP9), median latency %.0f ms%n", GlassToGlass.median(afterRestart));
        assertThat(((Number) stats().get("totalVideoFrames")).longValue()).isGreaterThan(decodedBefore);

        run("hide(3000)");
        double shown = ((Number) page.js("return window.harness.shownAgainAt;")).doubleValue();
        // Back at the live edge within a second: a frame drawn within a second of the page showing again,
        // and the frames drawn from then on current, not 3 s old.
        List<Double> backAgain = framesSince(shown, 1);
        double firstBack = ((Number) page.js(String.format(java.util.Locale.ROOT,
                "return %s.samples.find((s) => s[1] >= %.3f)[1];", PROBE, shown))).doubleValue();
        List<Double> afterHidden = framesSince(shown + 1000, 10);
        System.out.printf(engine.label() + ": after a 3 s hidden spell, first frame %.0f ms after showing, from 1 s on"
                + " median latency %.0f ms; %s%n", firstBack - shown, GlassToGlass.median(afterHidden), stats());
        assertThat(backAgain).isNotEmpty();
        assertThat(firstBack - shown).as("ms from showing the page again to the first frame drawn").isLessThan(1000);
        assertThat(GlassToGlass.median(afterHidden)).as("latency after the hidden spell (ms); before %.0f", steady)
                .isLessThan(steady + 1000);
    }
}
