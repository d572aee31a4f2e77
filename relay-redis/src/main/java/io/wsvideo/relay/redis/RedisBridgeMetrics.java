package io.wsvideo.relay.redis;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * Micrometer meters for a {@link RedisBridge} (names in docs/metrics.md), read from its counters
 * ({@link RedisBridge#stats()}) at each scrape. Micrometer is an optional dependency of relay-redis: add
 * {@code micrometer-core} to use this class.
 *
 * <pre>{@code
 * new RedisBridgeMetrics(bridge).bindTo(registry);
 * }</pre>
 */
public final class RedisBridgeMetrics implements MeterBinder, AutoCloseable {

    private final RedisBridge bridge;
    private final List<Meter> meters = new ArrayList<>();
    private MeterRegistry registry;

    public RedisBridgeMetrics(RedisBridge bridge) {
        this.bridge = Objects.requireNonNull(bridge, "bridge");
    }

    @Override
    public synchronized void bindTo(MeterRegistry r) {
        if (registry != null) {
            throw new IllegalStateException("already bound to a registry");
        }
        registry = r;
        gauge("wsvideo.redis.connected", "1 while Redis is reachable", null, s -> s.connected() ? 1 : 0);
        gauge("wsvideo.redis.pending.out", "bytes published but not yet acknowledged by Redis", "bytes",
                RedisBridgeStats::pendingOutBytes);
        gauge("wsvideo.redis.pending.in", "bytes received but not yet handled by the bridge thread", "bytes",
                RedisBridgeStats::pendingInBytes);
        counter("wsvideo.redis.frames.out", "frames published to Redis", null, RedisBridgeStats::framesOut);
        counter("wsvideo.redis.sent", "bytes of the frames published, headers included", "bytes",
                RedisBridgeStats::bytesOut);
        counter("wsvideo.redis.frames.in", "frames received from other nodes", null, RedisBridgeStats::framesIn);
        counter("wsvideo.redis.received", "bytes of the frames received", "bytes", RedisBridgeStats::bytesIn);
        counter("wsvideo.redis.chunks.out", "media chunks forwarded from local publishers", null,
                RedisBridgeStats::dataOut);
        counter("wsvideo.redis.chunks.in", "media chunks fed to relayed streams", null, RedisBridgeStats::dataIn);
        counter("wsvideo.redis.starts.out", "stream starts sent", null, RedisBridgeStats::startsOut);
        counter("wsvideo.redis.starts.in", "remote streams this node started relaying", null,
                RedisBridgeStats::startsIn);
        counter("wsvideo.redis.requests.out", "requests for a stream's start sent", null,
                RedisBridgeStats::requestsOut);
        counter("wsvideo.redis.requests.in", "requests for a stream's start answered", null,
                RedisBridgeStats::requestsIn);
        counter("wsvideo.redis.gaps", "relayed streams restarted because bytes went missing", null,
                RedisBridgeStats::gaps);
        counter("wsvideo.redis.dropped", "media frames dropped: too many bytes pending", null,
                RedisBridgeStats::dropped);
        counter("wsvideo.redis.refused", "local publishers refused: another node owns the channel", null,
                RedisBridgeStats::refused);
        counter("wsvideo.redis.connects", "times Redis became reachable", null, RedisBridgeStats::connects);
        counter("wsvideo.redis.losses", "times Redis was lost", null, RedisBridgeStats::losses);
    }

    private void gauge(String name, String description, String unit, ToDoubleFunction<RedisBridgeStats> f) {
        meters.add(Gauge.builder(name, bridge, b -> f.applyAsDouble(b.stats()))
                .description(description).baseUnit(unit).register(registry));
    }

    private void counter(String name, String description, String unit, ToDoubleFunction<RedisBridgeStats> f) {
        meters.add(FunctionCounter.builder(name, bridge, b -> f.applyAsDouble(b.stats()))
                .description(description).baseUnit(unit).register(registry));
    }

    /** Removes the meters from the registry. */
    @Override
    public synchronized void close() {
        if (registry != null) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
