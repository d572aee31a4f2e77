package io.wsvideo.relay.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.wsvideo.relay.server.AccessGuard;
import io.wsvideo.relay.server.RelayServerConfig;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's HTTP side: takes the WebSocket upgrades at the publish and view paths (after
 * {@code HttpServerCodec} and {@code HttpObjectAggregator}), checks the origin (403), does the handshake
 * (echoing the first offered subprotocol, which may carry the token), and replaces itself with a
 * {@link PublisherConnection} or {@link ViewerConnection}. Every other request goes on to the next handler
 * untouched. Keeps no state, so one instance serves every channel.
 */
@ChannelHandler.Sharable
final class RelayHttpHandler extends ChannelInboundHandlerAdapter {

    private static final Logger LOG = LoggerFactory.getLogger(RelayHttpHandler.class);

    private final NettyRelay relay;
    private final PathTemplate publish;
    private final PathTemplate view;
    private final WebSocketDecoderConfig publisherFrames;
    private final WebSocketDecoderConfig viewerFrames;

    RelayHttpHandler(NettyRelay relay) {
        this.relay = relay;
        RelayServerConfig c = relay.config();
        this.publish = new PathTemplate(c.publishPath());
        this.view = new PathTemplate(c.viewPath());
        this.publisherFrames = frames(c.maxMessageBytes());
        // Viewers send small control texts at most (bounded in characters by the connection).
        this.viewerFrames = frames(AccessGuard.MAX_VIEWER_MESSAGE_BYTES);
    }

    private static WebSocketDecoderConfig frames(int maxFramePayload) {
        // Protocol errors reach Connection.exceptionCaught, which closes with their code without a reset.
        return WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(maxFramePayload).expectMaskedFrames(true)
                .allowMaskMismatch(false).allowExtensions(false).closeOnProtocolViolation(false).build();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        String channel = publish.match(uri.rawPath());
        boolean publisher = channel != null;
        if (!publisher) {
            channel = view.match(uri.rawPath());
        }
        if (channel == null || !isUpgrade(req)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            upgrade(ctx, req, uri, channel, publisher);
        } finally {
            ReferenceCountUtil.release(req);
        }
    }

    private static boolean isUpgrade(FullHttpRequest req) {
        return req.method() == HttpMethod.GET && req.decoderResult().isSuccess()
                && req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest req, QueryStringDecoder uri, String channel,
                         boolean publisher) {
        Channel ch = ctx.channel();
        if (!relay.config().originAllowed(req.headers().get(HttpHeaderNames.ORIGIN))) {
            LOG.info("refused a handshake from origin {}", req.headers().get(HttpHeaderNames.ORIGIN));
            respond(ch, HttpResponseStatus.FORBIDDEN);
            return;
        }
        // Browsers fail the connection unless the server echoes one of the offered subprotocols; the first
        // may be the token (new WebSocket(url, [token])), which the connection then checks (1008 if wrong).
        String offered = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        String subprotocol = null;
        if (offered != null) {
            int comma = offered.indexOf(',');
            subprotocol = (comma < 0 ? offered : offered.substring(0, comma)).trim();
            if (subprotocol.isEmpty()) {
                subprotocol = null;
            }
        }
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory("ws://"
                + req.headers().get(HttpHeaderNames.HOST, "localhost") + req.uri(), subprotocol,
                publisher ? publisherFrames : viewerFrames).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch);
            return;
        }
        Connection conn = publisher
                ? new PublisherConnection(relay, channel, uri.parameters(), subprotocol)
                : new ViewerConnection(relay, channel, uri.parameters(), subprotocol);
        ChannelPipeline p = ctx.pipeline();
        String name = publisher ? "wsvideo-publisher" : "wsvideo-viewer";
        p.replace(ctx.name(), name, conn);
        HttpDeadline deadline = p.get(HttpDeadline.class);
        if (deadline != null) {
            p.remove(deadline);
        }
        p.addBefore(name, "wsvideo-utf8", new Utf8FrameValidator(false));
        long idle = publisher ? relay.config().publisherIdleTimeoutMillis() : relay.config().viewerIdleTimeoutMillis();
        if (idle > 0) {
            // A publisher must send within its timeout; a viewer's counts traffic either way.
            p.addBefore("wsvideo-utf8", "wsvideo-idle", publisher
                    ? new IdleStateHandler(idle, 0, 0, TimeUnit.MILLISECONDS)
                    : new IdleStateHandler(0, 0, idle, TimeUnit.MILLISECONDS));
        }
        ChannelPromise done = ch.newPromise();
        done.addListener(f -> {
            if (f.isSuccess()) {
                conn.handshakeDone();
            } else {
                LOG.debug("handshake failed on {}", ch, f.cause());
                ch.close();
            }
        });
        try {
            handshaker.handshake(ch, req, null, done);
        } catch (WebSocketHandshakeException e) {
            LOG.debug("bad handshake on {}: {}", ch, e.getMessage());
            respond(ch, HttpResponseStatus.BAD_REQUEST);
        }
    }

    static void respond(Channel ch, HttpResponseStatus status) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ch.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
