/**
 * The relay on Netty: {@code NettyRelay} (the relay's handlers, to add to an existing pipeline) and
 * {@code NettyRelayServer} (a standalone server on the native epoll or io_uring transport, or NIO). The types of
 * its public API (channels, pipelines, SSL contexts, HTTP requests) are Netty's, so those modules come with it.
 */
module io.wsvideo.relay.netty {
    requires transitive io.wsvideo.relay;
    requires transitive io.netty.transport;
    requires transitive io.netty.handler;
    requires transitive io.netty.codec.http;
    requires io.netty.buffer;
    requires io.netty.common;
    requires io.netty.codec;
    requires io.netty.transport.unix.common;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.classes.io_uring;
    requires org.slf4j;

    exports io.wsvideo.relay.netty;
}
