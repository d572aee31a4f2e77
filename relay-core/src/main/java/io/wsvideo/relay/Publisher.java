package io.wsvideo.relay;

import java.nio.ByteBuffer;

/**
 * A connected publisher, as returned by {@link RelayHub#openPublisher}. The transport calls
 * {@link #onData} for each binary message, in order, from one thread at a time, and {@link #close} when
 * the connection ends.
 */
public final class Publisher {

    final Channel channel;
    final Peer peer;
    final String mimeHint;
    private final RelayHub hub;

    Publisher(RelayHub hub, Channel channel, Peer peer, String mimeHint) {
        this.hub = hub;
        this.channel = channel;
        this.peer = peer;
        this.mimeHint = mimeHint;
    }

    /**
     * Relays one chunk of container bytes. The hub keeps {@code data} (shared by every viewer) until the
     * last viewer has sent it: the caller must not reuse or change the buffer afterwards. Malformed media
     * closes this publisher through its {@link Peer} with 1003/1007 and a reason.
     */
    public void onData(ByteBuffer data) {
        channel.publish(this, data);
    }

    /** The publisher's connection ended; its viewers get {@code ended} and stay connected. */
    public void close() {
        close("publisher left");
    }

    void close(String reason) {
        channel.removePublisher(this, reason);
        hub.publisherGone(channel);
    }

    public String channel() {
        return channel.name;
    }
}
