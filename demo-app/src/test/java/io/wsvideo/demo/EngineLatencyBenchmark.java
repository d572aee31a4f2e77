package io.wsvideo.demo;

import io.wsvideo.demo.Browser.Engine;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Glass-to-glass latency with each engine watching (docs/browsers.md, measured table): Chromium's clock
 * broadcaster ({@link GlassToGlass}) and a viewer page per engine and player mode, each read back by the watch
 * page's latency probe. A figure, not a check, so not part of the normal build:
 * {@code mvn -B -pl demo-app -am -Platency -Dtest=EngineLatencyBenchmark verify}
 * ({@code -Dlatency.engines=chromium,firefox,webkit}, {@code -Dlatency.modes}, {@code -Dlatency.seconds}).
 */
class EngineLatencyBenchmark {

    private static final int SECONDS = Integer.getInteger("latency.seconds", 20);
    private static final List<String> ENGINES = Arrays.asList(
            System.getProperty("latency.engines", "chromium,firefox,webkit").split(","));
    private static final List<String> MODES = Arrays.asList(System.getProperty("latency.modes", "mse,webcodecs")
            .split(","));

    @Test
    void glassToGlassPerEngine() throws Exception {
        Browsers.requireChromium();
        List<String> report = new ArrayList<>();
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            String base = "http://localhost:" + server.port();
            ChromeDriver broadcaster = Browsers.start();
            try {
                GlassToGlass.startBroadcaster(broadcaster, base, "enginelatency", 0, GlassToGlass.DEFAULT_MIME);
                for (String name : ENGINES) {
                    Engine engine = Engine.valueOf(name.trim().toUpperCase(Locale.ROOT));
                    try (Browser viewer = Browsers.start(engine)) {
                        for (String mode : MODES) {
                            report.add(measure(viewer, base, mode));
                            System.out.println(report.get(report.size() - 1));
                        }
                    } catch (RuntimeException | AssertionError e) {
                        report.add(engine.label() + ": " + e);
                    }
                }
            } finally {
                Browsers.quit(broadcaster);
            }
        }
        System.out.println();
        System.out.printf("glass to glass per engine, %d s each, %s from Chromium's clock source%n", SECONDS,
                GlassToGlass.DEFAULT_MIME);
        report.forEach(System.out::println);
    }

    private static String measure(Browser viewer, String base, String mode) throws Exception {
        viewer.open(GlassToGlass.watchUrl(base, "enginelatency", mode, null));
        Thread.sleep(5000); // warm-up: the jitter buffer and MSE's playhead settle
        double from = GlassToGlass.wallNow(viewer::js);
        // Clock frames come at 30 a second; a third of them read back is enough for the figures.
        List<Double> lat = GlassToGlass.latenciesSince(viewer::js, "window.wsvideoLatency", from, SECONDS * 10,
                Duration.ofSeconds(SECONDS * 3L));
        double[] sorted = lat.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        Object inUse = viewer.js("return window.wsvideoPlayer.mode;");
        viewer.screenshot("engine-latency-" + viewer.engine().name().toLowerCase(Locale.ROOT) + "-" + mode);
        return String.format(Locale.ROOT, "%-8s %-9s (player %s): %d frames, median %.0f ms, p95 %.0f ms, max %.0f ms",
                viewer.engine().label(), mode, inUse, sorted.length, GlassToGlass.pct(sorted, 50),
                GlassToGlass.pct(sorted, 95), sorted[sorted.length - 1]);
    }
}
