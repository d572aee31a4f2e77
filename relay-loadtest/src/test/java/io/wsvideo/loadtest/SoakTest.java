package io.wsvideo.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.testing.Recording;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A soak, bounded in time (issue 8): the packaged demo relay in its own process, fast viewers for the whole
 * run, a publisher that restarts every {@code soak.restartSeconds}, and with each restart a fresh group of slow
 * viewers (5 %) that fall behind, skip and get evicted. Every 2 s the relay's RSS, threads and open file
 * descriptors are sampled from {@code /proc}; they must be flat within 10 % between an early window (after
 * warm-up) and the last one, and every fast viewer must get a correct stream all along.
 *
 * <p>CI runs the short default (60 s, 100 viewers, restart every 15 s). The full soak is {@code mvn -pl
 * relay-loadtest test -Psoak} (10 minutes, 500 viewers, restart every minute); see {@code docs/reliability.md}.
 * Needs {@code demo-app/target/wsvideo-demo.jar} (built by {@code mvn package} before this module).
 */
class SoakTest {

    private static final long SECONDS = Long.getLong("soak.seconds", 60);
    private static final int VIEWERS = Integer.getInteger("soak.viewers", 100);
    private static final int RESTART_SECONDS = Integer.getInteger("soak.restartSeconds", 15);
    private static final int SLOW_PERCENT = Integer.getInteger("soak.slowPercent", 5);
    private static final long BITRATE_KBPS = Long.getLong("soak.bitrateKbps", 1000);
    private static final Pattern RSS = Pattern.compile("VmRSS:\\s+(\\d+) kB");
    private static final Pattern THREADS = Pattern.compile("Threads:\\s+(\\d+)");
    private static final Pattern VIEWER_COUNT = Pattern.compile("\"viewerCount\":(\\d+)");
    private static final Pattern EVICTED = Pattern.compile("\"viewersEvicted\":(\\d+)");
    private static final Pattern SKIPS = Pattern.compile("\"skips\":(\\d+)");

    /** One look at the relay process. */
    record Sample(double seconds, long rssKb, int threads, int fds, int viewers, long skips, long evicted) {
    }

