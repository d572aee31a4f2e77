package io.wsvideo.relay.redis;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's receiving side: every frame from Redis comes in here. Media of a remote stream is fed to a
 * publisher of this node's own hub (which runs its own segmenter and late-join cache for the viewers here),
 * from the stream's start that this node asks for; a gap, a silent publisher or a replaced stream ends it
 * (viewers get {@code ended}) and it starts again at a keyframe. Requests and claims from other nodes go to
 * the {@link OutboundStreams}.
 *
 * <p>Threads: Lettuce's thread only hands frames over ({@link #listener()}); everything else runs on the
 * bridge thread.
 */
final class InboundStreams {

    private static final Logger LOG = LoggerFactory.getLogger(InboundStreams.class);

    /** A channel this node watches for a remote stream. Bridge thread only. */
    private static final class Remote {
        final String channel;
        Publisher injected;
        RemotePeer peer;
        long node;
        long stream;
        /** Offset in the remote stream of the next byte the injected publisher needs. */
        long expected;
        long lastHeardNanos;
        long lastRequestNanos;

        Remote(String channel) {
            this.channel = channel;
        }

        boolean following(Frame f) {
            return injected != null && f.sameStream(node, stream);
        }
    }

    private final RelayHub hub;
    private final RedisBridgeConfig config;
    private final long nodeId;
    private final BridgeCounters counters;
    private final AtomicLong pendingInBytes = new AtomicLong();
    private final Listener listener = new Listener();
    private final ClusterLink link;
    private final OutboundStreams outbound;

    /** Bridge thread only. */
    private final Map<String, Remote> remotes = new HashMap<>();

    InboundStreams(RelayHub hub, RedisBridgeConfig config, ClusterLink link, OutboundStreams outbound, long nodeId,
                   BridgeCounters counters) {
        this.hub = hub;
        this.config = config;
        this.link = link;
        this.outbound = outbound;
        this.nodeId = nodeId;
        this.counters = counters;
    }

    /** The pub/sub listener to register on the link's connection. */
    RedisPubSubAdapter<byte[], byte[]> listener() {
        return listener;
    }

    long pendingInBytes() {
        return pendingInBytes.get();
    }

    /** Whether {@code p} replays a remote stream (the hub's listener must not forward it again). */
    static boolean isRelayed(Publisher p) {
        return p.peer() instanceof RemotePeer;
    }

    // ---- bridge thread ----------------------------------------------------------------------------------

    Set<String> channels() {
        return remotes.keySet();
    }

    /**
     * Watches {@code channel}'s media (subscribed, asking for the stream's start once subscribed) while
     * {@code wanted}; otherwise stops, ending a relayed stream.
     */
    void watch(String channel, boolean wanted) {
        Remote r = remotes.get(channel);
        if (wanted) {
            if (r == null) {
                r = new Remote(channel);
                remotes.put(channel, r);
            }
            Remote remote = r;
            link.subscribe(link.mediaChannel(channel), () -> {
                if (remote.injected == null) {
                    request(remote, true);
                }
            });
        } else {
            if (r != null) {
                remotes.remove(channel);
                endInjected(r, "publisher left");
            }
            link.unsubscribe(link.mediaChannel(channel));
        }
    }

    /** Ends the stream relayed on {@code channel}, if any (a local publisher took the channel over). */
    void end(String channel, String reason) {
        Remote r = remotes.get(channel);
        if (r != null) {
            endInjected(r, reason);
        }
    }

    /** Ends every relayed stream (Redis lost, or the node leaves). */
    void endAll(String reason) {
        for (Remote r : remotes.values()) {
            endInjected(r, reason);
        }
    }

    /** Every heartbeat: ends relayed streams whose publisher has been silent past the remote timeout. */
    void expire(long now) {
        for (Remote r : new ArrayList<>(remotes.values())) {
            if (r.injected != null && now - r.lastHeardNanos > config.remoteTimeoutMillis() * 1_000_000L) {
                LOG.info("relay cluster: channel {}: no word of its publisher for {} ms", r.channel,
                        config.remoteTimeoutMillis());
                endInjected(r, "publisher lost");
            }
        }
    }

    private void onMedia(String channel, Frame f) {
        Remote r = remotes.get(channel);
        if (r == null || outbound.publishes(channel)) {
            return;
        }
        long now = System.nanoTime();
        switch (f.type()) {
            case Frame.START -> {
                if (r.following(f)) {
                    r.lastHeardNanos = now;
                    return;
                }
                if (r.injected != null) {
                    endInjected(r, "publisher replaced");
                }
                inject(r, f, now);
            }
            case Frame.DATA -> {
                if (!r.following(f)) {
                    request(r, false);
                    return;
                }
                ByteBuffer b = f.payload();
                long end = f.offset() + b.remaining();
                if (end <= r.expected) {
                    return;
                }
                if (f.offset() > r.expected) {
                    gap(r, f.offset());
                    return;
                }
                if (f.offset() < r.expected) {
                    b.position((int) (r.expected - f.offset()));
                    b = b.slice();
                }
                r.expected = end;
                r.lastHeardNanos = now;
                counters.dataIn.incrementAndGet();
                r.injected.onData(b);
            }
            case Frame.END -> {
                if (r.following(f)) {
                    endInjected(r, f.text());
                }
            }
            case Frame.HEARTBEAT, Frame.CONTINUED -> {
                if (!r.following(f)) {
                    request(r, false);
                    return;
                }
                r.lastHeardNanos = now;
                if (f.offset() > r.expected) {
                    gap(r, f.offset());
                } else if (f.type() == Frame.CONTINUED) {
                    continueInjected(r);
                }
            }
            default -> {
            }
        }
    }

