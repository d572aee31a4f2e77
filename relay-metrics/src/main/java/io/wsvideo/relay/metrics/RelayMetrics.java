package io.wsvideo.relay.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayStats;
import io.wsvideo.relay.ViewerStats;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Micrometer meters for a {@link RelayHub}: audience, traffic, viewer queues, skips and evictions, hub-wide
 * and per channel (names in docs/metrics.md).
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
 * RelayMetrics metrics = RelayMetrics.builder(hub).build();
 * metrics.bindTo(registry);            // then serve registry.scrape() at /metrics
 * // ... metrics.close() when the hub stops
 * }</pre>
 *
 * <p>The values come from one {@link RelayHub#stats()} snapshot per refresh ({@code refreshMillis}, and
 * {@link #refresh()} on demand, e.g. right before a scrape); the hub keeps no counters of its own for
 * viewers or channels that left, so the totals are accumulated here from one snapshot to the next. Bytes
 * a viewer was sent after the last refresh and before it left are therefore not counted: the totals may
 * fall short by up to one refresh period of the departed viewers' traffic.
 */
public final class RelayMetrics implements MeterBinder, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RelayMetrics.class);

    private final RelayHub hub;
    private final long refreshMillis;
    private final int maxChannelMeters;
    private final Object lock = new Object();

    // Guarded by lock.
    private MeterRegistry registry;
    private ScheduledExecutorService timer;
    private final List<Meter> hubMeters = new ArrayList<>();
    private final Map<String, ChannelMeters> channels = new HashMap<>();
    private final Map<String, long[]> lastChannel = new HashMap<>();
    private Map<Long, long[]> lastViewer = new HashMap<>();
    private final double[] sums = new double[Total.values().length];
    private boolean closed;

    /** Read by meters on the registry's threads; replaced whole on every refresh. */
    private volatile double[] hubValues = new double[Total.values().length];

    /** Hub-wide values, in {@link #hubValues}. Totals only grow; the rest are the last snapshot's. */
    private enum Total {
        CHANNELS, PUBLISHERS, VIEWERS, QUEUED_BYTES, QUEUED_MESSAGES, MAX_LAG_MILLIS,
        RECEIVED_BYTES, RECEIVED_CHUNKS, SENT_BYTES, STREAMS, SKIPS, DROPPED_BYTES, EVICTIONS, REFUSED
    }

    private RelayMetrics(Builder b) {
        this.hub = b.hub;
        this.refreshMillis = b.refreshMillis;
        this.maxChannelMeters = b.maxChannelMeters;
    }

    public static Builder builder(RelayHub hub) {
        return new Builder(hub);
    }

    /**
     * Registers the meters and starts refreshing them. One registry per instance.
     */
    @Override
    public void bindTo(MeterRegistry r) {
        synchronized (lock) {
            if (registry != null) {
                throw new IllegalStateException("already bound to a registry");
            }
            registry = r;
            gauge("wsvideo.channels", "channels that have a publisher or a viewer", null, Total.CHANNELS);
            gauge("wsvideo.publishers", "channels with a publisher", null, Total.PUBLISHERS);
            gauge("wsvideo.viewers", "viewers connected", null, Total.VIEWERS);
            gauge("wsvideo.viewer.queued", "media bytes waiting in viewer queues", "bytes", Total.QUEUED_BYTES);
            gauge("wsvideo.viewer.queued.messages", "messages waiting in viewer queues", null,
                    Total.QUEUED_MESSAGES);
            hubMeters.add(TimeGauge.builder("wsvideo.viewer.lag.max", this,
                            TimeUnit.MILLISECONDS, m -> m.hubValues[Total.MAX_LAG_MILLIS.ordinal()])
                    .description("the longest any viewer's oldest queued or in-flight message has waited")
                    .register(r));
            counter("wsvideo.received", "media bytes received from publishers", "bytes", Total.RECEIVED_BYTES);
            counter("wsvideo.received.chunks", "media messages received from publishers", null,
                    Total.RECEIVED_CHUNKS);
            counter("wsvideo.sent", "bytes whose send to a viewer completed", "bytes", Total.SENT_BYTES);
            counter("wsvideo.streams.started", "publisher streams started", null, Total.STREAMS);
            counter("wsvideo.viewer.skips", "viewers skipped ahead to a keyframe", null, Total.SKIPS);
            counter("wsvideo.viewer.dropped", "media bytes never sent to a viewer because it skipped", "bytes",
                    Total.DROPPED_BYTES);
            counter("wsvideo.viewer.evictions", "viewers closed for being too slow (1008)", null, Total.EVICTIONS);
            counter("wsvideo.publishers.refused", "publishers refused (channel busy)", null, Total.REFUSED);
            refreshLocked();
            timer = Executors.newSingleThreadScheduledExecutor(t -> {
                Thread th = new Thread(t, "wsvideo-metrics");
                th.setDaemon(true);
                return th;
            });
            timer.scheduleWithFixedDelay(this::refresh, refreshMillis, refreshMillis, TimeUnit.MILLISECONDS);
        }
    }

    private void gauge(String name, String description, String unit, Total t) {
        hubMeters.add(Gauge.builder(name, this, m -> m.hubValues[t.ordinal()])
                .description(description).baseUnit(unit).register(registry));
    }

    private void counter(String name, String description, String unit, Total t) {
        hubMeters.add(FunctionCounter.builder(name, this, m -> m.hubValues[t.ordinal()])
                .description(description).baseUnit(unit).register(registry));
    }

    /** Takes a new snapshot of the hub now (the timer does it every {@code refreshMillis}). */
    public void refresh() {
        try {
            synchronized (lock) {
                if (registry != null && !closed) {
                    refreshLocked();
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("relay metrics: refresh failed", e);
        }
    }

    private void refreshLocked() {
        RelayStats stats = hub.stats();
        double[] v = sums;
        int publishers = 0;
        int viewers = 0;
        long queuedBytes = 0;
        long queuedMessages = 0;
        long maxLag = 0;
        Map<Long, long[]> viewersNow = new HashMap<>();
        Map<String, ChannelStats> seen = new HashMap<>();
        for (ChannelStats c : stats.channels()) {
            seen.put(c.name(), c);
            publishers += c.live() ? 1 : 0;
            viewers += c.viewerCount();
            // Channel totals: a channel that went away and came back under the same name starts from zero.
            long[] before = lastChannel.getOrDefault(c.name(), new long[4]);
            long[] now = {c.bytesIn(), c.chunksIn(), c.streams(), c.skips()};
            long[] delta = new long[4];
            for (int i = 0; i < 4; i++) {
                delta[i] = now[i] >= before[i] ? now[i] - before[i] : now[i];
            }
            lastChannel.put(c.name(), now);
            v[Total.RECEIVED_BYTES.ordinal()] += delta[0];
            v[Total.RECEIVED_CHUNKS.ordinal()] += delta[1];
            v[Total.STREAMS.ordinal()] += delta[2];
            v[Total.SKIPS.ordinal()] += delta[3];
            long channelSent = 0;
            long channelQueued = 0;
            for (ViewerStats w : c.viewers()) {
                long[] prev = lastViewer.getOrDefault(w.id(), new long[2]);
                long sent = w.bytesOut() - prev[0];
                long dropped = w.droppedBytes() - prev[1];
                viewersNow.put(w.id(), new long[] {w.bytesOut(), w.droppedBytes()});
                channelSent += sent;
                v[Total.SENT_BYTES.ordinal()] += sent;
                v[Total.DROPPED_BYTES.ordinal()] += dropped;
                channelQueued += w.queuedBytes();
                queuedMessages += w.queuedMessages();
                maxLag = Math.max(maxLag, w.lagMillis());
            }
            queuedBytes += channelQueued;
            ChannelMeters m = channels.get(c.name());
            if (m == null && channels.size() < maxChannelMeters) {
                m = new ChannelMeters(c.name());
                channels.put(c.name(), m);
            }
            if (m != null) {
                m.viewers = c.viewerCount();
                m.live = c.live() ? 1 : 0;
                m.queuedBytes = channelQueued;
                m.received += delta[0];
                m.sent += channelSent;
                m.skips += delta[3];
            }
        }
        lastViewer = viewersNow;
        lastChannel.keySet().retainAll(seen.keySet());
        for (Iterator<Map.Entry<String, ChannelMeters>> it = channels.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ChannelMeters> e = it.next();
            if (!seen.containsKey(e.getKey())) {
                e.getValue().remove();
                it.remove();
            }
        }
        v[Total.CHANNELS.ordinal()] = stats.channels().size();
        v[Total.PUBLISHERS.ordinal()] = publishers;
        v[Total.VIEWERS.ordinal()] = viewers;
        v[Total.QUEUED_BYTES.ordinal()] = queuedBytes;
        v[Total.QUEUED_MESSAGES.ordinal()] = queuedMessages;
        v[Total.MAX_LAG_MILLIS.ordinal()] = maxLag;
        v[Total.EVICTIONS.ordinal()] = stats.viewersEvicted();
        v[Total.REFUSED.ordinal()] = stats.publishersRefused();
        hubValues = v.clone();
    }

    /** One channel's meters (tag {@code channel}); values written under lock, read by the registry. */
    private final class ChannelMeters {
        volatile double viewers;
        volatile double live;
        volatile double queuedBytes;
        volatile double received;
        volatile double sent;
        volatile double skips;
        final List<Meter> meters = new ArrayList<>();

        ChannelMeters(String name) {
            gauge("wsvideo.channel.viewers", "viewers of the channel", null, m -> m.viewers, name);
            gauge("wsvideo.channel.live", "1 while the channel has a publisher", null, m -> m.live, name);
            gauge("wsvideo.channel.queued", "media bytes waiting in the channel's viewer queues", "bytes",
                    m -> m.queuedBytes, name);
            meters.add(FunctionCounter.builder("wsvideo.channel.received", this, m -> m.received)
                    .description("media bytes received from the channel's publishers").baseUnit("bytes")
                    .tag("channel", name).register(registry));
            meters.add(FunctionCounter.builder("wsvideo.channel.sent", this, m -> m.sent)
                    .description("bytes sent to the channel's viewers").baseUnit("bytes")
                    .tag("channel", name).register(registry));
            meters.add(FunctionCounter.builder("wsvideo.channel.skips", this, m -> m.skips)
                    .description("skips to a keyframe on the channel").tag("channel", name).register(registry));
        }

        private void gauge(String meter, String description, String unit, ToDoubleFunction<ChannelMeters> f,
                           String name) {
            meters.add(Gauge.builder(meter, this, f).description(description).baseUnit(unit)
                    .tag("channel", name).register(registry));
        }

        void remove() {
            for (Meter m : meters) {
                registry.remove(m);
            }
        }
    }

    /** Stops refreshing and removes every meter this instance registered. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            if (timer != null) {
                timer.shutdownNow();
            }
            if (registry != null) {
                channels.values().forEach(ChannelMeters::remove);
                channels.clear();
                hubMeters.forEach(registry::remove);
                hubMeters.clear();
            }
        }
    }

    public static final class Builder {
        private final RelayHub hub;
        private long refreshMillis = 1000;
        private int maxChannelMeters = 100;

        private Builder(RelayHub hub) {
            this.hub = Objects.requireNonNull(hub, "hub");
        }

        /** How often the hub's snapshot is taken (default 1000). */
        public Builder refreshMillis(long v) {
            if (v < 10) {
                throw new IllegalArgumentException("refreshMillis: must be at least 10, is " + v);
            }
            this.refreshMillis = v;
            return this;
        }

        /**
         * Channels that get meters of their own (tag {@code channel}), in the order they are first seen;
         * the others count in the hub-wide meters only (default 100; 0 for none). Each costs six series.
         */
        public Builder maxChannelMeters(int v) {
            if (v < 0) {
                throw new IllegalArgumentException("maxChannelMeters: must be 0 or more, is " + v);
            }
            this.maxChannelMeters = v;
            return this;
        }

        public RelayMetrics build() {
            return new RelayMetrics(this);
        }
    }
}
