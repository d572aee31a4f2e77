package io.wsvideo.relay.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.wsvideo.relay.ChannelCounters;
import io.wsvideo.relay.RelayCounters;
import io.wsvideo.relay.RelayHub;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * <p>The values are read per refresh ({@code refreshMillis}, and {@link #refresh()} on demand, e.g. right
 * before a scrape) from the hub's own monotonic counters ({@link RelayHub#counters()},
 * {@link RelayHub#channelCounters()}), which count every event where it happens, departed viewers and
 * channels included. A refresh makes nothing per viewer: it walks each channel's viewers for the queue
 * gauges only.
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
    private boolean closed;

    /** Read by meters on the registry's threads; replaced whole on every refresh. */
    private volatile double[] hubValues = new double[Total.values().length];

    /** Hub-wide values, in {@link #hubValues}: gauges of the last refresh, and the hub's monotonic counts. */
    private enum Total {
        CHANNELS, PUBLISHERS, VIEWERS, QUEUED_BYTES, QUEUED_MESSAGES, MAX_LAG_MILLIS,
        RECEIVED_BYTES, RECEIVED_CHUNKS, SENT_BYTES, STREAMS, SKIPS, DROPPED_BYTES, EVICTIONS, REFUSED,
        VIEWERS_JOINED, VIEWERS_LEFT
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
            counter("wsvideo.viewers.joined", "viewers that joined", null, Total.VIEWERS_JOINED);
            counter("wsvideo.viewers.left", "viewers that left, evictions included", null, Total.VIEWERS_LEFT);
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
        List<ChannelCounters> now = hub.channelCounters();
        RelayCounters totals = hub.counters();
        double[] v = new double[Total.values().length];
        Set<String> seen = new HashSet<>();
        for (ChannelCounters c : now) {
            seen.add(c.name());
            v[Total.PUBLISHERS.ordinal()] += c.live() ? 1 : 0;
            v[Total.VIEWERS.ordinal()] += c.viewers();
            v[Total.QUEUED_BYTES.ordinal()] += c.queuedBytes();
            v[Total.QUEUED_MESSAGES.ordinal()] += c.queuedMessages();
            v[Total.MAX_LAG_MILLIS.ordinal()] = Math.max(v[Total.MAX_LAG_MILLIS.ordinal()], c.maxLagMillis());
            ChannelMeters m = channels.get(c.name());
            if (m == null && channels.size() < maxChannelMeters) {
                m = new ChannelMeters(c.name());
                channels.put(c.name(), m);
            }
            if (m != null) {
                m.viewers = c.viewers();
                m.live = c.live() ? 1 : 0;
                m.queuedBytes = c.queuedBytes();
                // A channel that went away and came back under the same name counts from zero again; its
                // meters were removed in between, so the registry sees a new series.
                m.received = c.counts().bytesIn();
                m.sent = c.counts().bytesOut();
                m.skips = c.counts().skips();
            }
        }
        for (Iterator<Map.Entry<String, ChannelMeters>> it = channels.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ChannelMeters> e = it.next();
            if (!seen.contains(e.getKey())) {
                e.getValue().remove();
                it.remove();
            }
        }
        v[Total.CHANNELS.ordinal()] = now.size();
        v[Total.RECEIVED_BYTES.ordinal()] = totals.bytesIn();
        v[Total.RECEIVED_CHUNKS.ordinal()] = totals.chunksIn();
        v[Total.SENT_BYTES.ordinal()] = totals.bytesOut();
        v[Total.STREAMS.ordinal()] = totals.publishersOpened();
        v[Total.SKIPS.ordinal()] = totals.skips();
        v[Total.DROPPED_BYTES.ordinal()] = totals.droppedBytes();
        v[Total.EVICTIONS.ordinal()] = totals.evictions();
        v[Total.REFUSED.ordinal()] = totals.publishersRefused();
        v[Total.VIEWERS_JOINED.ordinal()] = totals.viewersJoined();
        v[Total.VIEWERS_LEFT.ordinal()] = totals.viewersLeft();
        hubValues = v;
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

        /** How often the hub's counters are read (default 1000). */
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
