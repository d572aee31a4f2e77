package io.wsvideo.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.redis.RedisBridge;
import io.wsvideo.relay.redis.RedisBridgeConfig;
import io.wsvideo.relay.redis.RedisServerProcess;
import io.wsvideo.relay.testing.Recording;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Two demo servers joined by a real redis-server, with real WebSocket clients: a viewer on one sees the
 * publisher on the other, through the servers' own send paths (Tyrus's raw frames included).
 */
class ClusterDemoTest {

    @Test
    void aViewerOnOneServerWatchesAPublisherOnAnotherThroughRedis() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RedisServerProcess redis = RedisServerProcess.start();
             DemoServer a = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults());
             DemoServer b = DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.defaults())) {
            RedisBridgeConfig cluster = RedisBridgeConfig.builder(redis.uri()).heartbeatMillis(200)
                    .remoteTimeoutMillis(2000).ownerTtlMillis(2000).build();
            RedisBridge bridgeA = RedisBridge.start(a.hub(), cluster);
            RedisBridge bridgeB = RedisBridge.start(b.hub(), cluster);
            try {
                WsClient.await(Duration.ofSeconds(10), () -> bridgeA.isConnected() && bridgeB.isConnected());
                WsClient viewer = WsClient.connect("ws://127.0.0.1:" + b.port() + "/relay/view/cluster");
                WsClient.await(Duration.ofSeconds(10), () -> bridgeB.stats().requestsOut() > 0);
                WsClient publisher = WsClient.connect("ws://127.0.0.1:" + a.port()
                        + "/relay/publish/cluster?mime=" + URLEncoder.encode(rec.mime(), StandardCharsets.UTF_8));
                WsClient.await(Duration.ofSeconds(10), () -> b.hub().stats().channel("cluster") != null
                        && b.hub().stats().channel("cluster").live());
                for (ByteBuffer chunk : rec.chunks()) {
                    publisher.sendBinary(chunk);
                }
                WsClient.await(Duration.ofSeconds(10), () -> viewer.bytes().length >= rec.bytes().length);
                assertThat(viewer.bytes()).isEqualTo(Recording.asRelayed(rec.bytes()));
                assertThat(viewer.texts()).filteredOn(t -> t.contains("\"type\":\"stream\"")).singleElement()
                        .satisfies(t -> assertThat(t).contains("video/webm;codecs=\\\"vp8,opus\\\""));

                publisher.close();
                WsClient.await(Duration.ofSeconds(10),
                        () -> viewer.texts().stream().anyMatch(t -> t.contains("\"type\":\"ended\"")));
                viewer.close();
            } finally {
                bridgeA.close();
                bridgeB.close();
            }
        }
    }
}
