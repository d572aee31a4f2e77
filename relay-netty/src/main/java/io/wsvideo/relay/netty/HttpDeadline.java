package io.wsvideo.relay.netty;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP connection whose request does not arrive whole in time: a client that trickles its headers
 * (or never sends any) holds a connection, and with the per-address limit counted only after the upgrade,
 * nothing else would stop it. The first request must be complete within {@code firstMillis} of the connect,
 * each later one (keep-alive) within {@code idleMillis} of the previous. Removed by the relay at the upgrade.
 */
final class HttpDeadline extends ChannelInboundHandlerAdapter {

    private final long firstMillis;
    private final long idleMillis;
    // Event loop only.
    private ScheduledFuture<?> timer;

    HttpDeadline(long firstMillis, long idleMillis) {
        this.firstMillis = firstMillis;
        this.idleMillis = idleMillis;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        arm(ctx, firstMillis);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            arm(ctx, idleMillis);
        }
        ctx.fireChannelRead(msg);
    }

    private void arm(ChannelHandlerContext ctx, long millis) {
        cancel();
        timer = ctx.executor().schedule(() -> {
            ctx.channel().close();
        }, millis, TimeUnit.MILLISECONDS);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }
}
