package io.wsvideo.relay;

import io.wsvideo.relay.ViewerCursor.State;
import io.wsvideo.relay.media.MediaFrame;
import io.wsvideo.relay.media.TrackInfo;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The container bytes as published: a viewer gets the {@code stream} message, the init segment, then the
 * media bytes from a keyframe on (the late-join cache's, or the next one), in order, without gaps. A viewer
 * whose queue overflows skips to the next keyframe with a {@code skip} message first. A pass-through stream
 * (unknown container) has no keyframes: viewers get the live bytes from where they are.
 *
 * <p>A viewer that asked ({@code ?keys=1}) also gets {@code {"type":"key","t":SECONDS}} for each key frame of
 * the video track, right after the bytes that complete it (queued next to them, so a transport that gathers
 * writes sends both at once): an MSE player that jumps to the live edge can land on a key frame instead of in
 * the middle of a long group of pictures (Firefox's ~7.5 s), where WebKit shows nothing until the next one. A
 * late joiner or a viewer resuming after a skip is told of the key frames already complete in the bytes it
 * starts with, after them. Audio-only and pass-through streams have none.
 */
final class ByteView extends View {

    /** A video key frame: where its payload starts in the stream, and its {@code key} message. */
    private record Key(long offset, Message message) {
    }

    // The current stream's key frames; guarded by the channel's lock, like the whole view.
    /** The video track whose key frames are told, or -1 (no video, pass-through, no stream). */
    private int keyTrack = -1;
    /** The key frames complete so far in the late-join cache's bytes (from its keyframe on), in stream order. */
    private final ArrayDeque<Key> cachedKeys = new ArrayDeque<>();
    /** The key frames the chunk being published completed: its live viewers are told after its bytes. */
    private final List<Key> chunkKeys = new ArrayList<>(2);

    ByteView(Channel channel) {
        super(channel);
    }

    @Override
    void join(ViewerCursor v, PublishedStream s, long now, Actions actions) {
        if (s == null || s.info == null) {
            offer(v, ControlMessages.waiting(channel.name, now), now, actions);
            return;
        }
        announce(v, s, now, actions);
        if (s.passthrough()) {
            v.state = State.LIVE;
            v.deliveredTo = s.offset;
        } else if (s.cache.keyframeAt() >= 0) {
            resume(v, s, s.cache.fromKeyframe(), now, actions);
        }
    }

    @Override
    void event(PublishedStream s, Chunk c, SegmentEvent e, long now, Actions actions) {
        if (e instanceof SegmentEvent.Frame f) {
            MediaFrame frame = f.frame();
            if (frame.keyFrame() && frame.trackNumber() == keyTrack) {
                Key k = new Key(frame.offset(), ControlMessages.key(frame.timestampMicros(), now));
                chunkKeys.add(k);
                if (s.cache.keyframeAt() >= 0 && k.offset >= s.cache.keyframeAt()) {
                    cachedKeys.addLast(k);
                }
            }
        } else if (e instanceof SegmentEvent.InitSegment) {
            keyTrack = videoTrack(s);
            cachedKeys.clear();
            for (int i = 0; i < size(); i++) {
                ViewerCursor v = get(i);
                announce(v, s, now, actions);
                if (s.passthrough()) {
                    v.state = State.LIVE;
                    v.deliveredTo = c.start;
                }
            }
        } else if (e instanceof SegmentEvent.RandomAccessPoint rap && s.cache.keyframeAt() == rap.segmentOffset()) {
            // Only a keyframe the cache took: the bytes of one it gave up are gone.
            while (!cachedKeys.isEmpty() && cachedKeys.peekFirst().offset < rap.segmentOffset()) {
                cachedKeys.removeFirst();
            }
            List<Message> fromKeyframe = null;
            for (int i = 0; i < size(); i++) {
                ViewerCursor v = get(i);
                if (v.state == State.WAITING_FOR_KEYFRAME) {
                    if (fromKeyframe == null) {
                        fromKeyframe = s.cache.fromKeyframe();
                    }
                    resume(v, s, fromKeyframe, now, actions);
                }
            }
        }
    }

    @Override
    void chunk(PublishedStream s, Chunk c, long now, Actions actions) {
        boolean keys = !chunkKeys.isEmpty();
        for (int i = 0; i < size(); i++) {
            ViewerCursor v = get(i);
            if (v.state != State.LIVE) {
                continue;
            }
            // A viewer resumed from the cache during this chunk's events has its bytes already.
            if (v.deliveredTo < c.end) {
                ViewerQueue q = v.queue;
                switch (q.offerMedia(c.from(v.deliveredTo), now)) {
                    case QUEUED -> v.deliveredTo = c.end;
                    case QUEUED_KICK -> {
                        v.deliveredTo = c.end;
                        actions.kick(q);
                    }
                    case SKIPPED -> {
                        channel.counters.skips++;
                        v.state = State.WAITING_FOR_KEYFRAME;
                        v.skipPending = true;
                        continue; // the key frame's bytes were dropped: no key message
                    }
                    case EVICT -> {
                        actions.evict(q, "too slow: the viewer could not keep up with the stream");
                        continue;
                    }
                }
            }
            if (keys && v.keys) {
                tellKeys(v, chunkKeys, now, actions);
            }
        }
        chunkKeys.clear();
    }

    @Override
    void ended(Message ended, long now, Actions actions) {
        super.ended(ended, now, actions);
        keyTrack = -1;
        cachedKeys.clear();
    }

    /** Gives a viewer the stream description and init segment; its media starts at the next keyframe. */
    private static void announce(ViewerCursor v, PublishedStream s, long now, Actions actions) {
        offer(v, s.streamMessage, now, actions);
        if (s.initMessage != null) {
            offer(v, s.initMessage, now, actions);
        }
        v.state = State.WAITING_FOR_KEYFRAME;
        v.skipPending = false;
        v.deliveredTo = 0;
    }

    /**
     * Queues the cached bytes from the last keyframe to now, and tells a viewer that asked of the key frames
     * they complete; from then on the viewer is live.
     */
    private void resume(ViewerCursor v, PublishedStream s, List<Message> fromKeyframe, long now, Actions actions) {
        if (v.skipPending) {
            offer(v, ControlMessages.skip(v.queue.takeDroppedSinceNotice(), now), now, actions);
            v.skipPending = false;
        }
        for (Message m : fromKeyframe) {
            offer(v, m, now, actions);
        }
        v.state = State.LIVE;
        v.deliveredTo = s.offset;
        if (v.keys) {
            v.keysFrom = s.cache.keyframeAt();
            tellKeys(v, cachedKeys, now, actions);
        }
    }

    /** Key frames at or after {@link ViewerCursor#keysFrom}, each told once. */
    private static void tellKeys(ViewerCursor v, Iterable<Key> keys, long now, Actions actions) {
        for (Key k : keys) {
            if (k.offset >= v.keysFrom) {
                offer(v, k.message, now, actions);
                v.keysFrom = k.offset + 1;
            }
        }
    }

    /** The first video track's number (the segmenters' primary track), or -1. */
    private static int videoTrack(PublishedStream s) {
        if (s.info == null || s.info.passthrough()) {
            return -1;
        }
        for (TrackInfo t : s.info.tracks()) {
            if (t.kind() == TrackInfo.Kind.VIDEO) {
                return t.number();
            }
        }
        return -1;
    }
}
