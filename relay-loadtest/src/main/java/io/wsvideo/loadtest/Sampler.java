package io.wsvideo.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Once a second: the relay process's CPU time and RSS ({@code /proc/PID/stat}, {@code /proc/PID/status}),
 * how busy the relay's and the tool's cores were in total ({@code /proc/stat}: whatever else ran there is
 * noise in the figures), this tool's own CPU, and the relay's {@code /relay/stats} (viewers, skips,
 * evictions).
 */
final class Sampler implements AutoCloseable {

    /** One sample; CPU figures are % of one core over the second before {@code millis}. */
    record Sample(long millis, double relayCpu, double relayCoreBusy, double toolCpu, double toolCoreBusy,
                  long relayRssBytes, long viewers, long skips, long evictions, long viewersEvicted) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    static final long CLOCK_TICKS = 100; // USER_HZ; 100 on every Linux we run on (getconf CLK_TCK)

    private final long pid;
    private final int relayCore;
    private final int toolCore;
    private final URI statsUri;
    private final String channel;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean stop;
    private volatile long originNanos;

    Sampler(long pid, int relayCore, int toolCore, URI statsUri, String channel) {
        this.pid = pid;
        this.relayCore = relayCore;
        this.toolCore = toolCore;
        this.statsUri = statsUri;
        this.channel = channel;
        this.thread = new Thread(this::run, "sampler");
        this.thread.setDaemon(true);
    }

    void start(long originNanos) {
        this.originNanos = originNanos;
        thread.start();
    }

    List<Sample> samples() {
        return new ArrayList<>(samples);
    }

    /** The relay's RSS now, or -1. */
    long rssNow() {
        return pid > 0 ? rss(pid) : -1;
    }

    private void run() {
        long lastNanos = System.nanoTime();
        long lastRelay = pid > 0 ? cpuTicks("/proc/" + pid + "/stat") : -1;
        long lastTool = cpuTicks("/proc/self/stat");
        long[] lastCores = coreTicks();
        while (!stop) {
            long next = lastNanos + 1_000_000_000L;
            long now;
            while ((now = System.nanoTime()) < next && !stop) {
                java.util.concurrent.locks.LockSupport.parkNanos(next - now);
            }
            if (stop) {
                return;
            }
            double secs = (now - lastNanos) / 1e9;
            long relay = pid > 0 ? cpuTicks("/proc/" + pid + "/stat") : -1;
            long tool = cpuTicks("/proc/self/stat");
            long[] cores = coreTicks();
            double relayCpu = relay >= 0 && lastRelay >= 0 ? pct(relay - lastRelay, secs) : Double.NaN;
            double toolCpu = pct(tool - lastTool, secs);
            double relayCore = busy(lastCores, cores, this.relayCore);
            double toolCoreBusy = busy(lastCores, cores, this.toolCore);
            long[] st = relayStats();
            samples.add(new Sample((now - originNanos) / 1_000_000L, relayCpu, relayCore, toolCpu, toolCoreBusy,
                    pid > 0 ? rss(pid) : -1, st[0], st[1], st[2], st[3]));
            lastNanos = now;
            lastRelay = relay;
            lastTool = tool;
            lastCores = cores;
        }
    }

    private static double pct(long ticks, double secs) {
        return ticks * 100.0 / CLOCK_TICKS / secs;
    }

    /** {viewerCount, skips, evictions, viewersEvicted}, or -1s. */
    long[] relayStats() {
        long[] r = {-1, -1, -1, -1};
        if (statsUri == null) {
            return r;
        }
        try {
            HttpResponse<byte[]> resp = http.send(HttpRequest.newBuilder(statsUri).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() != 200) {
                return r;
            }
            JsonNode root = JSON.readTree(resp.body());
            r[3] = root.path("viewersEvicted").asLong(-1);
            for (JsonNode ch : root.path("channels")) {
                if (channel.equals(ch.path("name").asText())) {
                    r[0] = ch.path("viewerCount").asLong(-1);
                    r[1] = ch.path("skips").asLong(-1);
                    r[2] = ch.path("evictions").asLong(-1);
                }
            }
        } catch (IOException e) {
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return r;
    }

    /** utime + stime of a process, in clock ticks, or -1. */
    static long cpuTicks(String statFile) {
        try {
            String s = Files.readString(Path.of(statFile));
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    static long rss(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** Per core: {busy, total} ticks, indexed 2*core, from /proc/stat. */
    static long[] coreTicks() {
        long[] r = new long[2 * 256];
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                if (!line.startsWith("cpu") || line.startsWith("cpu ")) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                int core = Integer.parseInt(f[0].substring(3));
                if (core >= 256) {
                    continue;
                }
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                r[2 * core] = total - idle;
                r[2 * core + 1] = total;
            }
        } catch (IOException | RuntimeException e) {
            return r;
        }
        return r;
    }

    private static double busy(long[] before, long[] after, int core) {
        if (core < 0 || core >= 256) {
            return Double.NaN;
        }
        long total = after[2 * core + 1] - before[2 * core + 1];
        return total <= 0 ? Double.NaN : (after[2 * core] - before[2 * core]) * 100.0 / total;
    }

    @Override
    public void close() {
        stop = true;
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
