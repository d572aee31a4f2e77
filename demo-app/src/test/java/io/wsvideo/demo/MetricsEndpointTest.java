package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} on a running demo server, with a real publisher and viewers over WebSocket. */
class MetricsEndpointTest {

    private static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series %s in /metrics", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void metricsAreScrapedInPrometheusFormatWithPlausibleValues() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            String base = "127.0.0.1:" + server.port();
            WsClient v1 = WsClient.connect("ws://" + base + "/relay/view/metrics");
            WsClient v2 = WsClient.connect("ws://" + base + "/relay/view/metrics");
            WsClient publisher = WsClient.connect("ws://" + base + "/relay/publish/metrics?mime="
                    + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8));
            for (ByteBuffer chunk : rec.chunks()) {
                publisher.sendBinary(chunk);
            }
            long total = rec.bytes().length;
            WsClient.await(Duration.ofSeconds(10),
                    () -> v1.bytes().length >= total && v2.bytes().length >= total);

            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + base + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
            String s = r.body();
            assertThat(s).contains("# HELP wsvideo_viewers ").contains("# TYPE wsvideo_received_bytes_total counter");
            assertThat(sample(s, "wsvideo_viewers")).isEqualTo(2);
            assertThat(sample(s, "wsvideo_publishers")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_channels")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_received_bytes_total")).isEqualTo(total);
            assertThat(sample(s, "wsvideo_received_chunks_total")).isEqualTo(rec.chunks().size());
            assertThat(sample(s, "wsvideo_sent_bytes_total")).isGreaterThanOrEqualTo(2.0 * total);
            assertThat(sample(s, "wsvideo_viewer_queued_bytes")).isGreaterThanOrEqualTo(0);
            assertThat(sample(s, "wsvideo_viewer_skips_total")).isZero();
            assertThat(sample(s, "wsvideo_viewer_evictions_total")).isZero();
            assertThat(sample(s, "wsvideo_channel_viewers{channel=\"metrics\"}")).isEqualTo(2);
            assertThat(sample(s, "wsvideo_channel_received_bytes_total{channel=\"metrics\"}")).isEqualTo(total);
            assertThat(s).contains("jvm_memory_used_bytes").contains("process_cpu_usage");

            publisher.close();
            v1.close();
            v2.close();
        }
    }
}
