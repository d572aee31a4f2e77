package io.wsvideo.relay.redis;

import io.lettuce.core.RedisFuture;
import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.HubListener;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one node's {@link RelayHub} to the other nodes through Redis pub/sub, so that a viewer on any
 * node sees a publisher on any other (docs/cluster.md).
 *
 * <ul>
 *   <li>A local publisher's stream is forwarded, chunk by chunk as the hub takes it, on the Redis channel
 *       {@code wsvideo:{channel}:media}, once this node owns the channel (the key {@code wsvideo:{channel}:owner},
 *       set with NX and a TTL refreshed every heartbeat: one publisher per channel across the cluster).</li>
 *   <li>A node subscribes to a channel's media only while it has local viewers on it and no local
 *       publisher. It then asks, on {@code wsvideo:{channel}:sync}, for the stream's start; the publishing
 *       node answers with its init segment and the cached bytes from the last keyframe (what a late joiner
 *       gets, {@link Publisher#snapshot()}). The receiving node feeds them and the chunks that follow to a
 *       publisher of its own hub, which runs its own segmenter and late-join cache for its viewers.</li>
 *   <li>Streams it received are never forwarded again, and frames a node sent are ignored by it.</li>
 *   <li>Losing Redis ends the received streams on this node (its viewers get {@code ended}) while local
 *       publishers keep serving local viewers; when Redis is back the node resubscribes and asks again, and
 *       publishing nodes claim their channels again and re-send their streams' start.</li>
 * </ul>
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * RedisBridge bridge = RedisBridge.start(hub, RedisBridgeConfig.builder("redis://10.0.0.5:6379").build());
 * // ... on shutdown: bridge.close(); hub.close();
 * }</pre>
 *
 * Threads: one bridge thread owns every piece of state but the forwarding of a local publisher's chunks,
 * which runs on the publisher's own thread. Lettuce's threads only hand messages over to the bridge thread.
 *
 * <p>Parts: {@link ClusterLink} (the Redis connections, the bridge thread, subscriptions, names),
 * {@link OutboundStreams} (local publishers: claims, forwarding, stream starts) and {@link InboundStreams}
 * (remote streams replayed into this hub). This class wires them to the hub and decides, channel by channel,
 * what to subscribe to.
 */
public final class RedisBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBridge.class);

    private final RelayHub hub;
    private final RedisBridgeConfig config;
    private final long nodeId;
    private final BridgeCounters counters = new BridgeCounters();
    private final ClusterLink link;
    private final OutboundStreams outbound;
    private final InboundStreams inbound;
    private final Listener hubListener = new Listener();

    private RedisBridge(RelayHub hub, RedisBridgeConfig config) {
        this.hub = hub;
        this.config = config;
        this.nodeId = new SecureRandom().nextLong();
        this.link = new ClusterLink(config, counters);
        this.outbound = new OutboundStreams(hub, config, link, nodeId, counters);
        this.inbound = new InboundStreams(hub, config, link, outbound, nodeId, counters);
    }

    /**
     * Connects {@code hub} to the cluster. Returns at once: when Redis cannot be reached yet, the bridge
     * keeps trying every {@link RedisBridgeConfig#reconnectDelayMillis()} and the hub works on its own
     * meanwhile. Register the bridge before the hub has publishers or viewers.
     */
    public static RedisBridge start(RelayHub hub, RedisBridgeConfig config) {
        RedisBridge b = new RedisBridge(hub, config);
        hub.addListener(b.hubListener);
        b.link.start(b.inbound.listener(), new ClusterLink.Events() {
            @Override
            public void up() {
                b.onUp();
            }

            @Override
            public void down() {
                b.onDown();
            }
        }, b::tick);
        LOG.info("relay node {} joins the cluster at {}", Long.toHexString(b.nodeId), config.redactedUri());
        return b;
    }

    /** This node's random id, as it appears in frames and owner keys. */
    public long nodeId() {
        return nodeId;
    }

    /** Whether Redis is reachable and this node takes part in the cluster. */
    public boolean isConnected() {
        return link.up();
    }

    public RedisBridgeStats stats() {
        return counters.snapshot(link.up(), link.pendingOutBytes(), inbound.pendingInBytes());
    }

    // ---- bridge thread ----------------------------------------------------------------------------------

    /** Redis is reachable again (or for the first time): claim the local channels, resubscribe. */
    private void onUp() {
        outbound.reclaimAll();
        Set<String> names = new HashSet<>(inbound.channels());
        for (ChannelStats c : hub.stats().channels()) {
            names.add(c.name());
        }
        names.forEach(this::reconcile);
    }

    /** Redis is lost: remote streams end here; local ones stay local. */
    private void onDown() {
        inbound.endAll("lost the relay cluster");
        outbound.disconnected();
    }

    /** Every heartbeat: heartbeats, ownership, timeouts, and anything that failed before. */
    private void tick() {
        if (!link.healthy()) {
            return;
        }
        // Taken before the heartbeat, which ends kept streams nobody continued: their channels are reconciled too.
        Set<String> names = new HashSet<>(outbound.channels());
        outbound.heartbeat();
        inbound.expire(System.nanoTime());
        names.addAll(inbound.channels());
        names.addAll(outbound.channels());
        names.forEach(this::reconcile);
    }

    /**
     * Subscribes to what this node needs for {@code channel}, and no more: the media while it has local
     * viewers and no local publisher, the sync channel while it has a local publisher.
     */
    private void reconcile(String channel) {
        if (!link.up()) {
            return;
        }
        boolean local = outbound.publishes(channel);
        inbound.watch(channel, !local && hub.viewerCount(channel) > 0);
        if (local) {
            link.subscribe(link.syncChannel(channel), () -> {
            });
        } else {
            link.unsubscribe(link.syncChannel(channel));
        }
    }

    private void localOpened(OutboundStreams.LocalStream ls) {
        if (!outbound.activate(ls)) {
            return;
        }
        // The hub let the local publisher take over the stream this node received.
        inbound.end(ls.channel, "publisher replaced");
        // A resumed publisher took the channel back from its own old stream (on this node), which may still hold
        // the cluster's claim until its end is noticed here.
        outbound.claim(ls, hub.config().publisherTakeover() || ls.publisher.resumed());
        reconcile(ls.channel);
    }

    private void localClosed(OutboundStreams.LocalStream ls) {
        outbound.ended(ls);
        reconcile(ls.channel);
    }

    /** Transport threads: the hub's view of local publishers and audiences. */
    private final class Listener implements HubListener {
        @Override
        public void publisherOpened(Publisher p) {
            if (InboundStreams.isRelayed(p) || p.continuedAt() >= 0 && outbound.continuedBy(p)) {
                return;
            }
            OutboundStreams.LocalStream ls = outbound.opened(p);
            link.onBridgeThread(() -> localOpened(ls));
        }

        @Override
        public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
            outbound.forward(p, streamOffset, chunk);
        }

        @Override
        public void publisherClosed(Publisher p) {
            OutboundStreams.LocalStream ls = outbound.closed(p);
            if (ls != null) {
                link.onBridgeThread(() -> localClosed(ls));
            }
        }

        @Override
        public void firstViewerJoined(String channel) {
            link.onBridgeThread(() -> reconcile(channel));
        }

        @Override
        public void lastViewerLeft(String channel) {
            link.onBridgeThread(() -> reconcile(channel));
        }
    }

    // ---------------------------------------------------------------------------------------------------

    /**
     * Leaves the cluster: local streams are ended for the other nodes and their channels released; streams
     * relayed to this node end for its viewers. Does not close the hub.
     */
    @Override
    public void close() {
        if (link.closed()) {
            return;
        }
        hub.removeListener(hubListener);
        try {
            List<RedisFuture<?>> last = link.submit(() -> {
                List<RedisFuture<?>> l = outbound.leave();
                inbound.endAll("relay node shutting down");
                return l;
            }).get(config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
            for (RedisFuture<?> f : last) {
                f.get(config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.debug("relay cluster: leaving cleanly failed", e);
        }
        link.shutdown();
        LOG.info("relay node {} left the cluster", Long.toHexString(nodeId));
    }
}
