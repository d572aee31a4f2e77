package io.wsvideo.relay;

import java.util.Arrays;

/**
 * One way to watch a channel: what its viewers are sent of the published stream, where a late joiner
 * starts and where a viewer that fell behind resumes. {@link ByteView} sends the container bytes as
 * published; another view (for example one message per chunk of the frames it completed) keeps its own
 * viewers, start points and cache the same way, so the channel only routes events to its views.
 *
 * <p>A channel holds one instance of each view; every method runs under the channel's lock and only
 * queues messages and records {@link Actions}.
 */
abstract class View {

    final Channel channel;
    /**
     * The viewers in {@code viewers[0..count)}, each knowing its slot, so joining and leaving are O(1) (a
     * leaving viewer's slot takes the last one): mass disconnects of thousands of viewers stay linear.
     */
    private ViewerCursor[] viewers = new ViewerCursor[8];
    private int count;

    View(Channel channel) {
        this.channel = channel;
    }

    /** A viewer joined this view; {@code stream} is the channel's current stream, or null. */
    abstract void join(ViewerCursor v, PublishedStream stream, long nowNanos, Actions actions);

    /**
     * The chunk being published revealed {@code event}, already applied to the stream's own state
     * ({@link PublishedStream#apply}). Called for each event of the chunk, in order, before {@link #chunk}.
     */
    abstract void event(PublishedStream stream, Chunk chunk, SegmentEvent event, long nowNanos, Actions actions);

    /** The stream took one chunk, whose events were told already: hand it to the viewers that are live. */
    abstract void chunk(PublishedStream stream, Chunk chunk, long nowNanos, Actions actions);

    /**
     * A new publisher continues the stream after its predecessor's connection dropped: what it recorded
     * meanwhile follows at once. Viewers that were told of the stream get {@code continued}, so that a player
     * goes to the live edge after the backlog rather than keeping the outage as latency.
     */
    void continued(long nowNanos, Actions actions) {
        Message continued = null;
        for (int i = 0; i < count; i++) {
            ViewerCursor v = viewers[i];
            if (v.state != ViewerCursor.State.WAITING_FOR_STREAM) {
                if (continued == null) {
                    continued = ControlMessages.continued(nowNanos);
                }
                offer(v, continued, nowNanos, actions);
            }
        }
    }

    /** The stream ended: every viewer gets {@code ended} and waits for the next stream. */
    void ended(Message ended, long nowNanos, Actions actions) {
        for (int i = 0; i < count; i++) {
            ViewerCursor v = viewers[i];
            offer(v, ended, nowNanos, actions);
            v.streamEnded();
        }
    }

    /** Queues a message that is never dropped (control, init, cached media). */
    static void offer(ViewerCursor v, Message m, long nowNanos, Actions actions) {
        actions.kickIf(v.queue.offer(m, nowNanos), v.queue);
    }

    final int size() {
        return count;
    }

    final ViewerCursor get(int i) {
        return viewers[i];
    }

    final void add(ViewerCursor v) {
        if (count == viewers.length) {
            viewers = Arrays.copyOf(viewers, viewers.length * 2);
        }
        v.slot = count;
        viewers[count++] = v;
    }

    /** @return false if it was not here */
    final boolean remove(ViewerCursor v) {
        int i = v.slot;
        if (i < 0 || i >= count || viewers[i] != v) {
            return false;
        }
        ViewerCursor last = viewers[--count];
        viewers[i] = last;
        last.slot = i;
        viewers[count] = null;
        v.slot = -1;
        if (viewers.length > 64 && count < viewers.length / 4) {
            viewers = Arrays.copyOf(viewers, viewers.length / 2);
        }
        return true;
    }
}
