package io.wsvideo.loadtest;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.demo.DemoServer;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The whole tool, small, against the demo server in this JVM. */
class LoadRunTest {

    @Test
    void everyFastViewerGetsEveryPublishedByteAtTheRightOffset() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        LiveStream stream = LiveStream.build(rec.mime(), rec.bytes(), 250_000, 4, 100);
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             RelayUnderTest relay = RelayUnderTest.external(URI.create("ws://127.0.0.1:" + server.port()), -1)) {
            LoadRun.Result r = LoadRun.run(relay, stream, new LoadRun.Scenario("test", 40, 4, 3, 4, 50_000),
                    "lt", -1, -1, 0, 2000, 1);

            assertThat(r.chunks()).isEqualTo(stream.chunkCount());
            assertThat(r.publishedBytes()).isEqualTo(stream.totalBytes());
            assertThat(r.connected()).isEqualTo(47);
            assertThat(r.fastViewers().delivered99()).isEqualTo(40);
            assertThat(r.fastViewers().minDelivered()).isEqualTo(1.0);
            assertThat(r.fastViewers().mismatches()).isZero();
            assertThat(r.fastViewers().lostSyncs()).isZero();
            assertThat(r.fastLatencyMillis().samples()).isGreaterThanOrEqualTo(40L * 30);
            assertThat(r.fastLatencyMillis().p50()).isLessThan(1000);
            // Slow viewers get less, but whatever they get is where it belongs, resumes included.
            assertThat(r.slowViewers().mismatches()).isZero();
            assertThat(r.slowViewers().lostSyncs()).isZero();
            assertThat(r.slowViewers().medianDelivered()).isLessThan(0.99);
            assertThat(r.timeline()).isNotEmpty();
            // The relay's /relay/stats was polled while they watched.
            assertThat(r.timeline()).anySatisfy(sec -> assertThat(sec.viewers()).isEqualTo(47));
        }
    }

    @Test
    void frameViewersGetEveryFrameOfTheStreamWithItsPayload() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus-long");
        LiveStream stream = LiveStream.build(rec.mime(), rec.bytes(), 250_000, 4, 100);
        FrameIndex frames = FrameIndex.of(stream);
        assertThat(frames.size()).isGreaterThan(100);
        // The padding is inside the frames: both views move about the same bytes, so their costs compare.
        assertThat(frames.wireBytesUntil(stream.totalBytes())).isGreaterThan(stream.totalBytes() * 9 / 10);
        try (DemoServer server = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             RelayUnderTest relay = RelayUnderTest.external(URI.create("ws://127.0.0.1:" + server.port()), -1)) {
            LoadRun.Result r = LoadRun.run(relay, stream, frames, new LoadRun.Scenario("test", 40, 4, 0, 4, 50_000),
                    "lt", -1, -1, 0, 2000, 1);

            assertThat(r.relay()).endsWith(" frames");
            assertThat(r.publishedBytes()).isEqualTo(frames.wireBytesUntil(stream.totalBytes()));
            assertThat(r.connected()).isEqualTo(44);
            // From the first video key frame on: the audio frame before it is the only one missed.
            assertThat(r.fastViewers().delivered99()).isEqualTo(40);
            assertThat(r.fastViewers().mismatches()).isZero();
            assertThat(r.fastLatencyMillis().samples()).isGreaterThanOrEqualTo(40L * 30);
            assertThat(r.slowViewers().mismatches()).isZero();
            assertThat(r.slowViewers().medianDelivered()).isLessThan(0.99);
        }
    }
}
