package io.wsvideo.demo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.remote.HttpCommandExecutor;

/**
 * Glass-to-glass latency through the demo's own pages, on one machine's clock: the broadcast page's clock
 * source ({@code /broadcast?source=clock}, js/clock.js) paints the wall-clock time into every frame as a
 * pixel code and beeps on every whole second; the watch page's test mode ({@code /watch?test=1},
 * js/latency-probe.js) reads the code back from every presented frame and hears every beep. This class
 * drives both pages and turns what the viewer recorded into figures. Used by {@link LatencyBenchmark}
 * (the figures, {@code -Platency}) and {@link LatencyBrowserTest} (CI: it plays, the figures are sane).
 */
final class GlassToGlass {

    static final double FRAME_MS = 1000.0 / 30;
    static final String DEFAULT_MIME = "video/webm;codecs=vp8,opus";

    private GlassToGlass() {
    }

    static String broadcastUrl(String base, String channel, int timesliceMs, String mime) {
        return broadcastUrl(base, channel, timesliceMs, mime, "");
    }

    /** `extra`: more broadcast-page parameters, e.g. {@code &audio=0}. */
    static String broadcastUrl(String base, String channel, int timesliceMs, String mime, String extra) {
        return base + "/broadcast?source=clock&autostart=1&channel=" + channel
                + (timesliceMs > 0 ? "&timeslice=" + timesliceMs : "")
                + (mime == null ? "" : "&mime=" + URLEncoder.encode(mime, StandardCharsets.UTF_8)) + extra;
    }

    static String watchUrl(String base, String channel, String mode, String extra) {
        return base + "/watch?test=1&stats=1&channel=" + channel + "&mode=" + mode + (extra == null ? "" : extra);
    }

    /** Opens the clock broadcaster and waits until it sends. */
    static void startBroadcaster(ChromeDriver d, String base, String channel, int timesliceMs, String mime)
            throws InterruptedException {
        startBroadcaster(d, base, channel, timesliceMs, mime, "");
    }

