package io.wsvideo.demo;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.metrics.RelayMetrics;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecorderStats;

/**
 * What {@code GET /metrics} answers on either engine: the hub's meters ({@link RelayMetrics}, docs/metrics.md)
 * and the JVM's (memory, threads, process CPU) in Prometheus's text format.
 */
final class DemoMetrics implements AutoCloseable {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RelayMetrics metrics;

    DemoMetrics(RelayHub hub) {
        this(hub, null);
    }

    /** With the recorder's meters too when {@code recording} is not null (docs/metrics.md, "Recording"). */
    DemoMetrics(RelayHub hub, DemoRecording recording) {
        this.metrics = RelayMetrics.builder(hub).build();
        if (recording != null) {
            Recorder r = recording.recorder;
            FunctionCounter.builder("wsvideo.recordings.started", r, x -> x.stats().started())
                    .description("recordings started").register(registry);
            FunctionCounter.builder("wsvideo.recordings.failed", r, x -> x.stats().failed())
                    .description("recordings stopped by a failure (queue overflow, write error)").register(registry);
            FunctionCounter.builder("wsvideo.recordings.queue.overflows", r, x -> x.stats().queueOverflows())
                    .description("recordings stopped because their writer fell behind").register(registry);
            FunctionCounter.builder("wsvideo.recorded", r, x -> x.stats().bytesRecorded()).baseUnit("bytes")
                    .description("stream bytes handed to the recording files").register(registry);
            Gauge.builder("wsvideo.recordings.active", r, x -> x.stats().recordings().stream()
                    .filter(s -> s.state() == RecorderStats.State.RECORDING).count())
                    .description("recordings being written").register(registry);
        }
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    /** A scrape with fresh values, not up to a refresh period old. */
    String scrape() {
        metrics.refresh();
        return registry.scrape();
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
