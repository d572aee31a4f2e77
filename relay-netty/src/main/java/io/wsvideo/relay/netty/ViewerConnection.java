package io.wsvideo.relay.netty;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.SendCallback;
import io.wsvideo.relay.SharedBytes;
import io.wsvideo.relay.ViewFormat;
import io.wsvideo.relay.Viewer;
import io.wsvideo.relay.ViewerPlays;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.server.AccessGuard;
import io.wsvideo.relay.server.WebSocketFrames;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code viewPath}: the hub's {@link ViewerSink} on a Netty channel.
 *
 * <h2>The send path</h2>
 * A shared media message is framed once ({@link #FRAMED}: header and payload in one direct buffer, cached on the
 * message by {@link SharedBytes#wireForm}); every viewer writes a {@code retainedDuplicate()} of it, so no bytes
 * are copied per viewer and none go from heap to direct at write time. Writes only queue; {@link FlushBatch}
 * flushes each viewer once per event-loop turn, so whatever queued for it meanwhile leaves in one gathering
 * write.
 *
 * <h2>One backpressure policy</h2>
 * The hub keeps at most one send in flight per viewer and queues the rest under its own policy (bounded bytes
 * and age, skip to the next keyframe, evict when stalled). A send here counts as done once Netty holds it and
 * the channel is still writable (its outbound buffer under the high water mark); otherwise its callback waits
 * until the channel becomes writable again ({@link #channelWritabilityChanged}) or closes. So Netty's buffer
 * holds at most the high water mark plus one message, everything beyond waits in the hub's queue where the
 * policy sees it, and a viewer that stops reading shows up as a send that does not finish (the hub's stall
 * limit), never as memory piling up in Netty.
 */
final class ViewerConnection extends Connection implements ViewerSink {

    private static final Logger LOG = LoggerFactory.getLogger(ViewerConnection.class);

    /**
     * A shared message as one finished binary frame in a direct buffer, for every Netty viewer. A constant, so
     * that the message caches it. The buffer is the garbage collector's (wrapping a JDK direct buffer, which is
     * freed when the message is forgotten): the hub has no point at which it is done with a message, which a
     * pooled buffer would need for its release. Each write takes a retained duplicate, which Netty releases.
     */
    static final Function<ByteBuffer, ByteBuf> FRAMED = payload -> Unpooled.wrappedBuffer(
            WebSocketFrames.DIRECT_BINARY_FRAME.apply(payload));

    private static final ClosedChannelException CLOSED = new ClosedChannelException();

    // Event loop only.
    private Viewer viewer;
    /** The send whose callback waits for the channel to become writable again. */
    private SendCallback waiting;
    boolean flushRequested;
    private int textBytes;
    private boolean inText;

    ViewerConnection(NettyRelay relay, String channelName, Map<String, List<String>> params, String subprotocol) {
        super(relay, channelName, params, subprotocol);
    }

    @Override
    void open(String address) {
        if (!relay.guard().mayView(token())) {
            LOG.info("viewer refused on {}: {}", channelName, AccessGuard.INVALID_TOKEN);
            closeWith(CloseCodes.POLICY_VIOLATION, AccessGuard.INVALID_TOKEN);
            return;
        }
        try {
            // ?format=frames: the frame view (WebCodecs players); absent or bytes: the container bytes.
            // ?plays=webm.vp8.opus,...: what the viewer's browser plays, counted in the channel's stats.
            // ?keys=1: told where the video key frames are (MSE players jump to them).
            viewer = relay.hub().openViewer(channelName, this, ViewFormat.parse(param("format")),
                    ViewerPlays.parse(param("plays")), ViewFormat.parseKeys(param("keys")));
        } catch (RelayRefusal r) {
            LOG.info("viewer refused on {}: {}", channelName, r.getMessage());
            closeWith(r.closeCode(), r.getMessage());
        }
    }

    // ---- what the viewer sends ----------------------------------------------------------------------

    @Override
    void onData(WebSocketFrame frame) {
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame && !inText) {
            closeWith(CloseCodes.UNSUPPORTED_DATA, AccessGuard.VIEWERS_MAY_NOT_SEND_MEDIA);
            return;
        }
        // Text: control messages from viewers are reserved and ignored (old pages keep working), but bounded
        // by MAX_VIEWER_TEXT_CHARS characters. A fragmented one is not assembled: its bytes are counted, and a
        // character takes at least one byte.
        boolean start = frame instanceof TextWebSocketFrame;
        textBytes = (start ? 0 : textBytes) + frame.content().readableBytes();
        inText = !frame.isFinalFragment();
        int max = AccessGuard.MAX_VIEWER_TEXT_CHARS;
        boolean tooBig = start && !inText
                ? textBytes > max && ((TextWebSocketFrame) frame).text().length() > max
                : textBytes > max;
        if (tooBig) {
            closeWith(CloseCodes.MESSAGE_TOO_BIG, "control message larger than " + max + " characters");
        }
    }

    // ---- ViewerSink: what the hub sends ------------------------------------------------------------

    @Override
    public void sendShared(SharedBytes message, SendCallback callback) {
        send(message.wireForm(FRAMED).retainedDuplicate(), callback);
    }

    @Override
    public void sendBinary(ByteBuffer data, SendCallback callback) {
        send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(data)), callback);
    }

    @Override
    public void sendText(String text, SendCallback callback) {
        send(new TextWebSocketFrame(ByteBufUtil.writeUtf8(ch.alloc(), text)), callback);
    }

    private void send(Object message, SendCallback callback) {
        if (eventLoop().inEventLoop()) {
            write(message, callback);
        } else {
            eventLoop().execute(() -> write(message, callback));
        }
    }

    private void write(Object message, SendCallback callback) {
        if (closing || !ch.isActive()) {
            ReferenceCountUtil.release(message);
            callback.completed(CLOSED);
            return;
        }
        // Through the WebSocket encoder (a finished frame, a ByteBuf, passes it untouched) and TLS if any.
        ctx.write(message, ch.voidPromise());
        FlushBatch.request(this);
        if (ch.isWritable()) {
            callback.completed(null);
        } else {
            waiting = callback;
        }
    }

    void flushNow() {
        if (ch.isActive()) {
            ctx.flush();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        SendCallback cb = waiting;
        if (cb != null && ch.isWritable()) {
            waiting = null;
            cb.completed(null);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    void gone() {
        Viewer v = viewer;
        viewer = null;
        if (v != null) {
            v.close();
        }
        SendCallback cb = waiting;
        waiting = null;
        if (cb != null) {
            cb.completed(CLOSED);
        }
    }

    /** The decoder refuses a frame over {@link AccessGuard#MAX_VIEWER_MESSAGE_BYTES}, text or binary. */
    @Override
    String tooBigReason() {
        return AccessGuard.tooBig(AccessGuard.MAX_VIEWER_MESSAGE_BYTES);
    }
}