    @Test
    void theRelayStaysFlatWhilePublishersRestartAndSlowViewersComeAndGo() throws Exception {
        Path jar = Path.of(System.getProperty("soak.jar", "../demo-app/target/wsvideo-demo.jar"));
        Path out = Path.of("target", "soak");
        Recording rec = Recording.load("webm-vp8-opus-long");
        LiveStream stream = LiveStream.build(rec.mime(), rec.bytes(), BITRATE_KBPS * 1000 / 8, RESTART_SECONDS, 100);
        int slowPerRound = Math.max(1, VIEWERS * SLOW_PERCENT / 100);
        int fast = VIEWERS - slowPerRound;
        long slowBytesPerSecond = BITRATE_KBPS * 1000 / 8 / 4;
        HttpClient http = HttpClient.newHttpClient();
        List<Sample> samples = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int rounds = 0;
        long slowEvicted = 0;
        long heapEarlyKb = -1;
        long heapLateKb = -1;
        // A fixed, pre-touched heap: RSS then measures what grows outside it (thread stacks, direct buffers,
        // native memory); what grows inside it shows in the heap used after a full GC, measured twice.
        try (RelayUnderTest relay = RelayUnderTest.startJava(jar, List.of("-Xms192m", "-Xmx192m",
                "-XX:+AlwaysPreTouch"), null, out, "soak")) {
            AtomicLongArray sentNanos = new AtomicLongArray(stream.chunkCount());
            InetSocketAddress addr = new InetSocketAddress(relay.host, relay.port);
            String path = relay.viewPath("soak");
            URI stats = relay.statsUri();
            try (ViewerFleet fleet = new ViewerFleet(stream, sentNanos, addr, path, ViewerFleet.Protocol.WSVIDEO,
                    fast, 0, 0, 0, 0, 10)) {
                fleet.start();
                long connectDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (fleet.openedCount() < fast && System.nanoTime() < connectDeadline) {
                    Thread.sleep(50);
                }
                assertThat(fleet.openedCount()).as("fast viewers connected").isEqualTo(fast);
                long t0 = System.nanoTime();
                long end = t0 + TimeUnit.SECONDS.toNanos(SECONDS);
                long nextSample = t0;
                ViewerFleet slow = null;
                while (System.nanoTime() < end) {
                    // A new publisher connection, and a new group of slow viewers, every round.
                    if (slow != null) {
                        slowEvicted += slow.conns().stream().filter(c -> c.closeCode == 1008).count();
                        slow.close();
                    }
                    slow = new ViewerFleet(stream, sentNanos, addr, path, ViewerFleet.Protocol.WSVIDEO, 0,
                            slowPerRound, 0, slowBytesPerSecond, 16 * 1024, 1);
                    slow.start();
                    Publisher publisher = new Publisher(stream, sentNanos);
                    publisher.connect(relay.publishUri("soak", stream.mime));
                    long start = System.nanoTime();
                    long roundEnd = Math.min(end, start + TimeUnit.SECONDS.toNanos(RESTART_SECONDS));
                    fleet.publishStarted(start);
                    PublishTask task = new PublishTask(publisher, start, roundEnd);
                    Thread pub = new Thread(task, "soak-publisher");
                    pub.start();
                    while (pub.isAlive()) {
                        if (System.nanoTime() >= nextSample) {
                            double at = (System.nanoTime() - t0) / 1e9;
                            samples.add(sample(relay.pid, http, stats, at));
                            nextSample += 2_000_000_000L;
                            if (heapEarlyKb < 0 && at >= 0.35 * SECONDS) {
                                heapEarlyKb = heapUsedAfterGcKb(relay.pid);
                            }
                        }
                        pub.join(100);
                    }
                    if (task.failure != null) {
                        problems.add("round " + rounds + ": publisher: " + task.failure);
                    }
                    publisher.close();
                    rounds++;
                    // As a broadcaster page would: reconnect once the relay has let the old connection go (else
                    // the channel is still busy).
                    awaitNotLive(http, stats);
                    if (!relay.alive()) {
                        problems.add("the relay process died");
                        break;
                    }
                }
                heapLateKb = heapUsedAfterGcKb(relay.pid);
                if (slow != null) {
                    slowEvicted += slow.conns().stream().filter(c -> c.closeCode == 1008).count();
                    slow.close();
                }
                Thread.sleep(1000);
                for (ViewerFleet.Conn c : fleet.conns()) {
                    if (c.mismatches > 0 || c.lostSyncs > 0 || c.closeCode != -1 || c.failure != null) {
                        problems.add("fast viewer " + c.id + ": " + c.mismatches + " mismatches, " + c.lostSyncs
                                + " lost syncs, closed " + c.closeCode + " " + c.closeReason + ", " + c.failure);
                    }
                }
                long streamsSeen = fleet.conns().stream().mapToLong(c -> c.streams).min().orElse(0);
                if (streamsSeen < rounds) {
                    problems.add("a fast viewer saw " + streamsSeen + " streams of " + rounds);
                }
            }
        }
        Files.createDirectories(out);
        StringBuilder csv = new StringBuilder("seconds,rss_kb,threads,fds,viewers,skips,evicted\n");
        samples.forEach(s -> csv.append(String.format("%.0f,%d,%d,%d,%d,%d,%d%n", s.seconds(), s.rssKb(), s.threads(),
                s.fds(), s.viewers(), s.skips(), s.evicted())));
        Path csvFile = out.resolve("soak-" + SECONDS + "s-" + VIEWERS + "v.csv");
        Files.writeString(csvFile, csv);

        long channelSkips = samples.stream().mapToLong(Sample::skips).max().orElse(0);
        List<Sample> early = window(samples, 0.25, 0.45);
        List<Sample> late = window(samples, 0.80, 1.01);
        String summary = String.format("SoakTest: %d s, %d viewers (%d fast, %d slow per round), %d rounds, "
                        + "skips %d (channel), slow viewers evicted %d; RSS %s MiB, threads %s, fds %s (early -> late window); "
                        + "heap after full GC %.1f -> %.1f MiB; %s",
                SECONDS, VIEWERS, fast, slowPerRound, rounds, channelSkips, slowEvicted,
                pair(early, late, s -> s.rssKb() / 1024.0), pair(early, late, s -> s.threads()),
                pair(early, late, s -> s.fds()), heapEarlyKb / 1024.0, heapLateKb / 1024.0, csvFile);
        System.out.println(summary);
        assertThat(problems).as(summary).isEmpty();
        assertThat(early).isNotEmpty();
        assertThat(late).isNotEmpty();
        assertFlat("RSS", early, late, s -> s.rssKb());
        assertFlat("threads", early, late, s -> s.threads());
        assertFlat("file descriptors", early, late, s -> s.fds());
        assertThat(channelSkips).as("slow viewers skip to keyframes").isPositive();
        if (SECONDS >= 120) {
            assertThat(slowEvicted).as("slow viewers are evicted by the queue policy").isPositive();
        }
        // The heap holds the queues and the late-join cache, which vary by a few MiB from moment to moment.
        assertThat(heapEarlyKb).isPositive();
        assertThat(Math.abs(heapLateKb - heapEarlyKb)).as("heap used after a full GC: %d KiB early, %d KiB late",
                heapEarlyKb, heapLateKb).isLessThanOrEqualTo(Math.max(heapEarlyKb / 10, 8 * 1024));
    }

