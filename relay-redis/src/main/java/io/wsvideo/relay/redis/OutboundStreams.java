package io.wsvideo.relay.redis;

import static io.wsvideo.relay.redis.ClusterLink.utf8;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's publishing side: this node's local publishers, the claim on each one's channel (the owner key,
 * set with NX and a TTL refreshed every heartbeat), and their streams forwarded chunk by chunk to the
 * channel's media channel, with the stream's start (init segment and bytes since the last keyframe) whenever
 * another node asks for it.
 *
 * <p>Threads: {@link #forward} runs on the local publisher's own thread; everything else on the bridge thread.
 */
final class OutboundStreams {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundStreams.class);
    /** How much longer than the hub's resume window a kept stream waits for the publisher continuing it. */
    private static final long KEPT_SLACK_MILLIS = 1000;

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
    static final class LocalStream {
        /** Whose stream it is: the publisher that continued it after a drop, if one did ({@link #continuedBy}). */
        volatile Publisher publisher;
        final String channel;
        final long seq;
        final String ownerValue;
        /** Written by the bridge thread, read by the publisher's thread. */
        volatile LocalState state = LocalState.CLAIMING;
        /** A START must be sent (a node asked, or the stream was just claimed). Guarded by this. */
        volatile boolean startPending;
        /** End offset of the last chunk the hub took: the heartbeat's next offset. Publisher's thread. */
        volatile long seenTo;
        /** While kept for a publisher that continues it: when the hub's resume window (and a second) ends. */
        volatile long keptUntilNanos;

        LocalStream(Publisher publisher, long nodeId, long seq) {
            this.publisher = publisher;
            this.channel = publisher.channel();
            this.seq = seq;
            this.ownerValue = Long.toHexString(nodeId) + ":" + seq;
        }
    }

    private final RelayHub hub;
    private final RedisBridgeConfig config;
    private final ClusterLink link;
    private final long nodeId;
    private final BridgeCounters counters;
    private final AtomicLong streamSeq = new AtomicLong();

    /** Local publishers by identity; any thread. */
    private final Map<Publisher, LocalStream> locals = new ConcurrentHashMap<>();
    /** Bridge thread only. */
    private final Map<String, LocalStream> localByChannel = new HashMap<>();
    /**
     * Streams whose publisher left while the hub keeps its stream for one that continues it
     * ({@link Publisher#streamKept()}), by that publisher; any thread. They stay the channel's local stream
     * (heartbeats, claim) until the continuing publisher comes or the window ends ({@link #heartbeat}).
     */
    private final Map<Publisher, LocalStream> kept = new ConcurrentHashMap<>();

    OutboundStreams(RelayHub hub, RedisBridgeConfig config, ClusterLink link, long nodeId, BridgeCounters counters) {
        this.hub = hub;
        this.config = config;
        this.link = link;
        this.nodeId = nodeId;
        this.counters = counters;
    }

    // ---- transport threads (the hub's listener) ---------------------------------------------------------

    /** A local publisher opened: its stream, to be {@link #activate}d on the bridge thread. */
    LocalStream opened(Publisher p) {
        LocalStream ls = new LocalStream(p, nodeId, streamSeq.incrementAndGet());
        locals.put(p, ls);
        return ls;
    }

    /**
     * A local publisher closed: its stream, to be {@link #ended} on the bridge thread, or null if unknown or kept
     * for a publisher that continues it (the other nodes' viewers then see one stream go on).
     */
    LocalStream closed(Publisher p) {
        LocalStream ls = locals.remove(p);
        if (ls == null || !p.streamKept()) {
            return ls;
        }
        long window = hub.config().publisherResumeMillis() + KEPT_SLACK_MILLIS;
        ls.keptUntilNanos = System.nanoTime() + window * 1_000_000L;
        kept.put(p, ls);
        return null;
    }

    /**
     * A local publisher that continues its channel's stream after a drop ({@link Publisher#continuedAt()}): the
     * stream forwarded for the publisher it continues goes on with it, with the same identity and offsets.
     *
     * @return false if there is none (it was ended already): forward it as a new stream
     */
    boolean continuedBy(Publisher p) {
        Publisher before = p.continues();
        LocalStream ls = before == null ? null : kept.remove(before);
        if (ls == null && before != null) {
            // The publisher it continues may not be closed yet: the hub closes it as this one opens.
            ls = locals.remove(before);
        }
        if (ls == null || ls.state == LocalState.ENDED) {
            return false;
        }
        ls.publisher = p;
        locals.put(p, ls);
        LOG.info("relay cluster: channel {}: the publisher continued its stream; the cluster's goes on", ls.channel);
        if (ls.state == LocalState.FORWARDING && link.up()) {
            // Before the continuing publisher's first chunk (this runs as it opens): the other nodes tell their
            // viewers `continued` as this node does, so their players do not take the backlog for jitter.
            link.publish(link.mediaChannel(ls.channel), Frame.continued(nodeId, ls.seq, p.continuedAt()));
        }
        return true;
    }

    /** Publisher's thread: one chunk the hub took. */
    void forward(Publisher p, long offset, ByteBuffer chunk) {
        LocalStream ls = locals.get(p);
        if (ls == null) {
            return;
        }
        long end = offset + chunk.remaining();
        if (ls.state == LocalState.FORWARDING && link.up()) {
            if (ls.startPending) {
                trySendStart(ls);
            }
            if (link.pendingOutBytes() > config.maxPendingBytes()) {
                // Redis does not keep up: the nodes behind see the gap and start again at a keyframe.
                counters.dropped.incrementAndGet();
            } else {
                link.publish(link.mediaChannel(ls.channel), Frame.data(nodeId, ls.seq, offset, chunk));
                counters.dataOut.incrementAndGet();
            }
        }
        ls.seenTo = end;
    }

    /** Any thread: sends the stream's start if one is due and the hub has a keyframe to start from. */
    private void trySendStart(LocalStream ls) {
        synchronized (ls) {
            if (!ls.startPending || ls.state != LocalState.FORWARDING || !link.up()) {
                return;
            }
            Publisher.Snapshot s = ls.publisher.snapshot();
            if (s == null) {
                return;
            }
            link.publish(link.mediaChannel(ls.channel), Frame.start(nodeId, ls.seq, s.endOffset(),
                    ls.publisher.mimeHint(), s.bytes()));
            counters.startsOut.incrementAndGet();
            ls.startPending = false;
        }
    }

    // ---- bridge thread ----------------------------------------------------------------------------------

    /** Whether a local publisher is on {@code channel}. */
    boolean publishes(String channel) {
        return localByChannel.containsKey(channel);
    }

    Set<String> channels() {
        return localByChannel.keySet();
    }

    /**
     * The stream of a publisher that {@link #opened}: becomes the channel's local stream.
     *
     * @return false if it closed meanwhile
     */
    boolean activate(LocalStream ls) {
        if (ls.state == LocalState.ENDED) {
            return false;
        }
        localByChannel.put(ls.channel, ls);
        return true;
    }

    /** The stream of a publisher that {@link #closed}: the other nodes are told, and the channel released. */
    void ended(LocalStream ls) {
        boolean forwarding = ls.state == LocalState.FORWARDING;
        ls.state = LocalState.ENDED;
        if (localByChannel.get(ls.channel) == ls) {
            localByChannel.remove(ls.channel);
        }
        if (forwarding && link.up()) {
            link.publish(link.mediaChannel(ls.channel), Frame.end(nodeId, ls.seq, "publisher left"));
            release(ls);
        }
    }

    /** Redis is back: claim every local channel again. */
    void reclaimAll() {
        for (LocalStream ls : new ArrayList<>(localByChannel.values())) {
            claim(ls, false);
        }
    }

    /** Redis is gone: local publishers serve local viewers only. */
    void disconnected() {
        for (LocalStream ls : localByChannel.values()) {
            if (ls.state == LocalState.FORWARDING || ls.state == LocalState.CLAIMING) {
                ls.state = LocalState.DISCONNECTED;
            }
        }
    }

    /**
     * Every heartbeat: tell the watching nodes how far each stream is, and keep the claims alive; end kept streams
     * nobody continued in time.
     */
    void heartbeat() {
        long now = System.nanoTime();
        for (Map.Entry<Publisher, LocalStream> e : new ArrayList<>(kept.entrySet())) {
            LocalStream ls = e.getValue();
            if (now - ls.keptUntilNanos > 0 && kept.remove(e.getKey(), ls)) {
                ended(ls);
            }
        }
        for (LocalStream ls : new ArrayList<>(localByChannel.values())) {
            switch (ls.state) {
                case FORWARDING -> {
                    link.publish(link.mediaChannel(ls.channel), Frame.heartbeat(nodeId, ls.seq, ls.seenTo));
                    claim(ls, false);
                    trySendStart(ls);
                }
                case DISCONNECTED -> claim(ls, false);
                default -> {
                }
            }
        }
    }

    void claim(LocalStream ls, boolean force) {
        if (!link.up()) {
            ls.state = LocalState.DISCONNECTED;
            return;
        }
        if (ls.state == LocalState.DISCONNECTED) {
            ls.state = LocalState.CLAIMING;
        }
        RedisFuture<Long> f = link.commands().eval(CLAIM_SCRIPT, ScriptOutputType.INTEGER,
                new byte[][] {utf8(link.ownerKey(ls.channel))}, utf8(ls.ownerValue),
                utf8(Long.toString(config.ownerTtlMillis())), utf8(force ? "1" : "0"));
        f.whenComplete((owned, err) -> link.onBridgeThread(() -> claimed(ls, owned, err)));
    }

    private void claimed(LocalStream ls, Long owned, Throwable err) {
        if (ls.state == LocalState.ENDED) {
            if (err == null && owned != null && owned == 1 && link.up()) {
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
                link.publish(link.syncChannel(ls.channel), Frame.claim(nodeId, ls.seq));
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

    private RedisFuture<Long> release(LocalStream ls) {
        return link.commands().eval(RELEASE_SCRIPT, ScriptOutputType.INTEGER,
                new byte[][] {utf8(link.ownerKey(ls.channel))}, utf8(ls.ownerValue));
    }

    /** Another node says it owns a channel this node publishes: check with Redis, and give way if so. */
    void onClaim(String channel, Frame f) {
        LocalStream ls = localByChannel.get(channel);
        // While our own claim is on its way, its answer decides (busy or ours), not this notice.
        if (ls == null || f.sameStream(nodeId, ls.seq) || ls.state != LocalState.FORWARDING) {
            return;
        }
        link.commands().get(utf8(link.ownerKey(channel))).whenComplete((v, err) -> link.onBridgeThread(() -> {
            if (err == null && v != null && !ls.ownerValue.equals(new String(v, StandardCharsets.UTF_8))
                    && ls.state == LocalState.FORWARDING) {
                ls.state = LocalState.ENDED;
                closeLocal(ls, "taken over by a new publisher");
            }
        }));
    }

    /** Another node asks for a stream's start. */
    void onRequest(String channel) {
        LocalStream ls = localByChannel.get(channel);
        if (ls != null && ls.state == LocalState.FORWARDING) {
            counters.requestsIn.incrementAndGet();
            ls.startPending = true;
            trySendStart(ls);
        }
    }

    /**
     * The node leaves: every forwarded stream is ended for the other nodes and its channel released.
     *
     * @return the commands to wait for
     */
    List<RedisFuture<?>> leave() {
        List<RedisFuture<?>> last = new ArrayList<>();
        for (LocalStream ls : localByChannel.values()) {
            if (ls.state == LocalState.FORWARDING && link.up()) {
                last.add(link.commands().publish(utf8(link.mediaChannel(ls.channel)),
                        Frame.end(nodeId, ls.seq, "publisher's relay node shut down")));
                last.add(release(ls));
            }
            ls.state = LocalState.ENDED;
        }
        return last;
    }
}
