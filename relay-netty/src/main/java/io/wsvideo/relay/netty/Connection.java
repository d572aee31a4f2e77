package io.wsvideo.relay.netty;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Peer;
import io.wsvideo.relay.server.AccessGuard;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One upgraded relay connection (a publisher or a viewer): the WebSocket protocol around the relay's own
 * handling (pings, the closing handshake, protocol errors with their close codes) and the session's admission
 * by the {@link AccessGuard}. Everything here runs on the channel's event loop; {@link #close(int, String)}
 * (the hub's way to end the session) may come from any thread and hops over.
 */
abstract class Connection extends ChannelInboundHandlerAdapter implements Peer {

    private static final Logger LOG = LoggerFactory.getLogger(Connection.class);

    /** How long a closing connection waits for the client's close frame before it drops the TCP connection. */
    static final long CLOSE_GRACE_MILLIS = 3000;

    final NettyRelay relay;
    final String channelName;
    final Map<String, List<String>> params;
    final String subprotocol;
    ChannelHandlerContext ctx;
    Channel ch;

    // Event loop only.
    boolean closing;
    private String admittedAs;
    private ScheduledFuture<?> forceClose;

    Connection(NettyRelay relay, String channelName, Map<String, List<String>> params, String subprotocol) {
        this.relay = relay;
        this.channelName = channelName;
        this.params = params;
        this.subprotocol = subprotocol;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ch = ctx.channel();
    }

    EventLoop eventLoop() {
        return ch.eventLoop();
    }

    /** The handshake's 101 went out: admit the session, then let the subclass open it in the hub. */
    final void handshakeDone() {
        if (!ch.isActive()) {
            return;
        }
        String address = remoteAddress(ch.remoteAddress());
        if (!relay.guard().admit(address)) {
            closeWith(CloseCodes.TRY_AGAIN_LATER, AccessGuard.TOO_MANY_SESSIONS);
            return;
        }
        admittedAs = address;
        open(address);
    }

    /** Opens the session in the hub (after admission); closes it with the refusal's code when refused. */
    abstract void open(String address);

    /** A data frame (text, binary, continuation); released by the caller. */
    abstract void onData(WebSocketFrame frame);

    /** The connection is gone: leave the hub. */
    abstract void gone();

    String param(String name) {
        List<String> v = params.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    String token() {
        return AccessGuard.token(param("token"), subprotocol);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        try {
            if (frame instanceof CloseWebSocketFrame close) {
                peerClosed(close);
            } else if (closing) {
                return; // after our close frame only the client's close frame matters
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (!(frame instanceof PongWebSocketFrame)) {
                onData(frame);
            }
        } finally {
            frame.release();
        }
    }

    /** The client's close frame: answer it with its code (the closing handshake) unless we started it. */
    private void peerClosed(CloseWebSocketFrame close) {
        if (closing) {
            ch.close();
            return;
        }
        closing = true;
        int code = close.statusCode();
        CloseWebSocketFrame answer = code <= 0 || !WebSocketCloseStatus.isValidStatusCode(code)
                ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, null);
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
    }

    /** The hub (or anything else) closes this session; any thread. */
    @Override
    public void close(int code, String reason) {
        if (eventLoop().inEventLoop()) {
            closeWith(code, reason);
        } else {
            eventLoop().execute(() -> closeWith(code, reason));
        }
    }

    /**
     * Sends a close frame with {@code code} and {@code reason} and ends the TCP connection politely: our side
     * is shut down once the frame is out (FIN, not RST, so the client reads the frame even if it is still
     * sending), the rest of its input is read and dropped, and the connection closes when the client answers
     * or after {@link #CLOSE_GRACE_MILLIS}. Event loop only.
     */
    final void closeWith(int code, String reason) {
        if (closing || !ch.isActive()) {
            return;
        }
        closing = true;
        LOG.debug("closing {} with {} {}", ch, code, reason);
        ChannelFuture sent = ctx.writeAndFlush(new CloseWebSocketFrame(code, AccessGuard.fitReason(reason)));
        sent.addListener(f -> {
            if (ch.isActive()) {
                if (ch instanceof DuplexChannel d && ch.pipeline().get(SslHandler.class) == null) {
                    d.shutdownOutput();
                } else {
                    ch.close();
                }
            }
        });
        forceClose = ch.eventLoop().schedule(() -> {
            ch.close();
        }, CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            closeWith(CloseCodes.GOING_AWAY, "idle timeout");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * The reason of the 1009 close when the decoder refuses a frame over its limit: the same words the relay uses
     * for a message over the limit in parts, and in every other engine.
     */
    abstract String tooBigReason();

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException e) {
            // A protocol error found by Netty's decoder (unmasked frame, reserved opcode, oversized control frame
            // or message, bad UTF-8): its close code, and the decoder drops whatever the client sends after it.
            WebSocketCloseStatus status = e.closeStatus();
            LOG.debug("protocol error on {}: {} {}", ch, status, e.getMessage());
            String reason = status.code() == CloseCodes.MESSAGE_TOO_BIG ? tooBigReason()
                    : e.getMessage() != null ? e.getMessage() : status.reasonText();
            closeWith(status.code(), reason);
            return;
        }
        LOG.debug("connection error on {}", ch, cause);
        ch.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (forceClose != null) {
            forceClose.cancel(false);
        }
        try {
            gone();
        } finally {
            relay.guard().release(admittedAs);
            admittedAs = null;
        }
        ctx.fireChannelInactive();
    }

    static String remoteAddress(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            return i.getAddress() != null ? i.getAddress().getHostAddress() : i.getHostString();
        }
        return null;
    }
}
