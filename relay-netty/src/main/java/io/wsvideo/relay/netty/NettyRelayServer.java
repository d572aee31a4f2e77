package io.wsvideo.relay.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.server.RelayServerConfig;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty server for the relay: {@link NettyRelay}'s endpoints on one port, on the native epoll transport
 * where it loads ({@link NettyTransport}), plus whatever HTTP handler you give for other paths (404 without).
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * NettyRelayServer server = NettyRelayServer.builder(hub, RelayServerConfig.defaults()).port(8080).start();
 * }</pre>
 */
public final class NettyRelayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NettyRelayServer.class);
    /** Netty's own default marks, named: the warm-up runs with the same ones as the server. */
    static final WriteBufferWaterMark DEFAULT_WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

    /** Largest HTTP request (headers and body) the server reads. */
    static final int MAX_HTTP_REQUEST_BYTES = 64 * 1024;

    private final NettyRelay relay;
    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final Channel server;

    private NettyRelayServer(Builder b) throws InterruptedException {
        this.relay = NettyRelay.create(b.hub, b.config);
        this.transport = b.transport;
        Throwable why = transport.unavailabilityCause();
        if (why != null) {
            throw new IllegalStateException("the " + transport + " transport is not available here: " + why, why);
        }
        int threads = b.ioThreads > 0 ? b.ioThreads : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("wsvideo-netty", true),
                transport.ioHandlerFactory());
        ServerBootstrap boot = new ServerBootstrap().group(group).channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(b.lowWaterMark,
                        b.highWaterMark))
                .childHandler(new Initializer(relay, b.ssl, b.http, b.handshakeTimeoutMillis, b.httpIdleTimeoutMillis));
        if (b.socketSendBufferBytes > 0) {
            boot.childOption(ChannelOption.SO_SNDBUF, b.socketSendBufferBytes);
        }
        if (b.warmUp) {
            WarmUp.run(group, transport.serverChannel());
        }
        try {
            this.server = boot.bind(new InetSocketAddress(b.host, b.port)).sync().channel();
        } catch (Throwable e) {
            // Throwable: Netty rethrows a failed bind's java.net.BindException unchecked-style (not declared).
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
        LOG.info("relay on Netty ({}, {} I/O thread{}) listening on {}", transport, threads, threads == 1 ? "" : "s",
                server.localAddress());
    }

    public static Builder builder(RelayHub hub, RelayServerConfig config) {
        return new Builder(hub, config);
    }

    /** The port it listens on (the one picked when built with port 0). */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public NettyTransport transport() {
        return transport;
    }

    public RelayHub hub() {
        return relay.hub();
    }

    public NettyRelay relay() {
        return relay;
    }

    /**
     * Stops listening and ends every connection. Close the hub first to give publishers and viewers their 1001
     * (its close frames go out before the event loops stop).
     */
    @Override
    public void close() {
        server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(100, 3000, TimeUnit.MILLISECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
    }

    /** Per connection: [TLS], HTTP, a deadline for each request, the relay, then the application's handler. */
    static final class Initializer extends ChannelInitializer<Channel> {
        private final NettyRelay relay;
        private final SslContext ssl;
        private final Supplier<? extends ChannelHandler> http;
        private final long handshakeMillis;
        private final long httpIdleMillis;

        Initializer(NettyRelay relay, SslContext ssl, Supplier<? extends ChannelHandler> http, long handshakeMillis,
                    long httpIdleMillis) {
            this.relay = relay;
            this.ssl = ssl;
            this.http = http;
            this.handshakeMillis = handshakeMillis;
            this.httpIdleMillis = httpIdleMillis;
        }

        @Override
        protected void initChannel(Channel ch) {
            ChannelPipeline p = ch.pipeline();
            if (ssl != null) {
                p.addLast("tls", ssl.newHandler(ch.alloc()));
            }
            p.addLast("http", new HttpServerCodec());
            p.addLast("http-aggregator", new HttpObjectAggregator(MAX_HTTP_REQUEST_BYTES));
            p.addLast("http-deadline", new HttpDeadline(handshakeMillis, httpIdleMillis));
            p.addLast("wsvideo", relay.handler());
            p.addLast("app", http != null ? http.get() : NotFound.INSTANCE);
        }
    }

    /** Answers every request with 404 (and 400 for one that did not parse). */
    @ChannelHandler.Sharable
    static final class NotFound extends SimpleChannelInboundHandler<FullHttpRequest> {
        static final NotFound INSTANCE = new NotFound();

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            RelayHttpHandler.respond(ctx.channel(), req.decoderResult().isSuccess() ? HttpResponseStatus.NOT_FOUND
                    : HttpResponseStatus.BAD_REQUEST);
        }
    }

    /** Where and how to listen; {@link #start()} binds. */
    public static final class Builder {
        private final RelayHub hub;
        private final RelayServerConfig config;
        private String host = "127.0.0.1";
        private int port;
        private NettyTransport transport = NettyTransport.auto();
        private int ioThreads;
        private SslContext ssl;
        private int socketSendBufferBytes;
        private int lowWaterMark = DEFAULT_WATER_MARK.low();
        private int highWaterMark = DEFAULT_WATER_MARK.high();
        private long handshakeTimeoutMillis;
        private long httpIdleTimeoutMillis = 60_000;
        private Supplier<? extends ChannelHandler> http;
        private boolean warmUp;

        private Builder(RelayHub hub, RelayServerConfig config) {
            this.hub = Objects.requireNonNull(hub, "hub");
            this.config = Objects.requireNonNull(config, "config");
            this.handshakeTimeoutMillis = config.handshakeTimeoutMillis();
        }

        /** Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). */
        public Builder host(String v) {
            this.host = Objects.requireNonNull(v, "host");
            return this;
        }

        /** Port (default 0: a free one, see {@link NettyRelayServer#port()}). */
        public Builder port(int v) {
            this.port = v;
            return this;
        }

        /** Default {@link NettyTransport#auto()}: epoll where it loads, else NIO. */
        public Builder transport(NettyTransport v) {
            this.transport = Objects.requireNonNull(v, "transport");
            return this;
        }

        /** Event loop threads (default: one per available CPU; the relay pinned to one core wants one). */
        public Builder ioThreads(int v) {
            this.ioThreads = v;
            return this;
        }

        /** Serve https/wss with this context; null (the default): plain http/ws. */
        public Builder ssl(SslContext v) {
            this.ssl = v;
            return this;
        }

        /**
         * SO_SNDBUF per connection (default 0: the OS's auto-tuned size, which lets megabytes of stale video
         * pile up in the kernel for a slow viewer before the relay's queue policy sees anything).
         */
        public Builder socketSendBufferBytes(int v) {
            this.socketSendBufferBytes = v;
            return this;
        }

        /**
         * Netty's per-connection outbound buffer: above {@code high} bytes a viewer's sends wait (the hub then
         * queues under its policy), below {@code low} they flow again. Default 32 KiB / 64 KiB.
         */
        public Builder writeBufferWaterMarks(int low, int high) {
            if (low <= 0 || high < low) {
                throw new IllegalArgumentException("water marks need 0 < low <= high, were " + low + ", " + high);
            }
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /**
         * How long a client may take to send its first whole request after connecting (default 10 s), and
         * each later one on a kept-alive connection (default 60 s); then the connection is closed.
         */
        public Builder httpTimeouts(long handshakeMillis, long idleMillis) {
            if (handshakeMillis <= 0 || idleMillis <= 0) {
                throw new IllegalArgumentException("HTTP timeouts must be > 0");
            }
            this.handshakeTimeoutMillis = handshakeMillis;
            this.httpIdleTimeoutMillis = idleMillis;
            return this;
        }

        /**
         * The handler for every HTTP request that is not a relay upgrade (a {@code FullHttpRequest}); a new
         * one per connection from {@code v}, or the same one if it is sharable. Default: 404 for everything.
         */
        public Builder httpHandler(Supplier<? extends ChannelHandler> v) {
            this.http = v;
            return this;
        }

        /**
         * Before listening, run the send path hot on a private loopback listener (about 30,000 sends to 100
         * viewers, a second or so), so that the JIT has compiled it before the first large audience arrives
         * instead of during it. Default off.
         */
        public Builder warmUp(boolean v) {
            this.warmUp = v;
            return this;
        }

        public NettyRelayServer start() throws InterruptedException {
            return new NettyRelayServer(this);
        }
    }
}
