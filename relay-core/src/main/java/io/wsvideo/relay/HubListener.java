package io.wsvideo.relay;

import java.nio.ByteBuffer;

/**
 * Observes a hub's publishers and audiences, for extensions that connect hubs (relay-redis forwards a
 * local publisher's stream to other nodes, and subscribes only to channels that have local viewers) or
 * count things. Registered with {@link RelayHub#addListener}; every method has a no-op default.
 *
 * <p>Called on the thread that caused the event (a transport's thread, for a publisher's chunks the
 * publisher's own), after the hub released its locks, so a listener may call the hub. It must return
 * quickly and never block on the network. An exception it throws is logged and ignored: it cannot break
 * the hub or the publisher.
 *
 * <p>Viewer events for one channel may arrive out of order when viewers join and leave on several threads
 * at once; a listener that needs the truth asks {@link RelayHub#viewerCount(String)}.
 */
public interface HubListener {

    /**
     * A publisher was accepted on its channel ({@link Publisher#channel()}, {@link Publisher#mimeHint()});
     * its stream starts with the first chunk {@link #publisherData} reports.
     */
    default void publisherOpened(Publisher publisher) {
    }

    /**
     * The channel accepted one chunk of this publisher's stream.
     *
     * @param streamOffset where the chunk starts in the publisher's byte stream (0 for the first); chunks
     *                     follow each other without gaps. A publisher that continued the stream of the one it
     *                     resumed ({@link Publisher#continuedAt()}) starts there, not at 0: its stream began
     *                     with another publisher, whose snapshot it shares ({@link Publisher#snapshot()})
     * @param chunk        the hub's own bytes, read-only; they never change, so they may be kept
     */
    default void publisherData(Publisher publisher, long streamOffset, ByteBuffer chunk) {
    }

    /** The publisher's connection ended ({@link Publisher#close}); called once per publisher. */
    default void publisherClosed(Publisher publisher) {
    }

    /** A channel's viewer count went from 0 to 1. */
    default void firstViewerJoined(String channel) {
    }

    /** A channel's viewer count went from 1 to 0. */
    default void lastViewerLeft(String channel) {
    }
}
