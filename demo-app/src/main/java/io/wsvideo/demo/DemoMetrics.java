package io.wsvideo.demo;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.metrics.RecorderMetrics;
import io.wsvideo.relay.metrics.RelayMetrics;

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
            new RecorderMetrics(recording.recorder).bindTo(registry);
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
