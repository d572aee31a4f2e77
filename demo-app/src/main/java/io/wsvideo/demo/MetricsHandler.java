package io.wsvideo.demo;

import io.wsvideo.relay.RelayHub;
import java.nio.charset.StandardCharsets;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;

/** {@code GET /metrics} on Grizzly: {@link DemoMetrics}. */
final class MetricsHandler extends HttpHandler implements AutoCloseable {

    private final DemoMetrics metrics;

    MetricsHandler(RelayHub hub, DemoRecording recording) {
        this.metrics = new DemoMetrics(hub, recording);
    }

    @Override
    public void service(Request request, Response response) throws Exception {
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        response.setContentType(DemoMetrics.CONTENT_TYPE);
        response.setHeader("Cache-Control", "no-store");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }

    @Override
    public void close() {
        metrics.close();
    }
}
