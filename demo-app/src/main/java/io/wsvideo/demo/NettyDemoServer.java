package io.wsvideo.demo;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.netty.NettyRelayServer;
import io.wsvideo.relay.netty.NettyTransport;
import io.wsvideo.relay.record.RecordingsHttp;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import javax.net.ssl.SSLContext;

/**
 * The demo on relay-netty: the relay's endpoints, the pages ({@link Pages}), {@code /relay/stats} and
 * {@code /metrics} on one Netty port ({@code --engine netty}).
 */
public final class NettyDemoServer implements RelayServer {

    private final RelayHub hub;
    private final JakartaRelayConfig config;
    private final DemoMetrics metrics;
    private final NettyRelayServer server;
    private final DemoRecording recording;

    private NettyDemoServer(String host, int port, JakartaRelayConfig config, SSLContext tls, int socketSendBufferBytes,
                            RelayServer.Options options) throws InterruptedException, IOException {
        this.config = config;
        this.hub = RelayHub.create(config.relay());
        try {
            this.recording = DemoRecording.start(hub, config);
        } catch (IOException | RuntimeException e) {
            hub.close();
            throw e;
        }
        this.metrics = new DemoMetrics(hub, recording);
        Http http = new Http(hub, metrics, recording);
        NettyRelayServer.Builder b = NettyRelayServer.builder(hub, config.server()).host(host).port(port)
                .transport(options.transport()).ioThreads(options.ioThreads()).warmUp(options.warmUp())
                .socketSendBufferBytes(socketSendBufferBytes).httpHandler(() -> http);
        if (tls != null) {
            b.ssl(new JdkSslContext(tls, false, ClientAuth.NONE));
        }
        try {
            this.server = b.start();
        } catch (Throwable e) {
            // Throwable: a failed bind's java.net.BindException comes through Netty undeclared.
            hub.close();
            metrics.close();
            throw e;
        }
    }

    /** Starts a plain http/ws demo server; port 0 picks a free port (see {@link #port()}). */
    public static NettyDemoServer start(String host, int port, JakartaRelayConfig config)
            throws InterruptedException, IOException {
        return start(host, port, config, null, 0, RelayServer.Options.fromSystem());
    }

    /** As {@link DemoServer#start(String, int, JakartaRelayConfig, SSLContext, int)}, on Netty. */
    public static NettyDemoServer start(String host, int port, JakartaRelayConfig config, SSLContext tls,
                                        int socketSendBufferBytes, RelayServer.Options options)
            throws InterruptedException, IOException {
        return new NettyDemoServer(host, port, config, tls, socketSendBufferBytes, options);
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public RelayHub hub() {
        return hub;
    }

    @Override
    public JakartaRelayConfig config() {
        return config;
    }

    public NettyTransport transport() {
        return server.transport();
    }

    @Override
    public void close() {
        hub.close();
        if (recording != null) {
            recording.close();
        }
        server.close();
        metrics.close();
    }

    /** Every request that is not a relay upgrade: pages, stats, metrics. */
    @ChannelHandler.Sharable
    private static final class Http extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final RelayHub hub;
        private final DemoMetrics metrics;
        private final DemoRecording recording;

        Http(RelayHub hub, DemoMetrics metrics, DemoRecording recording) {
            this.hub = hub;
            this.metrics = metrics;
            this.recording = recording;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws Exception {
            if (!req.decoderResult().isSuccess()) {
                send(ctx, req, status(HttpResponseStatus.BAD_REQUEST), false);
                return;
            }
            boolean head = req.method() == HttpMethod.HEAD;
            if (req.method() != HttpMethod.GET && !head) {
                FullHttpResponse r = status(HttpResponseStatus.METHOD_NOT_ALLOWED);
                r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
                send(ctx, req, r, true);
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            if (path.equals("/relay/stats")) {
                boolean viewers = "true".equals(uri.parameters().getOrDefault("viewers", java.util.List.of())
                        .stream().findFirst().orElse(null));
                send(ctx, req, body("application/json", DemoRecording.stats(hub.stats(viewers).toJson(viewers),
                        recording).getBytes(StandardCharsets.UTF_8), "no-store", head), true);
            } else if (path.equals("/metrics")) {
                send(ctx, req, body(DemoMetrics.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8),
                        "no-store", head), true);
            } else if (recording != null && DemoRecording.owns(path)) {
                recordings(ctx, req, uri, path);
            } else {
                Pages.Page page = Pages.find(path);
                if (page == null) {
                    send(ctx, req, status(HttpResponseStatus.NOT_FOUND), true);
                    return;
                }
                FullHttpResponse r = body(page.contentType(), page.body(), "no-cache", head);
                r.headers().set("X-Content-Type-Options", "nosniff");
                send(ctx, req, r, true);
            }
        }

        /** {@code /recordings}: small answers whole; a file streamed from disk, then the connection closes. */
        private void recordings(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri, String path)
                throws IOException {
            if (DemoRecording.wantsPage(path, req.headers().get(HttpHeaderNames.ACCEPT))) {
                FullHttpResponse r = status(HttpResponseStatus.SEE_OTHER);
                String query = uri.rawQuery();
                r.headers().set(HttpHeaderNames.LOCATION, "/recordings.html" + (query.isEmpty() ? "" : "?" + query));
                send(ctx, req, r, true);
                return;
            }
            RecordingsHttp.Reply reply = recording.handle(req.method().name(), path, param(uri, "channel"),
                    DemoRecording.token(param(uri, "token"), req.headers().get(HttpHeaderNames.AUTHORIZATION)),
                    req.headers().get(HttpHeaderNames.RANGE), req.headers().get(HttpHeaderNames.IF_RANGE));
            HttpResponseStatus status = HttpResponseStatus.valueOf(reply.status());
            if (reply.file() == null) {
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                        reply.body() == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(reply.body()));
                reply.headers().forEach(r.headers()::set);
                send(ctx, req, r, true);
                return;
            }
            HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
            reply.headers().forEach(r.headers()::set);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            // The server's HTTP deadline (the next request within its idle time) would cut a long download, and the
            // file goes out in pieces as the client takes them: this connection serves this file, then closes.
            ChannelPipeline p = ctx.pipeline();
            if (p.get("http-deadline") != null) {
                p.remove("http-deadline");
            }
            if (p.get(ChunkedWriteHandler.class) == null) {
                p.addBefore(ctx.name(), "recording-chunks", new ChunkedWriteHandler());
            }
            ctx.write(r);
            FileChannel file = FileChannel.open(reply.file(), StandardOpenOption.READ);
            ctx.writeAndFlush(new HttpChunkedInput(new ChunkedNioFile(file, reply.offset(), reply.length(), 65536)))
                    .addListener(ChannelFutureListener.CLOSE);
        }

        private static String param(QueryStringDecoder uri, String name) {
            java.util.List<String> v = uri.parameters().get(name);
            return v == null || v.isEmpty() ? null : v.get(0);
        }

        private static FullHttpResponse status(HttpResponseStatus status) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
            r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            return r;
        }

        private static FullHttpResponse body(String type, byte[] bytes, String cache, boolean head) {
            FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes));
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, type).set(HttpHeaderNames.CONTENT_LENGTH, bytes.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, cache);
            return r;
        }

        private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean keepAlive) {
            boolean keep = keepAlive && HttpUtil.isKeepAlive(req);
            if (!keep) {
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            ChannelFuture f = ctx.writeAndFlush(r);
            if (!keep) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