    private void inject(Remote r, Frame start, long now) {
        RemotePeer peer = new RemotePeer(r);
        Publisher p;
        try {
            p = hub.openPublisher(r.channel, start.text(), peer);
        } catch (RelayRefusal e) {
            LOG.info("relay cluster: channel {}: cannot relay the remote stream here: {}", r.channel, e.getMessage());
            return;
        }
        r.injected = p;
        r.peer = peer;
        r.node = start.node();
        r.stream = start.stream();
        r.expected = start.offset();
        r.lastHeardNanos = now;
        counters.startsIn.incrementAndGet();
        LOG.info("relay cluster: channel {}: relaying stream {}:{} from offset {}", r.channel,
                Long.toHexString(start.node()), start.stream(), start.offset());
        if (start.payload().hasRemaining()) {
            p.onData(start.payload());
        }
    }

    /**
     * The remote publisher's connection dropped and a new one continues its stream: so does a publisher here,
     * resuming the injected one with its token, and this node's viewers are told {@code continued} as the
     * publishing node's are. Without a token (resume off here) the bytes just go on.
     */
    private void continueInjected(Remote r) {
        Publisher before = r.injected;
        if (before.resumeToken() == null) {
            return;
        }
        RemotePeer peer = new RemotePeer(r);
        Publisher p;
        try {
            p = hub.openPublisher(r.channel, before.mimeHint(), peer, before.resumeToken(), true);
        } catch (RelayRefusal e) {
            LOG.info("relay cluster: channel {}: cannot continue the remote stream here: {}", r.channel,
                    e.getMessage());
            startAgain(r);
            return;
        }
        r.injected = p;
        r.peer = peer;
        before.close(RelayHub.RESUMED);
        if (p.continuedAt() < 0) {
            // The hub started a new stream instead (not expected: it holds the one it continues): start again
            // at a keyframe rather than feed it the middle of a stream.
            startAgain(r);
        }
    }

    private void gap(Remote r, long at) {
        counters.gaps.incrementAndGet();
        LOG.info("relay cluster: channel {}: lost bytes {}..{} of the remote stream; starting again at a keyframe",
                r.channel, r.expected, at);
        startAgain(r);
    }

    /** Ends the relayed stream (viewers get {@code ended}) and asks for the stream's start: a keyframe. */
    private void startAgain(Remote r) {
        endInjected(r, "lost part of the stream");
        request(r, true);
    }

    private void endInjected(Remote r, String reason) {
        Publisher p = r.injected;
        if (p == null) {
            return;
        }
        r.injected = null;
        r.peer = null;
        p.close(reason);
    }

    /** Asks the channel's publishing node for its stream's start; at most once a heartbeat unless forced. */
    private void request(Remote r, boolean force) {
        long now = System.nanoTime();
        if (!link.up() || (!force && now - r.lastRequestNanos < config.heartbeatMillis() * 1_000_000L)) {
            return;
        }
        r.lastRequestNanos = now;
        counters.requestsOut.incrementAndGet();
        link.publish(link.syncChannel(r.channel), Frame.request(nodeId));
    }

    /** The {@link Peer} of a publisher that replays a remote stream; the hub closes it like any other. */
    private final class RemotePeer implements Peer {
        private final Remote remote;

        RemotePeer(Remote remote) {
            this.remote = remote;
        }

        @Override
        public void close(int code, String reason) {
            link.onBridgeThread(() -> {
                if (remote.peer == this) {
                    LOG.info("relay cluster: channel {}: relayed stream closed by the hub ({} {})", remote.channel,
                            code, reason);
                    Publisher p = remote.injected;
                    remote.injected = null;
                    remote.peer = null;
                    p.close(reason);
                }
            });
        }
    }

    /** Lettuce's thread: hands each frame to the bridge thread, dropping media past the pending limit. */
    private final class Listener extends RedisPubSubAdapter<byte[], byte[]> {
        @Override
        public void message(byte[] channel, byte[] message) {
            String name = new String(channel, StandardCharsets.UTF_8);
            int open = name.indexOf('{');
            int close = name.lastIndexOf("}:");
            Frame f = Frame.parse(message);
            if (f == null || open < 0 || close < open || f.node() == nodeId) {
                return;
            }
            String ch = name.substring(open + 1, close);
            boolean media = name.endsWith(":media");
            counters.framesIn.incrementAndGet();
            counters.bytesIn.addAndGet(message.length);
            if (f.type() == Frame.DATA && pendingInBytes.get() > config.maxPendingBytes()) {
                counters.dropped.incrementAndGet();
                return;
            }
            pendingInBytes.addAndGet(message.length);
            link.onBridgeThread(() -> {
                pendingInBytes.addAndGet(-message.length);
                if (media) {
                    onMedia(ch, f);
                } else if (f.type() == Frame.REQUEST) {
                    outbound.onRequest(ch);
                } else if (f.type() == Frame.CLAIM) {
                    outbound.onClaim(ch, f);
                }
            });
        }
    }
}
