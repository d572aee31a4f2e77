package io.wsvideo.relay.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.Viewer;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RelayMetricsTest {

    /** Completes every send at once, or never (a stalled viewer). */
    private static final class Sink implements ViewerSink {
        private final boolean completes;
        final List<SendCallback> pending = new ArrayList<>();

        Sink(boolean completes) {
            this.completes = completes;
        }

        @Override
        public void sendBinary(ByteBuffer data, SendCallback callback) {
            done(callback);
        }

        @Override
        public void sendText(String text, SendCallback callback) {
            done(callback);
        }

        private synchronized void done(SendCallback callback) {
            if (completes) {
                callback.completed(null);
            } else {
                pending.add(callback);
            }
        }

        @Override
        public void close(int code, String reason) {
        }
    }

    /** The value of one sample line of a Prometheus text scrape, e.g. {@code wsvideo_viewers}. */
    static double sample(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("series %s in%n%s", series, scrape).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    void theHubsAudienceTrafficAndQueuesAreExposedUnderTheDocumentedNames() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        long total = rec.bytes().length;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RelayHub hub = RelayHub.create(RelayConfig.defaults());
             RelayMetrics metrics = RelayMetrics.builder(hub).refreshMillis(60_000).build()) {
            metrics.bindTo(registry);
            Viewer left = hub.openViewer("news", new Sink(true));
            hub.openViewer("news", new Sink(true));
            Sink stalled = new Sink(false);
            hub.openViewer("news", stalled);
            hub.openViewer("sport", new Sink(true));
            Publisher p = hub.openPublisher("news", rec.mime(), (code, reason) -> { });
            List<ByteBuffer> chunks = rec.chunks();
            for (ByteBuffer c : chunks.subList(0, 10)) {
                p.onData(c);
            }
            metrics.refresh();
            left.close();
            for (ByteBuffer c : chunks.subList(10, chunks.size())) {
                p.onData(c);
            }
            metrics.refresh();
            String s = registry.scrape();

            assertThat(sample(s, "wsvideo_channels")).isEqualTo(2);
            assertThat(sample(s, "wsvideo_publishers")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_viewers")).isEqualTo(3);
            assertThat(sample(s, "wsvideo_received_bytes_total")).isEqualTo(total);
            assertThat(sample(s, "wsvideo_received_chunks_total")).isEqualTo(chunks.size());
            assertThat(sample(s, "wsvideo_streams_started_total")).isEqualTo(1);
            // One live viewer got everything, the one that left everything until it left (all of it
            // counted, though it left between refreshes); the stalled one has its first message in flight.
            double sent = sample(s, "wsvideo_sent_bytes_total");
            assertThat(sent).isGreaterThan(total).isLessThan(2 * total + 2000);
            assertThat(sample(s, "wsvideo_viewers_joined_total")).isEqualTo(4);
            assertThat(sample(s, "wsvideo_viewers_left_total")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_viewer_queued_bytes")).isGreaterThan(0);
            assertThat(sample(s, "wsvideo_viewer_queued_messages")).isGreaterThan(0);
            assertThat(sample(s, "wsvideo_viewer_lag_max_seconds")).isGreaterThanOrEqualTo(0);
            assertThat(sample(s, "wsvideo_viewer_skips_total")).isGreaterThanOrEqualTo(0);
            assertThat(sample(s, "wsvideo_viewer_dropped_bytes_total")).isGreaterThanOrEqualTo(0);
            assertThat(sample(s, "wsvideo_viewer_evictions_total")).isZero();
            assertThat(sample(s, "wsvideo_publishers_refused_total")).isZero();
            assertThat(sample(s, "wsvideo_channel_viewers{channel=\"news\"}")).isEqualTo(2);
            assertThat(sample(s, "wsvideo_channel_viewers{channel=\"sport\"}")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_channel_live{channel=\"news\"}")).isEqualTo(1);
            assertThat(sample(s, "wsvideo_channel_live{channel=\"sport\"}")).isZero();
            assertThat(sample(s, "wsvideo_channel_received_bytes_total{channel=\"news\"}")).isEqualTo(total);
            assertThat(sample(s, "wsvideo_channel_sent_bytes_total{channel=\"news\"}")
                    + sample(s, "wsvideo_channel_sent_bytes_total{channel=\"sport\"}")).isEqualTo(sent);
            assertThat(sample(s, "wsvideo_channel_queued_bytes{channel=\"news\"}")).isGreaterThan(0);
            assertThat(sample(s, "wsvideo_channel_skips_total{channel=\"news\"}")).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void totalsSurviveChannelsThatCloseAndChannelMetersGoWithThem() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RelayHub hub = RelayHub.create(RelayConfig.defaults());
             RelayMetrics metrics = RelayMetrics.builder(hub).refreshMillis(60_000).build()) {
            metrics.bindTo(registry);
            for (int round = 1; round <= 3; round++) {
                Publisher p = hub.openPublisher("show", rec.mime(), (code, reason) -> { });
                for (ByteBuffer c : rec.chunks()) {
                    p.onData(c);
                }
                metrics.refresh();
                assertThat(registry.scrape()).contains("wsvideo_channel_live{channel=\"show\"} 1");
                p.close();
                metrics.refresh();
                String s = registry.scrape();
                assertThat(s).doesNotContain("channel=\"show\"");
                assertThat(sample(s, "wsvideo_received_bytes_total")).isEqualTo(round * rec.bytes().length);
                assertThat(sample(s, "wsvideo_streams_started_total")).isEqualTo(round);
                assertThat(sample(s, "wsvideo_channels")).isZero();
            }
        }
    }

    @Test
    void perChannelMetersAreCapped() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (RelayHub hub = RelayHub.create(RelayConfig.defaults());
             RelayMetrics metrics = RelayMetrics.builder(hub).maxChannelMeters(2).build()) {
            metrics.bindTo(registry);
            for (String ch : List.of("a", "b", "c")) {
                hub.openViewer(ch, new Sink(true));
            }
            metrics.refresh();
            String s = registry.scrape();
            assertThat(sample(s, "wsvideo_viewers")).isEqualTo(3);
            assertThat(s).contains("channel=\"a\"").contains("channel=\"b\"").doesNotContain("channel=\"c\"");
        }
        assertThat(registry.scrape()).as("close() removes every meter").doesNotContain("wsvideo_");
        assertThatThrownBy(() -> RelayMetrics.builder(RelayHub.create(RelayConfig.defaults())).refreshMillis(1))
                .hasMessageContaining("refreshMillis");
    }
}
