package io.wsvideo.relay;

/** A connected viewer, as returned by {@link RelayHub#openViewer}. */
public final class Viewer {

    final ViewerQueue queue;

    Viewer(ViewerQueue queue) {
        this.queue = queue;
    }

    /** The viewer's connection ended: frees its queue and leaves the channel. */
    public void close() {
        queue.channel.closeViewer(queue, CloseCodes.NORMAL, "viewer left", false);
    }

    public long id() {
        return queue.id;
    }

    public String channel() {
        return queue.channel.name;
    }
}