    /** Publishes one round; the relay closing the publisher is a failure. */
    private static final class PublishTask implements Runnable {
        final Publisher publisher;
        final long start;
        final long end;
        volatile String failure;

        PublishTask(Publisher publisher, long start, long end) {
            this.publisher = publisher;
            this.start = start;
            this.end = end;
        }

        @Override
        public void run() {
            try {
                publisher.publish(start, end);
            } catch (Exception e) {
                failure = String.valueOf(e);
            }
        }
    }

    private static Sample sample(long pid, HttpClient http, URI stats, double seconds) throws IOException {
        String status = Files.readString(Path.of("/proc/" + pid + "/status"));
        long rss = match(RSS, status);
        int threads = (int) match(THREADS, status);
        int fds;
        try (Stream<Path> s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            fds = (int) s.count();
        }
        int viewers = -1;
        long skips = -1;
        long evicted = -1;
        try {
            String body = http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            viewers = (int) match(VIEWER_COUNT, body);
            evicted = match(EVICTED, body);
            skips = match(SKIPS, body);
        } catch (IOException | InterruptedException e) {
            // A missed stats poll is not a finding; the /proc figures are.
        }
        return new Sample(seconds, rss, threads, fds, viewers, skips, evicted);
    }

    private static final Pattern LIVE = Pattern.compile("\"name\":\"soak\",\"live\":true");

    private static void awaitNotLive(HttpClient http, URI stats) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                String body = http.send(HttpRequest.newBuilder(stats).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (!LIVE.matcher(body).find()) {
                    return;
                }
            } catch (IOException e) {
                // Try again.
            }
            Thread.sleep(20);
        }
    }

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    /** Runs a full GC in the relay ({@code jcmd PID GC.run}) and returns the heap it still uses. */
    private static long heapUsedAfterGcKb(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        return match(HEAP_USED, jcmd(pid, "GC.heap_info"));
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Path javaCmd = Path.of(ProcessHandle.current().info().command().orElse("java"));
        Path jcmd = javaCmd.getParent() == null ? Path.of("jcmd") : javaCmd.getParent().resolve("jcmd");
        Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid),
                command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + command + " did not finish");
        }
        return output;
    }

    private static long match(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static List<Sample> window(List<Sample> all, double from, double to) {
        return all.stream().filter(s -> s.seconds() >= from * SECONDS && s.seconds() < to * SECONDS).toList();
    }

    private static double mean(List<Sample> w, java.util.function.ToDoubleFunction<Sample> f) {
        return w.stream().mapToDouble(f).average().orElse(Double.NaN);
    }

    private static String pair(List<Sample> early, List<Sample> late, java.util.function.ToDoubleFunction<Sample> f) {
        return String.format("%.1f -> %.1f", mean(early, f), mean(late, f));
    }

    private static void assertFlat(String what, List<Sample> early, List<Sample> late,
                                   java.util.function.ToDoubleFunction<Sample> f) {
        double a = mean(early, f);
        double b = mean(late, f);
        assertThat(Math.abs(b - a) / a).as("%s: %.1f early, %.1f late: flat within 10 %%", what, a, b)
                .isLessThanOrEqualTo(0.10);
    }
}
