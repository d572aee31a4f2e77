package io.wsvideo.relay.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.wsvideo.relay.ChannelStats;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.HubListener;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
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
 */
public final class RedisBridge implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBridge.class);

    /** Sets the owner key when it is free, already ours, or (takeover) in any case. 1: owned, 0: not. */
    private static final String CLAIM_SCRIPT = """
            local cur = redis.call('GET', KEYS[1])
            if cur == ARGV[1] or not cur or ARGV[3] == '1' then
              redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
              return 1
            end
            return 0""";
    private static final String RELEASE_SCRIPT = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              return redis.call('DEL', KEYS[1])
            end
            return 0""";

    private final RelayHub hub;
    private final RedisBridgeConfig config;
    private final long nodeId;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService thread;
    private final Listener hubListener = new Listener();
    private final AtomicLong streamSeq = new AtomicLong();
    private final AtomicLong pendingOutBytes = new AtomicLong();
    private final AtomicLong pendingInBytes = new AtomicLong();
    private final Counters counters = new Counters();

    // Written by the bridge thread, read by publisher threads.
    private volatile StatefulRedisConnection<byte[], byte[]> commands;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    /** Both connections open and this node's claims and subscriptions being restored. */
    private volatile boolean up;
    private volatile boolean closed;

    /** Local publishers by identity; any thread. */
    private final Map<Publisher, LocalStream> locals = new ConcurrentHashMap<>();
    // Bridge thread only.
    private final Map<String, LocalStream> localByChannel = new HashMap<>();
    private final Map<String, Remote> remotes = new HashMap<>();
    private final Set<String> subscribed = new HashSet<>();
    private final Set<String> subscribing = new HashSet<>();
    private boolean warnedDown;

    private RedisBridge(RelayHub hub, RedisBridgeConfig config) {
        this.hub = hub;
        this.config = config;
        this.nodeId = new SecureRandom().nextLong();
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wsvideo-redis-bridge");
            t.setDaemon(true);
            return t;
        });
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.constant(Duration.ofMillis(config.reconnectDelayMillis())))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(config.redisUri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // While Redis is away, fail at once instead of queueing video in memory.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(Duration.ofMillis(config.commandTimeoutMillis())))
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                onBridgeThread(RedisBridge.this::checkUp);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                onBridgeThread(RedisBridge.this::onDown);
            }
        });
    }

    /**
     * Connects {@code hub} to the cluster. Returns at once: when Redis cannot be reached yet, the bridge
     * keeps trying every {@link RedisBridgeConfig#reconnectDelayMillis()} and the hub works on its own
     * meanwhile. Register the bridge before the hub has publishers or viewers.
     */
    public static RedisBridge start(RelayHub hub, RedisBridgeConfig config) {
        RedisBridge b = new RedisBridge(hub, config);
        hub.addListener(b.hubListener);
        b.thread.execute(b::connect);
        b.thread.scheduleWithFixedDelay(b::tick, config.heartbeatMillis(), config.heartbeatMillis(),
                TimeUnit.MILLISECONDS);
        LOG.info("relay node {} joins the cluster at {}", Long.toHexString(b.nodeId), config.redactedUri());
        return b;
    }

    /** This node's random id, as it appears in frames and owner keys. */
    public long nodeId() {
        return nodeId;
    }

    /** Whether Redis is reachable and this node takes part in the cluster. */
    public boolean isConnected() {
        return up;
    }

    public RedisBridgeStats stats() {
        return counters.snapshot(up, pendingOutBytes.get(), pendingInBytes.get());
    }

    // ---------------------------------------------------------------------------------------------------
    // Names

    private String mediaChannel(String channel) {
        return config.keyPrefix() + "{" + channel + "}:media";
    }

    private String syncChannel(String channel) {
        return config.keyPrefix() + "{" + channel + "}:sync";
    }

    private String ownerKey(String channel) {
        return config.keyPrefix() + "{" + channel + "}:owner";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---------------------------------------------------------------------------------------------------
    // Connection

    private void onBridgeThread(Runnable r) {
        if (closed) {
            return;
        }
        try {
            thread.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    LOG.warn("relay cluster: unexpected failure", e);
                }
            });
        } catch (RejectedExecutionException e) {
            // Closing.
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        try {
            if (commands == null) {
                commands = client.connect(ByteArrayCodec.INSTANCE);
            }
            if (pubsub == null) {
                StatefulRedisPubSubConnection<byte[], byte[]> ps = client.connectPubSub(ByteArrayCodec.INSTANCE);
                ps.addListener(new PubSubListener());
                pubsub = ps;
            }
            checkUp();
        } catch (RuntimeException e) {
            if (!warnedDown) {
                warnedDown = true;
                LOG.warn("relay cluster: cannot reach Redis at {} ({}); this node runs alone until it can",
                        config.redactedUri(), e.getMessage());
            }
            try {
                thread.schedule(this::connect, config.reconnectDelayMillis(), TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException closing) {
                // Closing.
            }
        }
    }

    private boolean connectionsOpen() {
        StatefulRedisConnection<byte[], byte[]> c = commands;
        StatefulRedisPubSubConnection<byte[], byte[]> p = pubsub;
        return c != null && p != null && c.isOpen() && p.isOpen();
    }

    /** Bridge thread: both connections are open again (or for the first time): restore everything. */
    private void checkUp() {
        if (up || closed || !connectionsOpen()) {
            return;
        }
        up = true;
        warnedDown = false;
        counters.connects.incrementAndGet();
        LOG.info("relay cluster: connected to Redis at {}", config.redactedUri());
        subscribed.clear();
        subscribing.clear();
        for (LocalStream ls : new ArrayList<>(localByChannel.values())) {
            claim(ls, false);
        }
        Set<String> names = new HashSet<>(remotes.keySet());
        for (ChannelStats c : hub.stats().channels()) {
            names.add(c.name());
        }
        for (String name : names) {
            reconcile(name);
        }
    }

    /** Bridge thread: a connection dropped. Remote streams end here; local ones stay local. */
    private void onDown() {
        if (!up || closed) {
            return;
        }
        if (connectionsOpen()) {
            return;
        }
        up = false;
        counters.losses.incrementAndGet();
        LOG.warn("relay cluster: lost Redis at {}; remote streams end on this node until it is back",
                config.redactedUri());
        for (Remote r : remotes.values()) {
            endInjected(r, "lost the relay cluster");
        }
        for (LocalStream ls : localByChannel.values()) {
            if (ls.state == LocalState.FORWARDING || ls.state == LocalState.CLAIMING) {
                ls.state = LocalState.DISCONNECTED;
            }
        }
        subscribed.clear();
        subscribing.clear();
    }

    /** Bridge thread, every heartbeat: heartbeats, ownership, timeouts, and anything that failed before. */
    private void tick() {
        try {
            if (closed) {
                return;
            }
            if (!up) {
                if (connectionsOpen()) {
                    checkUp();
                }
                return;
            }
            if (!connectionsOpen()) {
                onDown();
                return;
            }
            long now = System.nanoTime();
            for (LocalStream ls : new ArrayList<>(localByChannel.values())) {
                switch (ls.state) {
                    case FORWARDING -> {
                        publish(mediaChannel(ls.channel), Frame.heartbeat(nodeId, ls.seq, ls.seenTo));
                        claim(ls, false);
                        trySendStart(ls);
                    }
                    case DISCONNECTED -> claim(ls, false);
                    default -> {
                    }
                }
            }
            for (Remote r : new ArrayList<>(remotes.values())) {
                if (r.injected != null && now - r.lastHeardNanos > config.remoteTimeoutMillis() * 1_000_000L) {
                    LOG.info("relay cluster: channel {}: no word of its publisher for {} ms", r.channel,
                            config.remoteTimeoutMillis());
                    endInjected(r, "publisher lost");
                }
            }
            Set<String> names = new HashSet<>(remotes.keySet());
            names.addAll(localByChannel.keySet());
            for (String name : names) {
                reconcile(name);
            }
        } catch (RuntimeException e) {
            LOG.warn("relay cluster: heartbeat failed", e);
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Subscriptions

    /**
     * Bridge thread: subscribes to what this node needs for {@code channel}, and no more: the media while it
     * has local viewers and no local publisher, the sync channel while it has a local publisher.
     */
    private void reconcile(String channel) {
        if (!up) {
            return;
        }
        boolean local = localByChannel.containsKey(channel);
        boolean wantMedia = !local && hub.viewerCount(channel) > 0;
        Remote r = remotes.get(channel);
        if (wantMedia) {
            if (r == null) {
                r = new Remote(channel);
                remotes.put(channel, r);
            }
            Remote remote = r;
            subscribe(mediaChannel(channel), () -> {
                if (remote.injected == null) {
                    request(remote, true);
                }
            });
        } else {
            if (r != null) {
                remotes.remove(channel);
                endInjected(r, "publisher left");
            }
            unsubscribe(mediaChannel(channel));
        }
        if (local) {
            subscribe(syncChannel(channel), () -> {
            });
        } else {
            unsubscribe(syncChannel(channel));
        }
    }

    private void subscribe(String name, Runnable then) {
        if (subscribed.contains(name)) {
            return;
        }
        if (!subscribing.add(name)) {
            return;
        }
        pubsub.async().subscribe(utf8(name)).whenComplete((ok, err) -> onBridgeThread(() -> {
            subscribing.remove(name);
            if (err != null) {
                LOG.debug("relay cluster: subscribing to {} failed; will retry", name, err);
                return;
            }
            if (up) {
                subscribed.add(name);
                then.run();
            }
        }));
    }

    private void unsubscribe(String name) {
        if (subscribed.remove(name)) {
            pubsub.async().unsubscribe(utf8(name));
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Publishing side

    private enum LocalState {
        /** Waiting for the owner key's answer. */
        CLAIMING,
        /** Owns the channel: chunks go to Redis. */
        FORWARDING,
        /** Redis is away: local viewers only; claims again when it is back. */
        DISCONNECTED,
        /** Closed, or refused by the cluster. */
        ENDED
    }

    /** A local publisher's forwarding state. */
    private static final class LocalStream {
        final Publisher publisher;
        final String channel;
        final long seq;
        final String ownerValue;
        /** Written by the bridge thread, read by the publisher's thread. */
        volatile LocalState state = LocalState.CLAIMING;
        /** A START must be sent (a node asked, or the stream was just claimed). Guarded by this. */
        volatile boolean startPending;
        /** End offset of the last chunk the hub took: the heartbeat's next offset. Publisher's thread. */
        volatile long seenTo;

        LocalStream(Publisher publisher, long nodeId, long seq) {
            this.publisher = publisher;
            this.channel = publisher.channel();
            this.seq = seq;
            this.ownerValue = Long.toHexString(nodeId) + ":" + seq;
        }
    }

    /** Transport threads: the hub's view of local publishers and audiences. */
    private final class Listener implements HubListener {
        @Override
        public void publisherOpened(Publisher p) {
            if (p.peer() instanceof RemotePeer) {
                return;
            }
            LocalStream ls = new LocalStream(p, nodeId, streamSeq.incrementAndGet());
            locals.put(p, ls);
            onBridgeThread(() -> localOpened(ls));
        }

        @Override
        public void publisherData(Publisher p, long streamOffset, ByteBuffer chunk) {
            LocalStream ls = locals.get(p);
            if (ls != null) {
                forward(ls, streamOffset, chunk);
            }
        }

        @Override
        public void publisherClosed(Publisher p) {
            LocalStream ls = locals.remove(p);
            if (ls != null) {
                onBridgeThread(() -> localClosed(ls));
            }
        }

        @Override
        public void firstViewerJoined(String channel) {
            onBridgeThread(() -> reconcile(channel));
        }

        @Override
        public void lastViewerLeft(String channel) {
            onBridgeThread(() -> reconcile(channel));
        }
    }

    /** Publisher's thread: one chunk the hub took. */
    private void forward(LocalStream ls, long offset, ByteBuffer chunk) {
        long end = offset + chunk.remaining();
        if (ls.state == LocalState.FORWARDING && up) {
            if (ls.startPending) {
                trySendStart(ls);
            }
            if (pendingOutBytes.get() > config.maxPendingBytes()) {
                // Redis does not keep up: the nodes behind see the gap and start again at a keyframe.
                counters.dropped.incrementAndGet();
            } else {
                publish(mediaChannel(ls.channel), Frame.data(nodeId, ls.seq, offset, chunk));
                counters.dataOut.incrementAndGet();
            }
        }
        ls.seenTo = end;
    }

    /** Any thread: sends the stream's start if one is due and the hub has a keyframe to start from. */
    private void trySendStart(LocalStream ls) {
        synchronized (ls) {
            if (!ls.startPending || ls.state != LocalState.FORWARDING || !up) {
                return;
            }
            Publisher.Snapshot s = ls.publisher.snapshot();
            if (s == null) {
                return;
            }
            publish(mediaChannel(ls.channel), Frame.start(nodeId, ls.seq, s.endOffset(), ls.publisher.mimeHint(),
                    s.bytes()));
            counters.startsOut.incrementAndGet();
            ls.startPending = false;
        }
    }

    private void localOpened(LocalStream ls) {
        if (ls.state == LocalState.ENDED) {
            return;
        }
        localByChannel.put(ls.channel, ls);
        Remote r = remotes.get(ls.channel);
        if (r != null && r.injected != null) {
            // The hub let the local publisher take over the stream this node received.
            endInjected(r, "publisher replaced");
        }
        claim(ls, hub.config().publisherTakeover());
        reconcile(ls.channel);
    }

    private void claim(LocalStream ls, boolean force) {
        if (!up) {
            ls.state = LocalState.DISCONNECTED;
            return;
        }
        if (ls.state == LocalState.DISCONNECTED) {
            ls.state = LocalState.CLAIMING;
        }
        RedisFuture<Long> f = commands.async().eval(CLAIM_SCRIPT, ScriptOutputType.INTEGER,
                new byte[][] {utf8(ownerKey(ls.channel))}, utf8(ls.ownerValue),
                utf8(Long.toString(config.ownerTtlMillis())), utf8(force ? "1" : "0"));
        f.whenComplete((owned, err) -> onBridgeThread(() -> claimed(ls, owned, err)));
    }

    private void claimed(LocalStream ls, Long owned, Throwable err) {
        if (ls.state == LocalState.ENDED) {
            if (err == null && owned != null && owned == 1) {
                release(ls);
            }
            return;
        }
        if (err != null) {
            LOG.debug("relay cluster: claiming {} failed; will retry", ls.channel, err);
            if (ls.state == LocalState.CLAIMING) {
                ls.state = LocalState.DISCONNECTED;
            }
            return;
        }
        if (owned != null && owned == 1) {
            if (ls.state != LocalState.FORWARDING) {
                ls.state = LocalState.FORWARDING;
                ls.startPending = true;
                publish(syncChannel(ls.channel), Frame.claim(nodeId, ls.seq));
                LOG.info("relay cluster: channel {}: this node publishes it to the cluster", ls.channel);
                trySendStart(ls);
            }
            return;
        }
        boolean wasForwarding = ls.state == LocalState.FORWARDING;
        ls.state = LocalState.ENDED;
        if (wasForwarding) {
            closeLocal(ls, "taken over by a new publisher");
        } else {
            counters.refused.incrementAndGet();
            closeLocal(ls, "channel busy: " + ls.channel);
        }
    }

    /** Closes a local publisher the cluster does not let publish; its viewers here get {@code ended}. */
    private void closeLocal(LocalStream ls, String reason) {
        LOG.info("relay cluster: channel {}: local publisher closed: {}", ls.channel, reason);
        Publisher p = ls.publisher;
        try {
            p.peer().close(CloseCodes.POLICY_VIOLATION, reason);
        } catch (RuntimeException e) {
            LOG.debug("closing a publisher failed", e);
        }
        p.close(reason);
    }

    private void localClosed(LocalStream ls) {
        boolean forwarding = ls.state == LocalState.FORWARDING;
        ls.state = LocalState.ENDED;
        if (localByChannel.get(ls.channel) == ls) {
            localByChannel.remove(ls.channel);
        }
        if (forwarding && up) {
            publish(mediaChannel(ls.channel), Frame.end(nodeId, ls.seq, "publisher left"));
            release(ls);
        }
        reconcile(ls.channel);
    }

    private void release(LocalStream ls) {
        if (up) {
            commands.async().eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER,
                    new byte[][] {utf8(ownerKey(ls.channel))}, utf8(ls.ownerValue));
        }
    }

    /** Another node says it owns a channel this node publishes: check with Redis, and give way if so. */
    private void onClaim(String channel, Frame f) {
        LocalStream ls = localByChannel.get(channel);
        // While our own claim is on its way, its answer decides (busy or ours), not this notice.
        if (ls == null || f.sameStream(nodeId, ls.seq) || ls.state != LocalState.FORWARDING) {
            return;
        }
        commands.async().get(utf8(ownerKey(channel))).whenComplete((v, err) -> onBridgeThread(() -> {
            if (err == null && v != null && !ls.ownerValue.equals(new String(v, StandardCharsets.UTF_8))
                    && ls.state == LocalState.FORWARDING) {
                ls.state = LocalState.ENDED;
                closeLocal(ls, "taken over by a new publisher");
            }
        }));
    }

    private void onRequest(String channel) {
        LocalStream ls = localByChannel.get(channel);
        if (ls != null && ls.state == LocalState.FORWARDING) {
            counters.requestsIn.incrementAndGet();
            ls.startPending = true;
            trySendStart(ls);
        }
    }

    private void publish(String channel, byte[] frame) {
        StatefulRedisConnection<byte[], byte[]> c = commands;
        if (c == null) {
            return;
        }
        pendingOutBytes.addAndGet(frame.length);
        counters.bytesOut.addAndGet(frame.length);
        counters.framesOut.incrementAndGet();
        c.async().publish(utf8(channel), frame).whenComplete((n, err) -> pendingOutBytes.addAndGet(-frame.length));
    }

    // ---------------------------------------------------------------------------------------------------
    // Receiving side

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

    /** The {@link Peer} of a publisher that replays a remote stream; the hub closes it like any other. */
    private final class RemotePeer implements Peer {
        private final Remote remote;

        RemotePeer(Remote remote) {
            this.remote = remote;
        }

        @Override
        public void close(int code, String reason) {
            onBridgeThread(() -> {
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
    private final class PubSubListener extends RedisPubSubAdapter<byte[], byte[]> {
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
            onBridgeThread(() -> {
                pendingInBytes.addAndGet(-message.length);
                if (media) {
                    onMedia(ch, f);
                } else if (f.type() == Frame.REQUEST) {
                    onRequest(ch);
                } else if (f.type() == Frame.CLAIM) {
                    onClaim(ch, f);
                }
            });
        }
    }

    private void onMedia(String channel, Frame f) {
        Remote r = remotes.get(channel);
        if (r == null || localByChannel.containsKey(channel)) {
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
            case Frame.HEARTBEAT -> {
                if (!r.following(f)) {
                    request(r, false);
                    return;
                }
                r.lastHeardNanos = now;
                if (f.offset() > r.expected) {
                    gap(r, f.offset());
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

    private void gap(Remote r, long at) {
        counters.gaps.incrementAndGet();
        LOG.info("relay cluster: channel {}: lost bytes {}..{} of the remote stream; starting again at a keyframe",
                r.channel, r.expected, at);
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
        if (!up || (!force && now - r.lastRequestNanos < config.heartbeatMillis() * 1_000_000L)) {
            return;
        }
        r.lastRequestNanos = now;
        counters.requestsOut.incrementAndGet();
        publish(syncChannel(r.channel), Frame.request(nodeId));
    }

    // ---------------------------------------------------------------------------------------------------

    /**
     * Leaves the cluster: local streams are ended for the other nodes and their channels released; streams
     * relayed to this node end for its viewers. Does not close the hub.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        hub.removeListener(hubListener);
        List<RedisFuture<?>> last = new ArrayList<>();
        try {
            thread.submit(() -> {
                for (LocalStream ls : localByChannel.values()) {
                    if (ls.state == LocalState.FORWARDING && up) {
                        last.add(commands.async().publish(utf8(mediaChannel(ls.channel)),
                                Frame.end(nodeId, ls.seq, "publisher's relay node shut down")));
                        last.add(commands.async().eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER,
                                new byte[][] {utf8(ownerKey(ls.channel))}, utf8(ls.ownerValue)));
                    }
                    ls.state = LocalState.ENDED;
                }
                for (Remote r : remotes.values()) {
                    endInjected(r, "relay node shutting down");
                }
            }).get(config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
            for (RedisFuture<?> f : last) {
                f.get(config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.debug("relay cluster: leaving cleanly failed", e);
        }
        closed = true;
        up = false;
        thread.shutdownNow();
        try {
            client.shutdown(Duration.ZERO, Duration.ofMillis(config.commandTimeoutMillis()));
        } catch (RuntimeException e) {
            LOG.debug("closing the Redis client failed", e);
        }
        resources.shutdown(0, config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
        LOG.info("relay node {} left the cluster", Long.toHexString(nodeId));
    }

    /** Counters for {@link #stats()}. */
    private static final class Counters {
        final AtomicLong framesOut = new AtomicLong();
        final AtomicLong bytesOut = new AtomicLong();
        final AtomicLong framesIn = new AtomicLong();
        final AtomicLong bytesIn = new AtomicLong();
        final AtomicLong dataOut = new AtomicLong();
        final AtomicLong dataIn = new AtomicLong();
        final AtomicLong startsOut = new AtomicLong();
        final AtomicLong startsIn = new AtomicLong();
        final AtomicLong requestsOut = new AtomicLong();
        final AtomicLong requestsIn = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();
        final AtomicLong refused = new AtomicLong();
        final AtomicLong connects = new AtomicLong();
        final AtomicLong losses = new AtomicLong();

        RedisBridgeStats snapshot(boolean up, long pendingOut, long pendingIn) {
            return new RedisBridgeStats(up, framesOut.get(), bytesOut.get(), framesIn.get(), bytesIn.get(),
                    dataOut.get(), dataIn.get(), startsOut.get(), startsIn.get(), requestsOut.get(),
                    requestsIn.get(), gaps.get(), dropped.get(), refused.get(), connects.get(), losses.get(),
                    pendingOut, pendingIn);
        }
    }
}
