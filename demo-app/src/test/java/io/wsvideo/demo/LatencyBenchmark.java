package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Glass-to-glass latency figures for docs/latency.md (not part of the normal build; timings are for a
 * quiet machine). Run it with
 * <pre>mvn -B -pl demo-app -am -Platency verify</pre>
 * and tune it with system properties ({@code -Dlatency.seconds=600} for drift over ten minutes):
 * <ul>
 *   <li>{@code latency.seconds} (30): how long each player mode is measured, after 5 s of warm-up;</li>
 *   <li>{@code latency.modes} (webcodecs,mse): the watch page's {@code mode}s to measure;</li>
 *   <li>{@code latency.timeslices} (0 = the page's default): MediaRecorder timeslices to compare, e.g. 20,50,100;</li>
 *   <li>{@code latency.joins} (5): late joins (fresh watch page) timed per mode;</li>
 *   <li>{@code latency.watchParams} (none): more watch-page parameters, e.g. {@code &target=0.3} for MSE;</li>
 *   <li>{@code latency.broadcastParams} (none): more broadcast-page parameters, e.g. {@code &audio=0} (no sound);</li>
 *   <li>{@code latency.mime} (WebM VP8 + Opus): the recording format;</li>
 *   <li>{@code latency.url}: a running demo to measure (default: one started in this JVM on a free port).</li>
 * </ul>
 * Each window prints p50/p90/p99 latency, the drift (least-squares slope, ms per minute), the share of
 * frames shown more than two frame intervals later than the median, the share of painted frames shown,
 * presentation gaps, the A/V offset (beep heard minus picture shown, positive = sound late), and the CPU
 * share of one core used by the broadcaster's and the viewer's browsers.
 */
class LatencyBenchmark {

    private static final int SECONDS = Integer.getInteger("latency.seconds", 30);
    private static final List<String> MODES = Arrays.asList(System.getProperty("latency.modes", "webcodecs,mse").split(","));
    private static final String TIMESLICES = System.getProperty("latency.timeslices", "0");
    private static final int JOINS = Integer.getInteger("latency.joins", 5);
    private static final String WATCH_PARAMS = System.getProperty("latency.watchParams", "");
    private static final String BROADCAST_PARAMS = System.getProperty("latency.broadcastParams", "");
    private static final String MIME = System.getProperty("latency.mime", GlassToGlass.DEFAULT_MIME);
    private static final String URL = System.getProperty("latency.url", "");

    @Test
    void glassToGlass() throws Exception {
        Browsers.requireChromium();
        DemoServer server = URL.isEmpty() ? DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults()) : null;
        String base = server != null ? "http://localhost:" + server.port() : URL;
        List<String> report = new ArrayList<>();
        report.add(String.format(Locale.ROOT, "glass to glass: %s, %d s per mode, %s, timeslices %s, watch params '%s'",
                base, SECONDS, MIME, TIMESLICES, WATCH_PARAMS));
        ChromeDriver broadcaster = null;
        ChromeDriver viewer = null;
        try {
            for (String ts : TIMESLICES.split(",")) {
                int timeslice = Integer.parseInt(ts.trim());
                String channel = "latency" + timeslice;
                Browsers.quit(broadcaster);
                broadcaster = Browsers.start();
                GlassToGlass.startBroadcaster(broadcaster, base, channel, timeslice, MIME, BROADCAST_PARAMS);
                for (String mode : MODES) {
                    Browsers.quit(viewer);
                    viewer = Browsers.start();
                    String url = GlassToGlass.watchUrl(base, channel, mode, WATCH_PARAMS);
                    viewer.get(url);
                    GlassToGlass.awaitSamples(viewer, 10, Duration.ofSeconds(20));
                    Object engine = viewer.executeScript("return window.wsvideoPlayer.mode;");
                    assertThat(engine).as("player mode in use").isEqualTo(mode);
                    Thread.sleep(5000); // warm-up: the jitter buffer and MSE's playhead settle
                    GlassToGlass.Window w = GlassToGlass.record(mode, viewer, broadcaster, Duration.ofSeconds(SECONDS));
                    GlassToGlass.Summary s = GlassToGlass.summarize(w);
                    writeSamples(w, Path.of("target", "latency-" + mode + "-" + timeslice + ".csv"));
                    String line = String.format(Locale.ROOT, "timeslice %3s ms  %s", timeslice == 0 ? "dflt" : ts.trim(),
                            s.line());
                    System.out.println(line);
                    report.add(line);
                    Browsers.screenshot(viewer, "latency-" + mode + "-" + timeslice);
                    List<Double> joins = new ArrayList<>();
                    for (int i = 0; i < JOINS; i++) {
                        joins.add(GlassToGlass.lateJoinMs(viewer, url, Duration.ofSeconds(10)));
                    }
                    if (!joins.isEmpty()) {
                        double[] j = joins.stream().mapToDouble(Double::doubleValue).sorted().toArray();
                        String jl = String.format(Locale.ROOT,
                                "timeslice %3s ms  %-9s late join: first frame %s ms after opening the page (median %.0f, max %.0f)",
                                timeslice == 0 ? "dflt" : ts.trim(), mode, joins.stream()
                                        .map(x -> String.format(Locale.ROOT, "%.0f", x)).toList(),
                                GlassToGlass.pct(j, 50), j[j.length - 1]);
                        System.out.println(jl);
                        report.add(jl);
                    }
                }
            }
        } finally {
            Browsers.quit(broadcaster, viewer);
            if (server != null) {
                server.close();
            }
        }
        System.out.println();
        report.forEach(System.out::println);
    }

    /** Every sample (painted, presented, arrived; wall-clock ms) for a look at the run over time. */
    private static void writeSamples(GlassToGlass.Window w, Path file) throws java.io.IOException {
        StringBuilder b = new StringBuilder("painted_ms,presented_ms,arrived_ms\n");
        for (double[] x : w.samples()) {
            b.append(String.format(Locale.ROOT, "%.1f,%.1f,%.1f%n", x[0], x[1], x[2]));
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, b);
    }
}
