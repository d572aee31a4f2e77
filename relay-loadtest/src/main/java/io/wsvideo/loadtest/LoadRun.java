package io.wsvideo.loadtest;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.HdrHistogram.Histogram;

/**
 * One measurement: N viewers connect to a running relay, one publisher streams for a given time, then the
 * tool drains, lets the stalled viewers read to see how the relay closed them, and sums up.
 */
final class LoadRun {

    /** What to run. {@code fast + slow + stalled} viewers. */
    record Scenario(String name, int fast, int slow, int stalled, int seconds, long slowBytesPerSecond) {
        int viewers() {
            return fast + slow + stalled;
        }
    }

    /** Everything measured in one run; serialised to JSON as is. */
    record Result(String relay, String scenario, int viewers, int fast, int slow, int stalled, int seconds,
                  long bitrateKbps, int chunks, long publishedBytes, long publisherMaxLateMillis,
                  String publisherClosedBy, int connected, int connectFailures, String firstConnectFailure,
                  double connectSeconds, Group fastViewers, Group slowViewers, Group stalledViewers,
                  Latency fastLatencyMillis, Latency slowLatencyMillis,
                  double relayCpuMean, double relayCpuSteady, double relayCpuMax, double relayCoreBusyMean,
                  double toolCpuMean, double toolCpuMax, double toolCoreBusyMean,
                  long relayRssBeforeBytes, long relayRssMaxBytes, long relayRssEndBytes,
                  long skips, long evictions, long viewersEvicted, double lastEvictionSeconds,
                  List<Second> timeline, String problems) {
    }

    /** Per kind of viewer: delivery as a fraction of what was published, and how viewers ended. */
    record Group(int count, int opened, int delivered99, double minDelivered, double medianDelivered,
                 long mismatches, long lostSyncs, long skipsSeen, Map<String, Integer> closes) {
    }

