package io.wsvideo.relay.redis;

import static io.wsvideo.relay.redis.TestViewer.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.testing.Recording;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The bridge's counters as Micrometer meters, on two nodes joined by a real redis-server. */
class RedisBridgeMetricsTest {

    private static double counter(SimpleMeterRegistry r, String name) {
        FunctionCounter c = r.find(name).functionCounter();
        assertThat(c).as(name).isNotNull();
        return c.count();
    }

    @Test
    void theBridgesCountersAreMetersThatFollowItsTraffic() throws Exception {
        Recording rec = Recording.load("webm-vp8-opus");
        try (RedisServerProcess redis = RedisServerProcess.start();
             ClusterNode a = new ClusterNode("a", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()));
             ClusterNode b = new ClusterNode("b", RelayConfig.defaults(), ClusterNode.fastConfig(redis.uri()));
             RedisBridgeMetrics ma = new RedisBridgeMetrics(a.bridge);
             RedisBridgeMetrics mb = new RedisBridgeMetrics(b.bridge)) {
            SimpleMeterRegistry ra = new SimpleMeterRegistry();
            SimpleMeterRegistry rb = new SimpleMeterRegistry();
            ma.bindTo(ra);
            mb.bindTo(rb);
            await("both connected", 10_000, () -> a.bridge.isConnected() && b.bridge.isConnected());
            Gauge connected = ra.find("wsvideo.redis.connected").gauge();
            assertThat(connected.value()).isEqualTo(1);
            assertThat(counter(ra, "wsvideo.redis.connects")).isEqualTo(1);

            TestViewer viewer = new TestViewer();
            b.hub.openViewer("metered", viewer);
            await("b asked for the stream", 10_000, () -> counter(rb, "wsvideo.redis.requests.out") > 0);
            Publisher p = a.hub.openPublisher("metered", rec.mime(), new ClusterNode.TestPeer());
            await("b relays", 10_000, () -> b.live("metered"));
            for (ByteBuffer c : rec.chunks()) {
                p.onData(c);
            }
            await("b caught up", 10_000, () -> b.bytesIn("metered") == a.bytesIn("metered"));
            int chunks = rec.chunks().size();
            assertThat(counter(ra, "wsvideo.redis.chunks.out")).isEqualTo(chunks);
            assertThat(counter(rb, "wsvideo.redis.chunks.in")).isEqualTo(chunks);
            assertThat(counter(ra, "wsvideo.redis.sent")).isGreaterThan(rec.bytes().length);
            assertThat(counter(rb, "wsvideo.redis.received")).isGreaterThan(rec.bytes().length);
            assertThat(counter(rb, "wsvideo.redis.starts.in")).isGreaterThanOrEqualTo(1);
            assertThat(counter(ra, "wsvideo.redis.dropped")).isZero();

            ma.close();
            assertThat(ra.getMeters()).isEmpty();
        }
    }
}
