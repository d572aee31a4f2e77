package io.wsvideo.relay;

import io.wsvideo.relay.ViewerCursor.State;
import java.util.List;

/**
 * The container bytes as published: a viewer gets the {@code stream} message, the init segment, then the
 * media bytes from a keyframe on (the late-join cache's, or the next one), in order, without gaps. A viewer
 * whose queue overflows skips to the next keyframe with a {@code skip} message first. A pass-through stream
 * (unknown container) has no keyframes: viewers get the live bytes from where they are.
 */
final class ByteView extends View {

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
        if (e instanceof SegmentEvent.InitSegment) {
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
        for (int i = 0; i < size(); i++) {
            ViewerCursor v = get(i);
            if (v.state != State.LIVE || v.deliveredTo >= c.end) {
                continue;
            }
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
                }
                case EVICT -> actions.evict(q, "too slow: the viewer could not keep up with the stream");
            }
        }
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

    /** Queues the cached bytes from the last keyframe to now; from then on the viewer is live. */
    private static void resume(ViewerCursor v, PublishedStream s, List<Message> fromKeyframe, long now,
                               Actions actions) {
        if (v.skipPending) {
            offer(v, ControlMessages.skip(v.queue.takeDroppedSinceNotice(), now), now, actions);
            v.skipPending = false;
        }
        for (Message m : fromKeyframe) {
            offer(v, m, now, actions);
        }
        v.state = State.LIVE;
        v.deliveredTo = s.offset;
    }
}
