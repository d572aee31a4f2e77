package io.wsvideo.relay;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.TrackInfo;
import io.wsvideo.relay.media.internal.Mp4AudioDurationFix;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One named channel: at most one publisher, any number of viewers, the current stream's init segment and
 * the late-join cache.
 *
 * <p>Every change of who is connected and every published chunk is handled under {@link #lock}, so a
 * viewer's queue receives the stream description, the init segment, the cached bytes and the live bytes
 * in stream order with nothing lost or repeated at the seams ({@link ViewerQueue#deliveredTo} is the
 * seam). Work under the lock is only bookkeeping and queueing; sends and closes run after it is released
 * ({@link Actions}).
 */
final class Channel {

    private static final Logger LOG = LoggerFactory.getLogger(Channel.class);

    final String name;
    private final RelayHub hub;
    final Object lock = new Object();

    // Guarded by lock.
    private Publisher publisher;
    private Stream stream;
    /**
     * The viewers in {@code viewers[0..viewerCount)}, each knowing its slot, so joining and leaving are
     * O(1) (a leaving viewer's slot takes the last one): mass disconnects of thousands of viewers stay
     * linear. Only ever read and changed under {@link #lock}, so no copy-on-write is needed.
     */
    private ViewerQueue[] viewers = new ViewerQueue[8];
    private int viewerCount;
    private long streamsStarted;
    private long bytesIn;
    private long chunksIn;
    private long skips;
    private long evictions;

    Channel(String name, RelayHub hub) {
        this.name = name;
        this.hub = hub;
    }

    /** One publisher session's byte stream and what the segmenter learned of it. Guarded by lock. */
    private final class Stream implements SegmentListener {
        final long id;
        final Segmenter segmenter;
        /** Sees every chunk before the segmenter does; see {@link Channel#publish}. */
        final Mp4AudioDurationFix mp4AudioFix = new Mp4AudioDurationFix();
        final String mimeHint;
        StreamInfo info;
        Message initMessage;
        Message streamMessage;
        /** Bytes fed so far: the next chunk's start offset. */
        long offset;
        /** Chunks still needed: the init segment (until known), then from {@link #keepFrom} on. */
        final ArrayDeque<Chunk> chunks = new ArrayDeque<>();
        long keepFrom;
        /** Start of the last keyframe segment the cache holds, or -1 when late joiners must wait. */
        long cacheFrom = -1;
        long cacheSinceNanos;
        long lastSegmentStart = -1;
        /** Events of the chunk being fed, handled once the whole chunk is known. */
        final List<long[]> events = new ArrayList<>();

        Stream(long id, String mimeHint) {
            this.id = id;
            this.mimeHint = mimeHint;
            RelayConfig c = hub.config();
            this.segmenter = Segmenter.create(mimeHint,
                    new SegmenterLimits(c.maxElementBytes(), c.maxInitSegmentBytes(), 16), this);
        }

        static final long INIT = 0;
        static final long SEGMENT = 1;
        static final long RAP = 2;

        @Override
        public void onInitSegment(long endOffset, StreamInfo streamInfo) {
            this.info = streamInfo;
            events.add(new long[] {INIT, endOffset});
        }

        @Override
        public void onSegmentStart(long offset, long timestampMillis) {
            events.add(new long[] {SEGMENT, offset});
        }

        @Override
        public void onRandomAccessPoint(long segmentOffset) {
            events.add(new long[] {RAP, segmentOffset});
        }

        long cachedBytes() {
            return cacheFrom < 0 ? 0 : offset - cacheFrom;
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Publisher side

    /** Attaches a publisher; the caller checked busy/takeover. @return the publisher it replaced, if any. */
    Publisher attachPublisher(Publisher p, Actions actions) {
        synchronized (lock) {
            Publisher old = publisher;
            if (old != null) {
                endStreamLocked("publisher replaced", actions);
            }
            publisher = p;
            streamsStarted++;
            stream = new Stream(streamsStarted, p.mimeHint);
            return old;
        }
    }

    boolean hasPublisher() {
        synchronized (lock) {
            return publisher != null;
        }
    }

    /** @return the chunk's start offset in the stream, or -1 if it was not taken (not the publisher, malformed) */
    long publish(Publisher p, ByteBuffer data) {
        Actions actions = new Actions();
        MalformedStreamException malformed = null;
        long start;
        synchronized (lock) {
            if (publisher != p || stream == null) {
                return -1;
            }
            Stream s = stream;
            long now = hub.nanoTime();
            start = s.offset;
            Chunk c = new Chunk(Message.binary(Message.Kind.MEDIA, data, now), s.offset);
            s.offset = c.end;
            bytesIn += c.message.size;
            chunksIn++;
            boolean passthrough = s.info != null && s.info.passthrough();
            if (!passthrough) {
                s.chunks.addLast(c);
            }
            s.events.clear();
            // Chromium's MP4 recorder cuts the last audio sample of every fragment short, and Chromium's
            // MediaSource then loses video until the next keyframe (docs/mp4.md). Repair it in place: the hub
            // owns these bytes and nobody has seen them yet. It sniffs for MP4 itself (a no-op for anything
            // else), never resizes a box and adds no latency.
            s.mp4AudioFix.apply(data);
            try {
                s.segmenter.feed(data);
            } catch (MalformedStreamException e) {
                malformed = e;
            }
            if (malformed == null) {
                for (long[] ev : s.events) {
                    if (ev[0] == Stream.INIT) {
                        onInit(s, ev[1], c, now, actions);
                    } else if (ev[0] == Stream.SEGMENT) {
                        s.lastSegmentStart = ev[1];
                        if (s.cacheFrom < 0) {
                            s.keepFrom = ev[1];
                        }
                    } else {
                        onRandomAccessPoint(s, ev[1], now, actions);
                    }
                }
                s.events.clear();
                fanOut(c, now, actions);
                trimCache(s, now);
            } else {
                endStreamLocked(malformed.getMessage(), actions);
                publisher = null;
                actions.close(p.peer, malformed.closeCode(), malformed.getMessage());
            }
        }
        if (malformed != null) {
            LOG.info("channel {}: publisher closed, malformed stream: {}", name, malformed.getMessage());
            hub.publisherGone(this);
        }
        actions.run(hub);
        return malformed == null ? start : -1;
    }

    /** See {@link Publisher#snapshot()}: what a late-joining viewer would get, as bytes. */
    Publisher.Snapshot snapshot(Publisher p) {
        synchronized (lock) {
            if (publisher != p || stream == null) {
                return null;
            }
            Stream s = stream;
            List<ByteBuffer> out = new ArrayList<>();
            if (s.info == null) {
                // The init segment is not complete yet: every chunk since the start is still held.
                for (Chunk c : s.chunks) {
                    out.add(c.message.bytes.duplicate());
                }
            } else if (!s.info.passthrough()) {
                if (s.cacheFrom < 0) {
                    return null;
                }
                if (s.initMessage != null) {
                    out.add(s.initMessage.bytes.duplicate());
                }
                for (Chunk c : s.chunks) {
                    if (c.end > s.cacheFrom) {
                        out.add(c.from(s.cacheFrom).bytes.duplicate());
                    }
                }
            }
            return new Publisher.Snapshot(List.copyOf(out), s.offset);
        }
    }

    private void onInit(Stream s, long initEnd, Chunk current, long now, Actions actions) {
        StreamInfo info = s.info;
        if (initEnd > 0) {
            ByteBuffer init = ByteBuffer.allocate((int) initEnd);
            for (Chunk c : s.chunks) {
                if (c.start >= initEnd) {
                    break;
                }
                init.put(c.until(initEnd).bytes.duplicate());
            }
            init.flip();
            s.initMessage = Message.binary(Message.Kind.INIT, init, now);
        }
        s.keepFrom = initEnd;
        s.streamMessage = Message.control(streamJson(s), now);
        trimChunks(s);
        if (info.passthrough()) {
            s.chunks.clear();
        }
        LOG.info("channel {}: stream {} is {}", name, s.id, info);
        for (int vi = 0; vi < viewerCount; vi++) {
            ViewerQueue v = viewers[vi];
            announce(v, s, now, actions);
            if (info.passthrough()) {
                v.mediaState = ViewerQueue.MediaState.LIVE;
                v.deliveredTo = current.start;
            }
        }
    }

    /** Gives a viewer the stream description and init segment; its media starts at the next keyframe. */
    private void announce(ViewerQueue v, Stream s, long now, Actions actions) {
        actions.kickIf(v.offer(s.streamMessage, now), v);
        if (s.initMessage != null) {
            actions.kickIf(v.offer(s.initMessage, now), v);
        }
        v.mediaState = ViewerQueue.MediaState.WAITING_FOR_KEYFRAME;
        v.skipPending = false;
        v.deliveredTo = 0;
    }

    private void onRandomAccessPoint(Stream s, long rap, long now, Actions actions) {
        Chunk first = s.chunks.peekFirst();
        if (first == null || first.start > rap) {
            // The cache gave up the bytes of this segment (it outgrew its limits): wait for the next one.
            return;
        }
        s.cacheFrom = rap;
        s.cacheSinceNanos = now;
        s.keepFrom = rap;
        trimChunks(s);
        for (int vi = 0; vi < viewerCount; vi++) {
            ViewerQueue v = viewers[vi];
            if (v.mediaState == ViewerQueue.MediaState.WAITING_FOR_KEYFRAME) {
                resumeFromCache(v, s, now, actions);
            }
        }
    }

    /** Queues the cached bytes from the last keyframe to now; from then on the viewer is live. */
    private void resumeFromCache(ViewerQueue v, Stream s, long now, Actions actions) {
        if (v.skipPending) {
            long dropped = v.takeDroppedSinceNotice();
            actions.kickIf(v.offer(Message.control("{\"type\":\"skip\",\"droppedBytes\":" + dropped + "}", now),
                    now), v);
            v.skipPending = false;
        }
        for (Chunk c : s.chunks) {
            if (c.end > s.cacheFrom) {
                actions.kickIf(v.offer(c.from(s.cacheFrom), now), v);
            }
        }
        v.mediaState = ViewerQueue.MediaState.LIVE;
        v.deliveredTo = s.offset;
    }

    private void fanOut(Chunk c, long now, Actions actions) {
        for (int vi = 0; vi < viewerCount; vi++) {
            ViewerQueue v = viewers[vi];
            if (v.mediaState != ViewerQueue.MediaState.LIVE || v.deliveredTo >= c.end) {
                continue;
            }
            Message m = c.from(v.deliveredTo);
            switch (v.offerMedia(m, now)) {
                case QUEUED -> v.deliveredTo = c.end;
                case QUEUED_KICK -> {
                    v.deliveredTo = c.end;
                    actions.kick(v);
                }
                case SKIPPED -> {
                    skips++;
                    v.mediaState = ViewerQueue.MediaState.WAITING_FOR_KEYFRAME;
                    v.skipPending = true;
                }
                case EVICT -> {
                    evictions++;
                    actions.evict(v, "too slow: the viewer could not keep up with the stream");
                }
            }
        }
    }

    /** Enforces the late-join cache limits: past them, late joiners wait for the next keyframe. */
    private void trimCache(Stream s, long now) {
        RelayConfig c = hub.config();
        if (s.cacheFrom >= 0 && (s.cachedBytes() > c.lateJoinCacheBytes()
                || now - s.cacheSinceNanos > c.lateJoinCacheMillis() * 1_000_000L)) {
            s.cacheFrom = -1;
            s.keepFrom = Math.max(s.keepFrom, s.lastSegmentStart);
        }
        if (s.cacheFrom < 0 && s.info != null && s.offset - s.keepFrom > c.lateJoinCacheBytes()) {
            // Even the segment in progress is too large to keep: give it up.
            s.keepFrom = s.offset;
        }
        trimChunks(s);
    }

    private static void trimChunks(Stream s) {
        Iterator<Chunk> it = s.chunks.iterator();
        while (it.hasNext()) {
            if (it.next().end <= s.keepFrom && s.info != null) {
                it.remove();
            } else {
                break;
            }
        }
    }

    void removePublisher(Publisher p, String reason) {
        Actions actions = new Actions();
        synchronized (lock) {
            if (publisher != p) {
                return;
            }
            endStreamLocked(reason, actions);
            publisher = null;
        }
        LOG.info("channel {}: publisher left ({})", name, reason);
        actions.run(hub);
    }

    private void endStreamLocked(String reason, Actions actions) {
        if (stream == null) {
            return;
        }
        long now = hub.nanoTime();
        Message ended = Message.control("{\"type\":\"ended\",\"reason\":" + Json.quote(reason) + "}", now);
        for (int vi = 0; vi < viewerCount; vi++) {
            ViewerQueue v = viewers[vi];
            actions.kickIf(v.offer(ended, now), v);
            v.mediaState = ViewerQueue.MediaState.WAITING_FOR_STREAM;
            v.skipPending = false;
        }
        stream = null;
    }

    // ---------------------------------------------------------------------------------------------------
    // Viewer side

    int viewerCount() {
        synchronized (lock) {
            return viewerCount;
        }
    }

    boolean isEmpty() {
        synchronized (lock) {
            return publisher == null && viewerCount == 0;
        }
    }

    void addViewer(ViewerQueue v, Actions actions) {
        synchronized (lock) {
            if (viewerCount == viewers.length) {
                viewers = Arrays.copyOf(viewers, viewers.length * 2);
            }
            v.slot = viewerCount;
            viewers[viewerCount++] = v;
            long now = hub.nanoTime();
            Stream s = stream;
            if (s == null || s.info == null) {
                actions.kickIf(v.offer(Message.control("{\"type\":\"waiting\",\"channel\":" + Json.quote(name)
                        + "}", now), now), v);
                return;
            }
            announce(v, s, now, actions);
            if (s.info.passthrough()) {
                v.mediaState = ViewerQueue.MediaState.LIVE;
                v.deliveredTo = s.offset;
            } else if (s.cacheFrom >= 0) {
                resumeFromCache(v, s, now, actions);
            }
        }
    }

    /** @return false if it was not here */
    boolean removeViewer(ViewerQueue v) {
        synchronized (lock) {
            int i = v.slot;
            if (i < 0 || i >= viewerCount || viewers[i] != v) {
                return false;
            }
            ViewerQueue last = viewers[--viewerCount];
            viewers[i] = last;
            last.slot = i;
            viewers[viewerCount] = null;
            v.slot = -1;
            if (viewers.length > 64 && viewerCount < viewers.length / 4) {
                viewers = Arrays.copyOf(viewers, viewers.length / 2);
            }
            return true;
        }
    }

    /** Closes viewers whose one send has been stuck too long; called by the hub's sweeper. */
    void sweep(long now, Actions actions) {
        synchronized (lock) {
            for (int vi = 0; vi < viewerCount; vi++) {
                ViewerQueue v = viewers[vi];
                if (v.stalled(now)) {
                    evictions++;
                    actions.evict(v, "too slow: no progress for " + hub.config().maxStallMillis() + " ms");
                }
            }
        }
    }

    void closeAll(int code, String reason, Actions actions) {
        synchronized (lock) {
            for (int vi = 0; vi < viewerCount; vi++) {
                ViewerQueue v = viewers[vi];
                actions.closeViewer(v, code, reason);
            }
            if (publisher != null) {
                actions.close(publisher.peer, code, reason);
                publisher = null;
            }
            stream = null;
        }
    }

    ChannelStats stats(boolean withViewers) {
        synchronized (lock) {
            long now = hub.nanoTime();
            List<ViewerStats> vs = withViewers ? new ArrayList<>(viewerCount) : List.of();
            long out = 0;
            long queued = 0;
            for (int vi = 0; vi < viewerCount; vi++) {
                ViewerQueue v = viewers[vi];
                ViewerStats one = v.stats(v.mediaState, now);
                out += one.bytesOut();
                queued += one.queuedBytes();
                if (withViewers) {
                    vs.add(one);
                }
            }
            String mime = stream != null && stream.info != null ? stream.info.mseMimeType() : null;
            return new ChannelStats(name, publisher != null, mime, streamsStarted, bytesIn, chunksIn, skips,
                    evictions, viewerCount, out, queued, List.copyOf(vs));
        }
    }

    private String streamJson(Stream s) {
        StreamInfo info = s.info;
        StringBuilder b = new StringBuilder("{\"type\":\"stream\",\"channel\":").append(Json.quote(name))
                .append(",\"streamId\":").append(s.id)
                .append(",\"mime\":").append(Json.quote(info.passthrough() ? s.mimeHint : info.mseMimeType()))
                .append(",\"container\":").append(Json.quote(info.container().name().toLowerCase()))
                .append(",\"passthrough\":").append(info.passthrough())
                .append(",\"playable\":").append(info.passthrough() || info.msePlayable());
        if (!info.passthrough() && !info.msePlayable()) {
            b.append(",\"reason\":").append(Json.quote(info.notPlayableReason()));
        }
        b.append(",\"tracks\":[");
        List<TrackInfo> tracks = info.tracks();
        for (int i = 0; i < tracks.size(); i++) {
            TrackInfo t = tracks.get(i);
            b.append(i == 0 ? "" : ",").append("{\"number\":").append(t.number())
                    .append(",\"kind\":").append(Json.quote(t.kind().name().toLowerCase()))
                    .append(",\"codec\":").append(Json.quote(t.mseCodec() != null ? t.mseCodec() : t.codecId()));
            if (t.width() > 0) {
                b.append(",\"width\":").append(t.width()).append(",\"height\":").append(t.height());
            }
            b.append('}');
        }
        return b.append("]}").toString();
    }
}
