package io.wsvideo.relay.redis;

import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.redis.ClusterNode.TestPeer;
import io.wsvideo.relay.testing.Recording;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * What a trip through Redis adds to a chunk's way from publisher to viewer, and what it costs in CPU
 * (docs/performance.md, "Cluster"). Not a test: {@code bash relay-redis/latency.sh [chunks] [intervalMs]
 * [viewersPerNode]}.
 *
 * <p>Two nodes in this JVM and a real redis-server on loopback. A publisher on node A replays a real
 * recording, chunk by chunk at a fixed interval (each pass is one publisher session, as Redis carries
 * whole streams); viewers on A and on B record when each chunk reaches them (the moment the hub hands it to
 * the viewer's sink, which completes at once: WebSocket I/O is the same on every node and left out). The
 * added latency of a chunk is its arrival on B minus its arrival on A. Then the same stream runs on one node
 * without a bridge, and the CPU time of the JVM and of redis-server per second of stream is compared.
 */
public final class ClusterLatencyHarness {

    /** Records the arrival time of every binary byte count, per stream (a {@code stream} message starts one). */
    private static final class TimingSink implements ViewerSink {
        // Guarded by this: per stream, the cumulative byte count after each message and its arrival time.
        final List<long[]> cum = new ArrayList<>();
        final List<long[]> at = new ArrayList<>();
        int n;
        long bytes;

        @Override
        public synchronized void sendBinary(ByteBuffer data, SendCallback callback) {
            long now = System.nanoTime();
            if (!cum.isEmpty()) {
                bytes += data.remaining();
                long[] c = cum.get(cum.size() - 1);
                long[] t = at.get(at.size() - 1);
                if (n == c.length) {
                    cum.set(cum.size() - 1, c = Arrays.copyOf(c, n * 2));
                    at.set(at.size() - 1, t = Arrays.copyOf(t, n * 2));
                }
                c[n] = bytes;
                t[n] = now;
                n++;
            }
            callback.completed(null);
        }

        @Override
        public synchronized void sendText(String text, SendCallback callback) {
            if (text.contains("\"type\":\"stream\"")) {
                if (!cum.isEmpty()) {
                    trim();
                }
                cum.add(new long[256]);
                at.add(new long[256]);
                n = 0;
                bytes = 0;
            }
            callback.completed(null);
        }

        private void trim() {
            cum.set(cum.size() - 1, Arrays.copyOf(cum.get(cum.size() - 1), n));
            at.set(at.size() - 1, Arrays.copyOf(at.get(at.size() - 1), n));
        }

        synchronized long bytesOfStream(int stream) {
            if (stream >= cum.size()) {
                return -1;
            }
            return stream == cum.size() - 1 ? bytes : cum.get(stream)[cum.get(stream).length - 1];
        }

        /** When the byte at {@code end - 1} of stream {@code stream} arrived, or -1. */
        synchronized long arrival(int stream, long end) {
            long[] c = cum.get(stream);
            long[] t = at.get(stream);
            int count = stream == cum.size() - 1 ? n : c.length;
            int i = Arrays.binarySearch(c, 0, count, end);
            if (i < 0) {
                i = -i - 1;
            }
            return i < count ? t[i] : -1;
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** Completes every send; counts nothing. */
    private static final class NullSink implements ViewerSink {
        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            callback.completed(null);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            callback.completed(null);
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    private static final int WARMUP_PASSES = 3;

    public static void main(String[] args) throws Exception {
        int chunks = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        long intervalMs = args.length > 1 ? Long.parseLong(args[1]) : 20;
        int viewersPerNode = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Recording rec = Recording.load("webm-vp8-opus-long");
        List<ByteBuffer> recChunks = rec.chunks();
        int passes = (chunks + recChunks.size() - 1) / recChunks.size();
        double kbps = rec.bytes().length * 8.0 / 1000 / (recChunks.size() * intervalMs / 1000.0);
        System.out.printf(Locale.ROOT, "%d passes of %s (%d chunks each, avg %d bytes), one chunk every %d ms "
                        + "(%.0f kbit/s), %d viewer(s) per node%n", passes, rec.name(), recChunks.size(),
                rec.bytes().length / recChunks.size(), intervalMs, kbps, viewersPerNode);

        try (RedisServerProcess redis = RedisServerProcess.start()) {
            // 1. One node alone: the CPU baseline.
            double[] alone;
            try (RelayHub hub = RelayHub.create(RelayConfig.defaults())) {
                TimingSink local = new TimingSink();
                hub.openViewer("bench", local);
                for (int i = 1; i < viewersPerNode; i++) {
                    hub.openViewer("bench", new NullSink());
                }
                alone = run(passes, recChunks, intervalMs, rec.mime(), hub, null, local, null, redis.pid());
            }
            // 2. Two nodes through Redis.
            double[] cluster;
            RedisBridgeConfig cfg = RedisBridgeConfig.builder(redis.uri()).build();
            try (ClusterNode a = new ClusterNode("A", RelayConfig.defaults(), cfg);
                 ClusterNode b = new ClusterNode("B", RelayConfig.defaults(), cfg)) {
                TestViewer.await("both nodes connected", 10_000,
                        () -> a.bridge.isConnected() && b.bridge.isConnected());
                TimingSink onA = new TimingSink();
                TimingSink onB = new TimingSink();
                a.hub.openViewer("bench", onA);
                b.hub.openViewer("bench", onB);
                for (int i = 1; i < viewersPerNode; i++) {
                    a.hub.openViewer("bench", new NullSink());
                    b.hub.openViewer("bench", new NullSink());
                }
                TestViewer.await("B subscribed", 10_000, () -> b.bridge.stats().requestsOut() > 0);
                cluster = run(passes, recChunks, intervalMs, rec.mime(), a.hub, b, onA, onB, redis.pid());
                System.out.println("bridge A: " + a.bridge.stats());
                System.out.println("bridge B: " + b.bridge.stats());
            }
            System.out.println();
            System.out.printf(Locale.ROOT, "| CPU, ms per second (%% of one core x 10) | JVM | redis-server |%n"
                    + "|---|---|---|%n");
            System.out.printf(Locale.ROOT, "| one node (A), no bridge | %.1f | - |%n", alone[0]);
            System.out.printf(Locale.ROOT, "| two nodes in one JVM (A publishes, B relays) + Redis | %.1f | %.1f |%n",
                    cluster[0], cluster[1]);
        }
    }

    /**
     * Publishes {@code passes} sessions of the recording on {@code hubA}; waits for {@code b} (if any) to
     * relay each before feeding it. Prints latency percentiles. @return CPU ms per second: {JVM, redis}
     */
    private static double[] run(int passes, List<ByteBuffer> recChunks, long intervalMs, String mime, RelayHub hubA,
                                ClusterNode b, TimingSink onA, TimingSink onB, long redisPid) throws Exception {
        List<long[]> sent = new ArrayList<>(); // {stream, endOffset, sentNanos}
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = 0;
        long redis0 = 0;
        long wall0 = 0;
        java.util.Map<String, Long> threads0 = java.util.Map.of();
        long total = 0;
        // The first passes warm the JIT up (Lettuce and Netty's code paths included); not measured.
        for (int pass = 0; pass < WARMUP_PASSES + passes; pass++) {
            if (pass == WARMUP_PASSES) {
                threads0 = threadCpu();
                sent.clear();
                cpu0 = os.getProcessCpuTime();
                redis0 = procCpuMillis(redisPid);
                wall0 = System.nanoTime();
            }
            Publisher p = hubA.openPublisher("bench", mime, new TestPeer());
            if (b != null) {
                TestViewer.await("B relays pass " + pass, 10_000, () -> b.live("bench"));
            }
            long offset = 0;
            long next = System.nanoTime();
            for (ByteBuffer c : recChunks) {
                LockSupport.parkNanos(next - System.nanoTime());
                next += intervalMs * 1_000_000L;
                offset += c.remaining();
                long t = System.nanoTime();
                p.onData(c.duplicate());
                sent.add(new long[] {pass, offset, t});
            }
            total = offset;
            long streamBytes = total;
            int s = pass;
            TestViewer.await("A's viewer got pass " + pass, 10_000, () -> onA.bytesOfStream(s) == streamBytes);
            if (onB != null) {
                TestViewer.await("B's viewer got pass " + pass, 10_000, () -> onB.bytesOfStream(s) == streamBytes);
            }
            p.close();
            if (b != null) {
                TestViewer.await("B ended pass " + pass, 10_000, () -> !b.live("bench"));
            }
        }
        double cpuMs = (os.getProcessCpuTime() - cpu0) / 1e6;
        double redisMs = procCpuMillis(redisPid) - redis0;
        double seconds = (System.nanoTime() - wall0) / 1e9;
        java.util.Map<String, Long> threads1 = threadCpu();
        java.util.Map<String, Long> before = threads0;
        StringBuilder byThread = new StringBuilder("CPU ms per second by thread group:");
        threads1.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 0.005 * seconds * 1e9)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> byThread.append(String.format(Locale.ROOT, " %s %.1f;", e.getKey(),
                        e.getValue() / 1e6 / seconds)));

        Histogram local = new Histogram(3_600_000_000L, 3);
        Histogram remote = new Histogram(3_600_000_000L, 3);
        Histogram added = new Histogram(3_600_000_000L, 3);
        int skipped = 0;
        for (long[] s : sent) {
            int stream = (int) s[0];
            long ta = onA.arrival(stream, s[1]);
            local.recordValue(Math.max(0, ta - s[2]) / 1000);
            if (onB != null) {
                long tb = onB.arrival(stream, s[1]);
                remote.recordValue(Math.max(0, tb - s[2]) / 1000);
                if (tb >= ta) {
                    added.recordValue((tb - ta) / 1000);
                } else {
                    skipped++;
                }
            }
        }
        System.out.println();
        System.out.println(onB == null ? "## one node, no bridge (" + sent.size() + " chunks)"
                : "## A -> Redis -> B (" + sent.size() + " chunks)");
        System.out.println("| microseconds | p50 | p90 | p99 | p99.9 | max |");
        System.out.println("|---|---|---|---|---|---|");
        row("publish -> viewer on A (local)", local);
        if (onB != null) {
            row("publish -> viewer on B (through Redis)", remote);
            row("added by Redis (B minus A, per chunk)", added);
            if (skipped > 0) {
                System.out.println("(" + skipped + " chunks reached B before A: not in the added row)");
            }
        }
        System.out.println(byThread);
        return new double[] {cpuMs / seconds, redisMs / seconds};
    }

    /** CPU nanoseconds of this JVM's live threads, summed by name with digits removed. */
    private static java.util.Map<String, Long> threadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        for (long id : mx.getAllThreadIds()) {
            var info = mx.getThreadInfo(id);
            long t = mx.getThreadCpuTime(id);
            if (info != null && t > 0) {
                out.merge(info.getThreadName().replaceAll("[0-9]+", "#"), t, Long::sum);
            }
        }
        return out;
    }

    private static void row(String name, Histogram h) {
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %d | %d | %d |%n", name, h.getValueAtPercentile(50),
                h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue());
    }

    /** utime + stime of a process from /proc, in milliseconds (USER_HZ 100 assumed). */
    private static long procCpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (Exception e) {
            return 0;
        }
    }
}