    record Latency(long samples, double p50, double p90, double p99, double p999, double max) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
            }
            return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        }

        private static double ms(long micros) {
            return Math.round(micros / 100.0) / 10.0;
        }
    }

    /** One second of the run; t counts from the publisher's start. */
    record Second(double t, double relayCpu, double relayCoreBusy, double toolCpu, long relayRssMb,
                  double fastP99Millis, long viewers, long skips, long evictions) {
    }

    private LoadRun() {
    }

    static Result run(RelayUnderTest relay, LiveStream stream, Scenario s, String channel, int relayCore, int toolCore,
                      int receiveBufferBytes, long bitrateKbps, int verifyEvery) throws Exception {
        return run(relay, stream, null, s, channel, relayCore, toolCore, receiveBufferBytes, bitrateKbps, verifyEvery);
    }

    /**
     * @param frames the stream's frames when the viewers watch {@code ?format=frames} (delivery then counts
     *     frame-view bytes, headers and payloads), or null for the container bytes
     */
    static Result run(RelayUnderTest relay, LiveStream stream, FrameIndex frames, Scenario s, String channel,
                      int relayCore, int toolCore, int receiveBufferBytes, long bitrateKbps, int verifyEvery)
            throws Exception {
        if (frames != null && relay.protocol() != ViewerFleet.Protocol.WSVIDEO) {
            throw new IllegalArgumentException(relay.label + " has no frame view");
        }
        List<String> problems = new ArrayList<>();
        int chunks = (int) Math.min(stream.chunkCount(), (long) s.seconds() * 1000 / stream.chunkMillis);
        AtomicLongArray sentNanos = new AtomicLongArray(stream.chunkCount());
        InetSocketAddress addr = new InetSocketAddress(relay.host, relay.port);
        Sampler sampler = new Sampler(relay.pid, relayCore, toolCore, relay.statsUri(), channel);
        Publisher publisher = new Publisher(stream, sentNanos);
        ViewerFleet.Protocol protocol = frames != null ? ViewerFleet.Protocol.FRAMES : relay.protocol();
        String path = relay.viewPath(channel) + (frames != null ? "?format=frames" : "");
        try (ViewerFleet fleet = new ViewerFleet(stream, frames, sentNanos, addr, path, protocol,
                s.fast(), s.slow(), s.stalled(), s.slowBytesPerSecond(), receiveBufferBytes, verifyEvery)) {
            long t0 = System.nanoTime();
            fleet.start();
            long connectDeadline = t0 + TimeUnit.SECONDS.toNanos(Math.max(30, s.viewers() / 50));
            while (fleet.openedCount() + fleet.failedCount() < fleet.size() && System.nanoTime() < connectDeadline
                    && relay.alive()) {
                Thread.sleep(50);
            }
            double connectSeconds = (System.nanoTime() - t0) / 1e9;
            if (fleet.openedCount() < fleet.size()) {
                problems.add((fleet.size() - fleet.openedCount()) + " viewers did not connect");
            }
            Thread.sleep(1000);
            long rssBefore = sampler.rssNow();
            publisher.connect(relay.publishUri(channel, stream.mime));
            long start = System.nanoTime() + 200_000_000L;
            fleet.publishStarted(start);
            sampler.start(start);
            long lastDue = start + stream.dueMillis[chunks - 1] * 1_000_000L;
            try {
                publisher.publish(start, lastDue + TimeUnit.SECONDS.toNanos(5));
            } catch (Exception e) {
                problems.add("publisher: " + e.getMessage());
            }
            // Let the fast viewers receive the tail, then let the stalled ones read to see how they were closed.
            Thread.sleep(2000);
            fleet.drainStalled();
            Thread.sleep(s.stalled() > 0 ? 2000 : 200);
            sampler.close();
            publisher.close();
            fleet.close();
            if (!relay.alive()) {
                problems.add("the relay process died");
            }
            if (fleet.unexpectedFailures > 0) {
                problems.add("viewer thread: " + fleet.firstFailure);
            }
            long published = frames != null ? frames.wireBytesUntil(stream.bytesAfterChunks(publisher.chunksSent))
                    : stream.bytesAfterChunks(publisher.chunksSent);
            List<ViewerFleet.Conn> conns = fleet.conns();
            String firstFailure = conns.stream().filter(c -> c.failure != null && c.openedAtNanos == 0)
                    .map(c -> c.failure).findFirst().orElse(null);
            List<Sampler.Sample> samples = sampler.samples();
            double publishSecs = (publisher.chunksSent * (double) stream.chunkMillis) / 1000.0;
            List<Sampler.Sample> during = samples.stream().filter(x -> x.millis() <= publishSecs * 1000 + 500)
                    .toList();
            List<Sampler.Sample> steady = during.stream().filter(x -> x.millis() > 5500).toList();
            long rssMax = samples.stream().mapToLong(Sampler.Sample::relayRssBytes).max().orElse(-1);
            long rssEnd = samples.isEmpty() ? -1 : samples.get(samples.size() - 1).relayRssBytes();
            Sampler.Sample last = samples.isEmpty() ? null : samples.get(samples.size() - 1);
            double lastEviction = Double.NaN;
            if (last != null && last.evictions() > 0) {
                for (Sampler.Sample x : samples) {
                    if (x.evictions() == last.evictions()) {
                        lastEviction = x.millis() / 1000.0;
                        break;
                    }
                }
            }
            List<Second> timeline = new ArrayList<>();
            for (int i = 0; i < samples.size(); i++) {
                Sampler.Sample x = samples.get(i);
                Histogram h = i < fleet.fastLatencyBySecond.size() ? fleet.fastLatencyBySecond.get(i) : null;
                double p99 = h == null || h.getTotalCount() == 0 ? Double.NaN
                        : Math.round(h.getValueAtPercentile(99) / 100.0) / 10.0;
                timeline.add(new Second(round(x.millis() / 1000.0), round(x.relayCpu()), round(x.relayCoreBusy()),
                        round(x.toolCpu()), x.relayRssBytes() < 0 ? -1 : x.relayRssBytes() >> 20, p99, x.viewers(),
                        x.skips(), x.evictions()));
            }
            double toolMax = max(during, Sampler.Sample::toolCpu);
            if (toolMax > 90) {
                problems.add("the load tool's core was saturated (" + round(toolMax) + " %): figures are limited "
                        + "by the tool, not the relay");
            }
            double others = mean(during, Sampler.Sample::relayCoreBusy) - mean(during, Sampler.Sample::relayCpu);
            if (others > 10) {
                problems.add("other processes used about " + round(others) + " % of the relay's core: latency and "
                        + "delivery figures are not the relay's alone");
            }
            long wrong = conns.stream().mapToLong(c -> c.mismatches + c.lostSyncs).sum();
            if (wrong > 0) {
                problems.add(wrong + " viewer messages did not match the published stream (bytes or frames)");
            }
            if (publisher.maxLateMillis > 50) {
                problems.add("the publisher ran up to " + publisher.maxLateMillis + " ms late");
            }
            return new Result(relay.label + (frames != null ? " frames" : ""), s.name(), s.viewers(), s.fast(), s.slow(), s.stalled(), s.seconds(),
                    bitrateKbps, publisher.chunksSent, published, publisher.maxLateMillis, publisher.closedBy(),
                    fleet.openedCount(), fleet.failedCount(), firstFailure, round(connectSeconds),
                    group(conns, ViewerFleet.Kind.FAST, published), group(conns, ViewerFleet.Kind.SLOW, published),
                    group(conns, ViewerFleet.Kind.STALLED, published),
                    Latency.of(fleet.fastLatencyMicros), Latency.of(fleet.slowLatencyMicros),
                    mean(during, Sampler.Sample::relayCpu), mean(steady, Sampler.Sample::relayCpu),
                    max(during, Sampler.Sample::relayCpu), mean(during, Sampler.Sample::relayCoreBusy),
                    mean(during, Sampler.Sample::toolCpu), toolMax, mean(during, Sampler.Sample::toolCoreBusy),
                    rssBefore, rssMax, rssEnd,
                    last == null ? -1 : last.skips(), last == null ? -1 : last.evictions(),
                    last == null ? -1 : last.viewersEvicted(), lastEviction, timeline,
                    problems.isEmpty() ? null : String.join("; ", problems));
        }
    }

    private static Group group(List<ViewerFleet.Conn> all, ViewerFleet.Kind kind, long published) {
        List<ViewerFleet.Conn> cs = all.stream().filter(c -> c.kind == kind).toList();
        double[] ratios = cs.stream().mapToDouble(c -> published == 0 ? 0 : (double) c.goodBytes / published)
                .sorted().toArray();
        Map<String, Integer> closes = new TreeMap<>();
        for (ViewerFleet.Conn c : cs) {
            String k = c.closeCode < 0 ? (c.openedAtNanos == 0 ? "never opened" : "open at end")
                    : c.closeCode + (c.closeReason == null || c.closeReason.isEmpty() ? "" : " " + c.closeReason);
            closes.merge(k, 1, Integer::sum);
        }
        return new Group(cs.size(), (int) cs.stream().filter(c -> c.openedAtNanos != 0).count(),
                (int) cs.stream().filter(c -> published > 0 && c.goodBytes >= published * 0.99).count(),
                ratios.length == 0 ? Double.NaN : round4(ratios[0]),
                ratios.length == 0 ? Double.NaN : round4(ratios[ratios.length / 2]),
                cs.stream().mapToLong(c -> c.mismatches).sum(), cs.stream().mapToLong(c -> c.lostSyncs).sum(),
                cs.stream().mapToLong(c -> c.skips).sum(), closes);
    }

    private static double mean(List<Sampler.Sample> xs, java.util.function.ToDoubleFunction<Sampler.Sample> f) {
        return round(xs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).average().orElse(Double.NaN));
    }

    private static double max(List<Sampler.Sample> xs, java.util.function.ToDoubleFunction<Sampler.Sample> f) {
        return round(xs.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).max().orElse(Double.NaN));
    }

    static double round(double d) {
        return Double.isNaN(d) ? d : Math.round(d * 10) / 10.0;
    }

    private static double round4(double d) {
        return Math.round(d * 10000) / 10000.0;
    }
}