    static void startBroadcaster(ChromeDriver d, String base, String channel, int timesliceMs, String mime,
            String extra) throws InterruptedException {
        d.get(broadcastUrl(base, channel, timesliceMs, mime, extra));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            Object chunks = d.executeScript(
                    "return window.wsvideoBroadcaster ? window.wsvideoBroadcaster.stats().chunks : 0;");
            if (((Number) chunks).intValue() > 3) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("clock broadcaster did not start: " + d.findElement(By.id("status")).getText());
            }
            Thread.sleep(100);
        }
    }

    /** Waits until the viewer page presents frames that carry the clock code. */
    static void awaitSamples(ChromeDriver viewer, int count, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            Map<String, Object> p = probe(viewer, Integer.MAX_VALUE);
            if (p != null && ((Number) p.get("sampleCount")).intValue() >= count) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no clock frames presented within " + limit + ": probe=" + p + " player="
                        + BrowserStreamTest.playerStats(viewer) + " status=" + viewer.findElement(By.id("status")).getText());
            }
            Thread.sleep(100);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> probe(ChromeDriver viewer, int from) {
        return (Map<String, Object>) viewer.executeScript(
                "return window.wsvideoLatency ? window.wsvideoLatency.snapshot(arguments[0], arguments[0]) : null;", from);
    }

    static int sampleCount(ChromeDriver viewer) {
        Map<String, Object> p = probe(viewer, Integer.MAX_VALUE);
        return p == null ? 0 : ((Number) p.get("sampleCount")).intValue();
    }

    static int beepCount(ChromeDriver viewer) {
        Map<String, Object> p = probe(viewer, Integer.MAX_VALUE);
        return p == null ? 0 : ((Number) p.get("beepCount")).intValue();
    }

    static long paintedFrames(ChromeDriver broadcaster) {
        return ((Number) broadcaster.executeScript("return window.wsvideoClock.frames;")).longValue();
    }

    /** CPU time (ns) of the browser a driver runs: its chromedriver's descendants, all Chromium processes. */
    static long browserCpuNanos(ChromeDriver d) {
        int port = ((HttpCommandExecutor) d.getCommandExecutor()).getAddressOfRemoteServer().getPort();
        String flag = "--port=" + port;
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(flag)).orElse(false))
                .findFirst()
                .map(driver -> driver.descendants()
                        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum())
                .orElse(-1L);
    }

    /**
     * What one viewer recorded over a window, with the broadcaster's side of it. Each sample: painted,
     * presented, arrived (wall-clock ms; arrived is NaN where the player cannot tell, i.e. MSE).
     */
    record Window(String mode, List<double[]> samples, List<Double> beeps, long painted, double seconds,
            double broadcasterCpu, double viewerCpu) {
    }

    /** Records `length` of the viewer's presented frames (after whatever it recorded before). */
    static Window record(String mode, ChromeDriver viewer, ChromeDriver broadcaster, Duration length)
            throws InterruptedException {
        return record(mode, viewer, broadcaster, length, 0, length);
    }

    /**
     * Records at least `length` of the viewer's presented frames, and on until there are `minSamples` of
     * them or `maxLength` has passed (a starved machine shows fewer frames a second).
     */
    @SuppressWarnings("unchecked")
    static Window record(String mode, ChromeDriver viewer, ChromeDriver broadcaster, Duration length, int minSamples,
            Duration maxLength) throws InterruptedException {
        int from = sampleCount(viewer);
        int beepsFrom = beepCount(viewer);
        long painted0 = paintedFrames(broadcaster);
        long bcpu0 = browserCpuNanos(broadcaster);
        long vcpu0 = browserCpuNanos(viewer);
        long t0 = System.nanoTime();
        List<double[]> samples = new ArrayList<>();
        List<Double> beeps = new ArrayList<>();
        long end = t0 + length.toNanos();
        long hardEnd = t0 + Math.max(length.toNanos(), maxLength.toNanos());
        // Read as we go: a ten-minute run is 18,000 samples, too many for one answer.
        while (true) {
            long left = end - System.nanoTime();
            Thread.sleep(Math.max(0, Math.min(left / 1_000_000, 5000)));
            if (System.nanoTime() >= end && samples.size() < minSamples && end < hardEnd) {
                end = Math.min(hardEnd, System.nanoTime() + 1_000_000_000L); // one more second
            }
            Map<String, Object> p = (Map<String, Object>) viewer.executeScript(
                    "return window.wsvideoLatency.snapshot(arguments[0], arguments[1]);", from, beepsFrom);
            for (Object o : (List<Object>) p.get("samples")) {
                List<Number> s = (List<Number>) o;
                Number arrived = s.size() > 2 ? s.get(2) : null;
                samples.add(new double[] {s.get(0).doubleValue(), s.get(1).doubleValue(),
                    arrived == null ? Double.NaN : arrived.doubleValue()});
            }
            for (Object o : (List<Object>) p.get("beeps")) {
                beeps.add(((Number) o).doubleValue());
            }
            from = ((Number) p.get("sampleCount")).intValue();
            beepsFrom = ((Number) p.get("beepCount")).intValue();
            if (System.nanoTime() >= end) {
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long painted = paintedFrames(broadcaster) - painted0;
        double bcpu = cpuShare(bcpu0, browserCpuNanos(broadcaster), seconds);
        double vcpu = cpuShare(vcpu0, browserCpuNanos(viewer), seconds);
        return new Window(mode, samples, beeps, painted, seconds, bcpu, vcpu);
    }

    private static double cpuShare(long before, long after, double seconds) {
        return before < 0 || after < 0 ? Double.NaN : (after - before) / 1e9 / seconds;
    }

    /** Figures for one window. Latencies in ms; drift in ms per minute; shares as fractions. */
    record Summary(String mode, int frames, double p50, double p90, double p99, double min, double max,
            double driftMsPerMinute, double lateShare, double shownShare, int longGaps, double maxGapMs,
            int beeps, double avMedian, double avP10, double avP90, double broadcasterCpu, double viewerCpu,
            double toArrivalP50, double inPlayerP50) {

        String line() {
            return String.format(Locale.ROOT,
                    "%-9s frames %5d  p50 %6.1f  p90 %6.1f  p99 %6.1f  (min %6.1f max %7.1f) ms  drift %+6.1f ms/min"
                            + "  late %5.2f %%  shown %5.1f %%  gaps>2f %3d (max %5.0f ms)  A/V %s  CPU bc %3.0f %% viewer %3.0f %%",
                    mode, frames, p50, p90, p99, min, max, driftMsPerMinute, 100 * lateShare, 100 * shownShare,
                    longGaps, maxGapMs,
                    beeps == 0 ? "n/a (no beeps heard)"
                            : String.format(Locale.ROOT, "%+5.0f ms (p10 %+4.0f p90 %+4.0f, %d beeps)", avMedian, avP10,
                                    avP90, beeps),
                    100 * broadcasterCpu, 100 * viewerCpu)
                    + (Double.isNaN(toArrivalP50) ? "" : String.format(Locale.ROOT,
                            "  split p50: painted->arrived %.1f, arrived->shown %.1f ms", toArrivalP50, inPlayerP50));
        }
    }

    static Summary summarize(Window w) {
        List<double[]> s = w.samples();
        int n = s.size();
        if (n == 0) {
            return new Summary(w.mode(), 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, 0, 0, Double.NaN, 0, Double.NaN, Double.NaN, Double.NaN, w.broadcasterCpu(),
                    w.viewerCpu(), Double.NaN, Double.NaN);
        }
        double[] lat = new double[n];
        for (int i = 0; i < n; i++) {
            lat[i] = s.get(i)[1] - s.get(i)[0];
        }
        double[] sorted = lat.clone();
        Arrays.sort(sorted);
        double p50 = pct(sorted, 50);
        // Late: shown more than two frame intervals after the player's usual delay.
        int late = 0;
        for (double l : lat) {
            if (l > p50 + 2 * FRAME_MS) {
                late++;
            }
        }
        // Drift: least-squares slope of latency over presentation time.
        double t0 = s.get(0)[1];
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += s.get(i)[1] - t0;
            my += lat[i];
        }
        mx /= n;
        my /= n;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < n; i++) {
            double dx = s.get(i)[1] - t0 - mx;
            sxy += dx * (lat[i] - my);
            sxx += dx * dx;
        }
        double drift = sxx == 0 ? 0 : sxy / sxx * 60_000;
        int gaps = 0;
        double maxGap = 0;
        for (int i = 1; i < n; i++) {
            double gap = s.get(i)[1] - s.get(i - 1)[1];
            maxGap = Math.max(maxGap, gap);
            if (gap > 2 * FRAME_MS) {
                gaps++;
            }
        }
        // A/V: each beep started on a whole second of the wall clock; the video's latency around the same
        // moment tells which second, and the beep's own latency minus the video's is the offset.
        List<Double> av = new ArrayList<>();
        for (double beep : w.beeps()) {
            List<Double> near = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (Math.abs(s.get(i)[1] - beep) <= 1000) {
                    near.add(lat[i]);
                }
            }
            if (near.isEmpty()) {
                continue;
            }
            double lv = median(near);
            double second = Math.round((beep - lv) / 1000.0) * 1000.0;
            av.add((beep - second) - lv);
        }
        double[] avs = av.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        // Where the time goes, where the player knows when each frame arrived.
        List<Double> toArrival = new ArrayList<>();
        List<Double> inPlayer = new ArrayList<>();
        for (double[] x : s) {
            if (!Double.isNaN(x[2])) {
                toArrival.add(x[2] - x[0]);
                inPlayer.add(x[1] - x[2]);
            }
        }
        return new Summary(w.mode(), n, p50, pct(sorted, 90), pct(sorted, 99), sorted[0], sorted[n - 1], drift,
                (double) late / n, w.painted() == 0 ? 0 : Math.min(1.0, (double) n / w.painted()), gaps, maxGap,
                avs.length, avs.length == 0 ? Double.NaN : pct(avs, 50), avs.length == 0 ? Double.NaN : pct(avs, 10),
                avs.length == 0 ? Double.NaN : pct(avs, 90), w.broadcasterCpu(), w.viewerCpu(),
                toArrival.isEmpty() ? Double.NaN : median(toArrival), inPlayer.isEmpty() ? Double.NaN : median(inPlayer));
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return pct(a, 50);
    }

    /** Nearest-rank percentile of a sorted array. */
    static double pct(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** The viewer page's wall clock (ms), the scale of every sample. */
    static double wallNow(ChromeDriver d) {
        return wallNow(d::executeScript);
    }

    /** The same for any page: {@code js} runs a function body in it and returns the result. */
    static double wallNow(Function<String, Object> js) {
        return ((Number) js.apply("return performance.timeOrigin + performance.now();")).doubleValue();
    }

    static List<Double> latenciesSince(ChromeDriver d, String probe, double from, int count, Duration limit)
            throws InterruptedException {
        return latenciesSince(d::executeScript, probe, from, count, limit);
    }

    /**
     * Latencies (ms) of the clock frames a probe ({@code probe}: a JavaScript expression for a LatencyProbe)
     * saw presented at or after wall time {@code from}, once there are at least {@code count}.
     */
    @SuppressWarnings("unchecked")
    static List<Double> latenciesSince(Function<String, Object> js, String probe, double from, int count,
            Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String script = String.format(Locale.ROOT,
                "return %s.samples.filter((s) => s[1] >= %.3f).map((s) => s[1] - s[0]);", probe, from);
        while (true) {
            List<Object> fresh = (List<Object>) js.apply(script);
            if (fresh.size() >= count) {
                return fresh.stream().map(o -> ((Number) o).doubleValue()).toList();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + fresh.size() + " clock frames presented since " + from + " (wanted "
                        + count + " within " + limit + "); player=" + js.apply(
                                "return window.wsvideoPlayer ? JSON.stringify(window.wsvideoPlayer.stats()) : null;"));
            }
            Thread.sleep(100);
        }
    }

    /** Opens the watch page afresh and returns ms from navigation start to the first presented frame. */
    static double lateJoinMs(ChromeDriver viewer, String url, Duration limit) throws InterruptedException {
        viewer.get("about:blank");
        viewer.get(url);
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            Object ms = viewer.executeScript(
                    "return window.wsvideoLatency ? window.wsvideoLatency.firstFrameMs : null;");
            if (ms != null) {
                return ((Number) ms).doubleValue();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no frame presented within " + limit + " of opening " + url);
    }
}
