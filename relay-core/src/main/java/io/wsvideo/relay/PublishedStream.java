package io.wsvideo.relay;

import io.wsvideo.relay.media.MalformedStreamException;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.SegmentListener;
import io.wsvideo.relay.media.Segmenter;
import io.wsvideo.relay.media.SegmenterLimits;
import io.wsvideo.relay.media.StreamInfo;
import io.wsvideo.relay.media.internal.Mp4AudioDurationFix;
import io.wsvideo.relay.media.internal.WebmAlphaModeFix;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One publisher session's byte stream: the segmenter's view of it, its init segment and {@code stream}
 * message, and its late-join cache. Knows nothing of viewers; {@link Channel} hands each chunk and its
 * {@link SegmentEvent}s to the channel's views. Guarded by the channel's lock.
 */
final class PublishedStream implements SegmentListener {

    final long id;
    final String mimeHint;
    private final String channel;
    private final Segmenter segmenter;
    /** Sees every chunk before the segmenter does; see {@link #take}. */
    private final Mp4AudioDurationFix mp4AudioFix = new Mp4AudioDurationFix();
    private final WebmAlphaModeFix webmAlphaFix = new WebmAlphaModeFix();
    final LateJoinCache cache = new LateJoinCache();
    /** Events of the chunk being fed; handled once the whole chunk is known. */
    private final List<SegmentEvent> events = new ArrayList<>();
    /** What the segmenter learned from the init segment; null until it is complete. */
    StreamInfo info;
    Message initMessage;
    Message streamMessage;
    /** Bytes taken so far: the next chunk's start offset. */
    long offset;

    PublishedStream(String channel, long id, String mimeHint, RelayConfig config) {
        this.channel = channel;
        this.id = id;
        this.mimeHint = mimeHint;
        this.segmenter = Segmenter.create(mimeHint,
                new SegmenterLimits(config.maxElementBytes(), config.maxInitSegmentBytes(), 16), this);
    }

    boolean passthrough() {
        return info != null && info.passthrough();
    }

    /**
     * Appends one published chunk: repairs it, keeps it for late joiners and segments it. The chunk is at
     * {@link #offset} before the call. Afterwards {@link #events()} are what it revealed, each to be
     * {@link #apply applied} in order.
     */
    Chunk take(ByteBuffer data, long nowNanos) throws MalformedStreamException {
        Chunk c = new Chunk(Message.binary(Message.Kind.MEDIA, data, nowNanos), offset);
        offset = c.end;
        cache.add(c);
        events.clear();
        // Chromium's MP4 recorder cuts the last audio sample of every fragment short, and Chromium's
        // MediaSource then loses video until the next keyframe (docs/mp4.md). Repair it in place: the hub
        // owns these bytes and nobody has seen them yet. It sniffs for MP4 itself (a no-op for anything
        // else), never resizes a box and adds no latency.
        mp4AudioFix.apply(data);
        // Chromium's WebM says AlphaMode=1 for a camera; GStreamer 1.22 (WebKitGTK) then cannot play VP8/VP9.
        webmAlphaFix.apply(data);
        segmenter.feed(data);
        return c;
    }

    /**
     * Whether {@code data} starts a container anew: an EBML header (WebM/Matroska) or an MP4 {@code ftyp} box.
     * Media bytes that continue a stream start so only by chance (one in 2^32).
     */
    static boolean startsContainer(ByteBuffer data) {
        int at = data.position();
        return data.remaining() >= 4 && data.getInt(at) == 0x1A45DFA3
                || data.remaining() >= 8 && data.getInt(at + 4) == 0x66747970; // "ftyp"
    }

    /** What the last {@link #take} revealed, in stream order; valid until the next one. */
    List<SegmentEvent> events() {
        return events;
    }

    /**
     * Updates the stream's own state (init segment, {@code stream} message, cache) for one event, before
     * the views see it: one event at a time, so a view sees the cache as it was at that event (a viewer
     * waiting for a keyframe starts at the first one, even when a chunk holds several).
     */
    void apply(SegmentEvent e, long nowNanos) {
        if (e instanceof SegmentEvent.InitSegment init) {
            initKnown(init.end(), nowNanos);
        } else if (e instanceof SegmentEvent.SegmentStart s) {
            cache.segmentStarted(s.offset());
        } else if (e instanceof SegmentEvent.RandomAccessPoint rap) {
            cache.keyframe(rap.segmentOffset(), nowNanos);
        }
    }

    private void initKnown(long initEnd, long nowNanos) {
        if (initEnd > 0) {
            initMessage = Message.binary(Message.Kind.INIT, cache.copyUntil(initEnd), nowNanos);
        }
        cache.initKnown(initEnd, info.passthrough());
        streamMessage = ControlMessages.stream(channel, id, mimeHint, info, nowNanos);
    }

    /** See {@link Publisher#snapshot()}. */
    Publisher.Snapshot snapshot() {
        List<Message> parts;
        if (info == null) {
            // The init segment is not complete yet: every chunk since the start is still held.
            parts = cache.all();
        } else if (info.passthrough()) {
            parts = List.of();
        } else {
            if (cache.keyframeAt() < 0) {
                return null;
            }
            parts = new ArrayList<>();
            if (initMessage != null) {
                parts.add(initMessage);
            }
            parts.addAll(cache.fromKeyframe());
        }
        List<ByteBuffer> out = new ArrayList<>(parts.size());
        for (Message m : parts) {
            out.add(m.bytes.duplicate());
        }
        return new Publisher.Snapshot(List.copyOf(out), offset);
    }

    // SegmentListener: called from inside segmenter.feed, so only recorded here.

    @Override
    public void onInitSegment(long endOffset, StreamInfo streamInfo) {
        this.info = streamInfo;
        events.add(new SegmentEvent.InitSegment(endOffset));
    }

    @Override
    public void onSegmentStart(long offset, long timestampMillis) {
        events.add(new SegmentEvent.SegmentStart(offset));
    }

    @Override
    public void onRandomAccessPoint(long segmentOffset) {
        events.add(new SegmentEvent.RandomAccessPoint(segmentOffset));
    }

    @Override
    public void onFrame(MediaFrame frame) {
        events.add(new SegmentEvent.Frame(frame));
    }

    /** See {@link Segmenter#framesFrom()}: the bytes a frame still to come may start at. */
    long framesFrom() {
        return segmenter.framesFrom();
    }
}
