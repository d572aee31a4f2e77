package io.wsvideo.relay;

/** A connected viewer, as returned by {@link RelayHub#openViewer}. */
public final class Viewer {

    private final RelayHub hub;
    final ViewerQueue queue;

    Viewer(RelayHub hub, ViewerQueue queue) {
        this.hub = hub;
        this.queue = queue;
    }

    /** The viewer's connection ended: frees its queue and leaves the channel. */
    public void close() {
        hub.closeViewer(queue, CloseCodes.NORMAL, "viewer left", false);
    }

    public long id() {
        return queue.id;
    }

    public String channel() {
        return queue.channel.name;
    }
}
