package io.wsvideo.relay.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's connection part: the Lettuce client and its two connections (commands and pub/sub), the
 * bridge thread that owns every piece of the bridge's state, whether Redis is up, the subscriptions, the
 * names of the Redis keys and channels, and publishing with its count of bytes not yet acknowledged.
 *
 * <p>When both connections are open it tells {@link Events#up} (the bridge restores its claims and
 * subscriptions), when one drops {@link Events#down}; both on the bridge thread.
 */
final class ClusterLink {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterLink.class);

    /** What the bridge does when Redis comes and goes; called on the bridge thread. */
    interface Events {
        void up();

        void down();
    }

    private final RedisBridgeConfig config;
    private final BridgeCounters counters;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService thread;
    private final AtomicLong pendingOutBytes = new AtomicLong();
    // Set by start(), before the bridge thread first runs.
    private RedisPubSubListener<byte[], byte[]> listener;
    private Events events;

    // Written by the bridge thread, read by publisher threads.
    private volatile StatefulRedisConnection<byte[], byte[]> commands;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> pubsub;
    /** Both connections open and this node's claims and subscriptions being restored. */
    private volatile boolean up;
    private volatile boolean closed;

    // Bridge thread only.
    private final Set<String> subscribed = new HashSet<>();
    private final Set<String> subscribing = new HashSet<>();
    private boolean warnedDown;

    ClusterLink(RedisBridgeConfig config, BridgeCounters counters) {
        this.config = config;
        this.counters = counters;
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
                onBridgeThread(ClusterLink.this::checkUp);
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                onBridgeThread(ClusterLink.this::checkDown);
            }
        });
    }

    /**
     * Connects (retrying until Redis answers) with {@code listener} on the pub/sub connection, and runs
     * {@code tick} on the bridge thread every heartbeat.
     */
    void start(RedisPubSubListener<byte[], byte[]> listener, Events events, Runnable tick) {
        this.listener = listener;
        this.events = events;
        thread.execute(this::connect);
        thread.scheduleWithFixedDelay(() -> {
            try {
                tick.run();
            } catch (RuntimeException e) {
                LOG.warn("relay cluster: heartbeat failed", e);
            }
        }, config.heartbeatMillis(), config.heartbeatMillis(), TimeUnit.MILLISECONDS);
    }

    boolean up() {
        return up;
    }

    boolean closed() {
        return closed;
    }

    long pendingOutBytes() {
        return pendingOutBytes.get();
    }

    // ---- names ----------------------------------------------------------------------------------------

    String mediaChannel(String channel) {
        return config.keyPrefix() + "{" + channel + "}:media";
    }

    String syncChannel(String channel) {
        return config.keyPrefix() + "{" + channel + "}:sync";
    }

    String ownerKey(String channel) {
        return config.keyPrefix() + "{" + channel + "}:owner";
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- the bridge thread ----------------------------------------------------------------------------

    /** Runs {@code r} on the bridge thread (not at all once closing); a failure is logged. */
    void onBridgeThread(Runnable r) {
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

    /** Runs {@code task} on the bridge thread; for {@link RedisBridge#close()}. */
    <T> Future<T> submit(Callable<T> task) {
        return thread.submit(task);
    }

    // ---- connection -----------------------------------------------------------------------------------

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
                ps.addListener(listener);
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

    /**
     * Bridge thread, every heartbeat: notices a connection that came back or dropped without Lettuce's
     * listener saying so.
     *
     * @return whether Redis is up and both connections are open
     */
    boolean healthy() {
        if (closed) {
            return false;
        }
        if (!up) {
            checkUp(); // restores everything itself; the heartbeat's work waits for the next one
            return false;
        }
        if (!connectionsOpen()) {
            checkDown();
            return false;
        }
        return true;
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
        events.up();
    }

    /** Bridge thread: a connection dropped. */
    private void checkDown() {
        if (!up || closed || connectionsOpen()) {
            return;
        }
        up = false;
        counters.losses.incrementAndGet();
        LOG.warn("relay cluster: lost Redis at {}; remote streams end on this node until it is back",
                config.redactedUri());
        events.down();
        subscribed.clear();
        subscribing.clear();
    }

    // ---- subscriptions and commands ---------------------------------------------------------------------

    /** Bridge thread: subscribes to {@code name} unless it is or is being; then runs {@code then}. */
    void subscribe(String name, Runnable then) {
        if (subscribed.contains(name) || !subscribing.add(name)) {
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

    void unsubscribe(String name) {
        if (subscribed.remove(name)) {
            pubsub.async().unsubscribe(utf8(name));
        }
    }

    /** The commands connection's async API; only while {@link #up()}. */
    RedisAsyncCommands<byte[], byte[]> commands() {
        return commands.async();
    }

    /** Any thread: publishes one frame, counting it and its bytes until Redis acknowledges it. */
    void publish(String channel, byte[] frame) {
        StatefulRedisConnection<byte[], byte[]> c = commands;
        if (c == null) {
            return;
        }
        pendingOutBytes.addAndGet(frame.length);
        counters.bytesOut.addAndGet(frame.length);
        counters.framesOut.incrementAndGet();
        c.async().publish(utf8(channel), frame).whenComplete((n, err) -> pendingOutBytes.addAndGet(-frame.length));
    }

    /** Stops the bridge thread and the client; after the bridge's last words were sent. */
    void shutdown() {
        closed = true;
        up = false;
        thread.shutdownNow();
        try {
            client.shutdown(Duration.ZERO, Duration.ofMillis(config.commandTimeoutMillis()));
        } catch (RuntimeException e) {
            LOG.debug("closing the Redis client failed", e);
        }
        resources.shutdown(0, config.commandTimeoutMillis(), TimeUnit.MILLISECONDS);
    }
}
