package io.wsvideo.relay.redis;

import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;

/** One relay node of a test cluster: a hub and its bridge, in this JVM. */
final class ClusterNode implements AutoCloseable {

    final String name;
    final RelayHub hub;
    final RedisBridge bridge;

    ClusterNode(String name, RelayConfig relay, RedisBridgeConfig cluster) {
        this.name = name;
        this.hub = RelayHub.create(relay);
        this.bridge = RedisBridge.start(hub, cluster);
    }

    /** Short timers, so that losses and recoveries show within a second or two. */
    static RedisBridgeConfig fastConfig(String redisUri) {
        return RedisBridgeConfig.builder(redisUri)
                .heartbeatMillis(200)
                .remoteTimeoutMillis(1500)
                .ownerTtlMillis(1500)
                .reconnectDelayMillis(200)
                .commandTimeoutMillis(1000)
                .build();
    }

    ChannelStats channel(String channel) {
        return hub.stats().channel(channel);
    }

    boolean live(String channel) {
        ChannelStats c = channel(channel);
        return c != null && c.live();
    }

    long bytesIn(String channel) {
        ChannelStats c = channel(channel);
        return c == null ? -1 : c.bytesIn();
    }

    @Override
    public void close() {
        bridge.close();
        hub.close();
    }

    @Override
    public String toString() {
        return name;
    }

    /** A publisher connection that records how it was closed. */
    static final class TestPeer implements Peer {
        volatile Integer code;
        volatile String reason;

        @Override
        public synchronized void close(int code, String reason) {
            if (this.code == null) {
                this.code = code;
                this.reason = reason;
            }
        }
    }
}
