package io.wsvideo.demo;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.metrics.RelayMetrics;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/**
 * {@code GET /metrics}: the hub's meters ({@link RelayMetrics}, docs/metrics.md) and the JVM's (memory,
 * threads, process CPU) in Prometheus's text format.
 */
final class MetricsHandler extends HttpHandler implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final RelayMetrics metrics;

    MetricsHandler(RelayHub hub) {
        this.metrics = RelayMetrics.builder(hub).build();
        metrics.bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        // Fresh values for every scrape, not up to a refresh period old.
        metrics.refresh();
        byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
        response.setContentType("text/plain; version=0.0.4; charset=utf-8");
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    public void close() {
        metrics.close();
        registry.close();
    }
}
