/**
 * The relay's core, independent of any WebSocket API: {@code io.wsvideo.relay} (the hub and what transports
 * implement), {@code io.wsvideo.relay.media} (stream descriptions and the segmenter's events),
 * {@code io.wsvideo.relay.server} (the settings and checks every server transport shares) and
 * {@code io.wsvideo.relay.record} (recording). The container parsers in
 * {@code io.wsvideo.relay.media.internal} are not exported: they may change at any time.
 */
module io.wsvideo.relay {
    requires org.slf4j;

    exports io.wsvideo.relay;
    exports io.wsvideo.relay.media;
    exports io.wsvideo.relay.server;
    exports io.wsvideo.relay.record;
}
