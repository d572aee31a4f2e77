package io.wsvideo.relay;

import io.wsvideo.relay.media.MalformedStreamException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named channel: at most one publisher and its {@link PublishedStream}, and the channel's views with
 * their viewers ({@link ByteView}, {@link FrameView}).
 *
 * <p>Every change of who is connected and every published chunk is handled under {@link #lock}, so a
 * viewer's queue receives the stream description, the init segment, the cached media and the live media in
 * stream order with nothing lost or repeated at the seams ({@link ViewerCursor#deliveredTo} is the seam).
 * Work under the lock is only bookkeeping and queueing; sends and closes run after it is released
 * ({@link Actions}).
 */
final class Channel {

    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);
    /** A kick array larger than this (a channel of more viewers) is not kept for the next chunk. */
    private static final int MAX_SPARE_KICKS = 1 << 16;
    /** Most publishers of one channel whose tokens are remembered at once (a churn of publishers stays bounded). */
    private static final int MAX_RESUMABLE = 8;

    final String name;
    private final RelayHub hub;
    final Object lock = new Object();
    final Counters counters = new Counters();
    /** The container bytes as published: what {@link RelayHub#openViewer} viewers watch by default. */
    final ByteView bytes = new ByteView(this);
    /** The frames each chunk completes, for {@link ViewFormat#FRAMES} viewers (WebCodecs players). */
    final FrameView frames = new FrameView(this);
    /** Every view, for what concerns all viewers: chunks, stream ends, sweeps, closes, stats. */
    private final View[] views = {bytes, frames};
    /** See {@link #borrowKicks()}. */
    private final AtomicReference<ViewerQueue[]> spareKicks = new AtomicReference<>();

    // Guarded by lock.
    /** The attached publisher, or null. */
    private Publisher publisher;
    /**
     * The channel's stream, or null: the attached publisher's, or, while {@link #publisher} is null, a stream
     * held for its publisher whose connection was lost ({@link Publisher#connectionLost()}) until it continues
     * it or its resume window ends.
     */
    private PublishedStream stream;
    /** Whose connection feeds (or fed, while held) {@link #stream}; a publisher continuing it takes it over. */
    private Publisher streamOf;
    /** Streams started on this channel: the next one's id. */
    private long streamsStarted;
    /**
     * Publishers whose resume token may still take the channel back ({@link #resumes}): the attached one, and
     * those gone less than {@code publisherResumeMillis} ago (pruned as publishers attach; at most
     * {@link #MAX_RESUMABLE}, oldest first out). A token is taken out when used: it works once.
     */
    private final ArrayDeque<Publisher> resumable = new ArrayDeque<>();

    Channel(String name, RelayHub hub) {
        this.name = name;
        this.hub = hub;
    }

    // ---------------------------------------------------------------------------------------------------
    // Publisher side

    /**
     * Attaches a publisher; the caller checked busy/takeover. It continues the channel's stream when that is
     * the stream of {@code continues} (the publisher whose resume token it showed, attached or held) with the
     * same MIME type ({@link Publisher#continuedAt} is then set); otherwise the stream there was ends and a new
     * one starts.
     *
     * @param continues the resumed publisher whose stream {@code p} continues, or null for a new stream
     * @return the publisher it replaced, if any
     */
    Publisher attachPublisher(Publisher p, Publisher continues, Actions actions) {
        synchronized (lock) {
            Publisher old = publisher;
            long now = hub.nanoTime();
            if (old != null) {
                old.leftAt(now);
            }
            if (continues != null && stream != null && streamOf == continues
                    && Objects.equals(stream.mimeHint, p.mimeHint)) {
                p.continuedAt = stream.offset;
                p.continues = continues;
                continues.continues = null;
                continues.streamKept = true;
                for (View v : views) {
                    v.continued(now, actions);
                }
            } else {
                endStreamLocked(old != null ? "publisher replaced" : "publisher left", actions);
                newStreamLocked(p);
            }
            publisher = p;
            streamOf = p;
            if (p.resumeToken != null) {
                long window = hub.config().publisherResumeMillis() * 1_000_000L;
                resumable.removeIf(r -> r.gone && now - r.goneAtNanos > window);
                if (resumable.size() >= MAX_RESUMABLE) {
                    resumable.removeFirst();
                }
                resumable.addLast(p);
            }
            counters.publishersOpened++;
            return old;
        }
    }

    private void newStreamLocked(Publisher p) {
        streamsStarted++;
        stream = new PublishedStream(name, streamsStarted, p.mimeHint, hub.config());
    }

    RelayConfig config() {
        return hub.config();
    }

    boolean hasPublisher() {
        synchronized (lock) {
            return publisher != null;
        }
    }

    /** @return the chunk's start offset in the stream, or -1 if it was not taken (not the publisher, malformed) */
    long publish(Publisher p, ByteBuffer data) {
        Actions actions = new Actions(this);
        MalformedStreamException malformed = null;
        long start;
        synchronized (lock) {
            PublishedStream s = stream;
            if (publisher != p || s == null) {
                return -1;
            }
            long now = hub.nanoTime();
            if (s.offset > 0 && s.offset == p.continuedAt && PublishedStream.startsContainer(data)) {
                // The first chunk of a publisher that said it continues the stream starts a new one (its
                // recorder restarted after all): a new stream, as for a new publisher.
                endStreamLocked("publisher restarted its stream", actions);
                newStreamLocked(p);
                s = stream;
                p.continuedAt = -1;
                p.continues = null;
            }
            start = s.offset;
            counters.bytesIn += data.remaining();
            counters.chunksIn++;
            try {
                Chunk c = s.take(data, now);
                for (SegmentEvent e : s.events()) {
                    s.apply(e, now);
                    for (View v : views) {
                        v.event(s, c, e, now, actions);
                    }
                }
                for (View v : views) {
                    v.chunk(s, c, now, actions);
                }
                s.cache.trim(now, s.offset, hub.config());
            } catch (MalformedStreamException e) {
                malformed = e;
                endStreamLocked(e.getMessage(), actions);
                publisher = null;
                p.leftAt(now);
                actions.close(p.peer, e.closeCode(), e.getMessage());
            }
        }
        if (malformed != null) {
            LOG.info("channel {}: publisher closed, malformed stream: {}", name, malformed.getMessage());
            hub.dropIfEmpty(this);
        }
        actions.run(hub);
        return malformed == null ? start : -1;
    }

    /** See {@link Publisher#snapshot()}: what a late-joining viewer would get, as bytes. */
    Publisher.Snapshot snapshot(Publisher p) {
        synchronized (lock) {
            return publisher != p || stream == null ? null : stream.snapshot();
        }
    }

    /**
     * The publisher leaves the channel, if it is still the channel's. Its stream ends ({@code ended} with
     * {@code reason}), unless {@code hold}, the publisher has a resume token and the stream has begun: then it
     * is held for a publisher that continues it until {@link RelayConfig#publisherResumeMillis()} passed
     * ({@link #sweep}).
     */
    void removePublisher(Publisher p, String reason, boolean hold) {
        Actions actions = new Actions(this);
        boolean held;
        synchronized (lock) {
            if (publisher != p) {
                return;
            }
            publisher = null;
            p.leftAt(hub.nanoTime());
            // A stream that has no bytes yet has nothing to continue: it ends as usual.
            held = hold && p.resumeToken != null && stream != null && stream.offset > 0;
            p.streamKept = held;
            if (!held) {
                endStreamLocked(reason, actions);
            }
        }
        if (held) {
            LOG.info("channel {}: publisher's connection lost; its stream is held {} ms for it to continue", name,
                    hub.config().publisherResumeMillis());
        } else {
            LOG.info("channel {}: publisher left ({})", name, reason);
        }
        actions.run(hub);
    }

    /**
     * Whether {@code presented} is the resume token of a publisher of this channel that is still attached (its
     * network may have dropped without the relay noticing) or left no more than
     * {@link RelayConfig#publisherResumeMillis()} ago. A token that matches is spent: the caller attaches the
     * new publisher, whose token replaces it.
     *
     * @return the publisher whose token it is, or null
     */
    Publisher resumes(String presented) {
        synchronized (lock) {
            long window = hub.config().publisherResumeMillis() * 1_000_000L;
            long now = hub.nanoTime();
            Publisher match = null;
            for (Publisher r : resumable) {
                if (r.resumeToken.matches(presented)) {
                    match = r;
                }
            }
            if (match == null || match.gone && now - match.goneAtNanos > window) {
                return null;
            }
            resumable.remove(match);
            return match;
        }
    }

    private void endStreamLocked(String reason, Actions actions) {
        if (stream == null) {
            return;
        }
        long now = hub.nanoTime();
        Message ended = ControlMessages.ended(reason, now);
        for (View v : views) {
            v.ended(ended, now, actions);
        }
        stream = null;
        streamOf = null;
    }

    // ---------------------------------------------------------------------------------------------------
    // Viewer side

    int viewerCount() {
        synchronized (lock) {
            return viewerCountLocked();
        }
    }

    private int viewerCountLocked() {
        int n = 0;
        for (View v : views) {
            n += v.size();
        }
        return n;
    }

    boolean isEmpty() {
        synchronized (lock) {
            return publisher == null && stream == null && viewerCountLocked() == 0;
        }
    }

    /** Adds a viewer to its view and queues what it needs to start. @return whether it is the first one */
    boolean addViewer(ViewerQueue q, Actions actions) {
        synchronized (lock) {
            boolean first = viewerCountLocked() == 0;
            ViewerCursor c = q.cursor;
            c.view.add(c);
            counters.viewersJoined++;
            c.view.join(c, stream, hub.nanoTime(), actions);
            return first;
        }
    }

    /**
     * The one way out for a viewer, whoever notices first (its connection ended, a send failed, it was too
     * slow, the hub shuts down): closes its queue, takes it out of its view, counts it once, closes its
     * connection when asked, drops the channel if it is now empty and tells the listeners. Later calls for
     * the same viewer do nothing. Call it holding no relay lock.
     *
     * @param closeConnection whether to close the viewer's connection (not when that connection already ended)
     */
    void closeViewer(ViewerQueue q, int code, String reason, boolean closeConnection) {
        boolean evicted = code == CloseCodes.POLICY_VIOLATION; // the only 1008 a viewer gets: too slow
        boolean last;
        boolean empty;
        synchronized (lock) {
            if (!q.markClosed(reason)) {
                return;
            }
            q.cursor.view.remove(q.cursor);
            counters.viewersLeft++;
            if (evicted) {
                counters.evictions++;
            }
            last = viewerCountLocked() == 0;
            empty = last && publisher == null;
        }
        if (evicted) {
            LOG.info("channel {}: viewer {} closed: {}", name, q.id, reason);
        } else {
            LOG.debug("channel {}: viewer {} left ({})", name, q.id, reason);
        }
        if (closeConnection) {
            hub.closePeer(q.sink, code, reason);
        }
        if (empty) {
            hub.dropIfEmpty(this);
        }
        if (last) {
            hub.fire(l -> l.lastViewerLeft(name));
        }
    }

    /**
     * Evicts viewers whose one send has been stuck too long, and ends a held stream whose publisher did not come
     * back within {@link RelayConfig#publisherResumeMillis()}; the hub's sweeper calls it, nothing else.
     *
     * @return whether a held stream ended (the channel may now be empty)
     */
    boolean sweep(long now, Actions actions) {
        synchronized (lock) {
            boolean expired = publisher == null && stream != null
                    && now - streamOf.goneAtNanos > hub.config().publisherResumeMillis() * 1_000_000L;
            if (expired) {
                LOG.info("channel {}: the publisher did not come back in time; its stream ends", name);
                endStreamLocked("publisher left", actions);
            }
            for (View view : views) {
                for (int i = 0; i < view.size(); i++) {
                    ViewerQueue q = view.get(i).queue;
                    if (q.stalled(now)) {
                        actions.evict(q, "too slow: no progress for " + hub.config().maxStallMillis() + " ms");
                    }
                }
            }
            return expired;
        }
    }

    void closeAll(int code, String reason, Actions actions) {
        synchronized (lock) {
            for (View view : views) {
                for (int i = 0; i < view.size(); i++) {
                    actions.closeViewer(view.get(i).queue, code, reason);
                }
            }
            if (publisher != null) {
                actions.close(publisher.peer, code, reason);
                publisher = null;
            }
            stream = null;
            streamOf = null;
        }
    }

    /** Counted under the lock, as every other change of the counters. */
    void publisherRefused() {
        synchronized (lock) {
            counters.publishersRefused++;
        }
    }

    /** See {@link RelayHub#channelCounters()}: walks the viewers, makes nothing per viewer. */
    ChannelCounters counters() {
        synchronized (lock) {
            long now = hub.nanoTime();
            long[] load = new long[3];
            for (View view : views) {
                for (int i = 0; i < view.size(); i++) {
                    view.get(i).queue.addLoad(load, now);
                }
            }
            return new ChannelCounters(name, publisher != null, viewerCountLocked(), load[0], load[1], load[2],
                    counters.read());
        }
    }

    ChannelStats stats(boolean withViewers) {
        synchronized (lock) {
            long now = hub.nanoTime();
            int viewerCount = viewerCountLocked();
            List<ViewerStats> vs = withViewers ? new ArrayList<>(viewerCount) : List.of();
            long out = 0;
            long queued = 0;
            ViewerPlays.Tally plays = new ViewerPlays.Tally();
            for (View view : views) {
                for (int i = 0; i < view.size(); i++) {
                    ViewerCursor c = view.get(i);
                    plays.add(c.queue.plays);
                    ViewerStats one = c.queue.stats(c.state.name(), now);
                    out += one.bytesOut();
                    queued += one.queuedBytes();
                    if (withViewers) {
                        vs.add(one);
                    }
                }
            }
            String mime = stream != null && stream.info != null ? stream.info.mseMimeType() : null;
            return new ChannelStats(name, publisher != null, mime, streamsStarted, counters.bytesIn,
                    counters.chunksIn, counters.skips, counters.evictions, viewerCount, out, queued,
                    List.copyOf(vs), plays.reporting(), plays.counts());
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // The kick array handed from one publish to the next

    /**
     * The kick array of this channel's last finished {@link Actions}, lent to the next one (null if another
     * holds it: that one allocates its own). A published chunk kicks up to every viewer of the channel: a
     * list grown one viewer at a time per chunk would allocate ~15 bytes per viewer per chunk, the only
     * per-viewer garbage of the fan-out besides the one {@code duplicate()} per send. The channel owns it,
     * not a thread: nothing of the relay stays reachable from a container's threads after undeploy.
     */
    ViewerQueue[] borrowKicks() {
        return spareKicks.getAndSet(null);
    }

    /** Gives a cleared kick array back for the next publish. */
    void returnKicks(ViewerQueue[] cleared) {
        if (cleared.length <= MAX_SPARE_KICKS) {
            spareKicks.set(cleared);
        }
    }
}
