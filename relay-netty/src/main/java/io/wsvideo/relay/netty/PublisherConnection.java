package io.wsvideo.relay.netty;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.server.AccessGuard;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code publishPath?mime=...[&resume=TOKEN[&continue=1]]}: each binary message (in one frame or several) is a chunk of container bytes
 * for the hub, as on relay-jakarta's {@code PublishEndpoint}.
 */
final class PublisherConnection extends Connection {

    private static final Logger LOG = LoggerFactory.getLogger(PublisherConnection.class);

    private final int maxMessageBytes;
    // Event loop only: the hub's publisher once opened, and the message being assembled from fragments.
    private Publisher publisher;
    private byte[] partial;
    private int partialLength;
    private boolean inMessage;

    PublisherConnection(NettyRelay relay, String channelName, Map<String, List<String>> params, String subprotocol) {
        super(relay, channelName, params, subprotocol);
        this.maxMessageBytes = relay.config().maxMessageBytes();
    }

    @Override
    void open(String address) {
        if (!relay.guard().mayPublish(channelName, token(), address)) {
            LOG.info("publisher refused on {}: {}", channelName, AccessGuard.INVALID_TOKEN);
            closeWith(CloseCodes.POLICY_VIOLATION, AccessGuard.INVALID_TOKEN);
            return;
        }
        try {
            publisher = relay.hub().openPublisher(channelName, param("mime"), this, param("resume"),
                    "1".equals(param("continue")));
        } catch (RelayRefusal r) {
            LOG.info("publisher refused on {}: {}", channelName, r.getMessage());
            closeWith(r.closeCode(), r.getMessage());
            return;
        }
        // Its resume token; queued ahead of any close the hub may send it later (same event loop).
        ctx.writeAndFlush(new TextWebSocketFrame(publisher.acceptedMessage()));
        Recorder.requested(relay.hub(), publisher, param(Recorder.REQUEST_PARAMETER), token(), address);
    }

    @Override
    void onData(WebSocketFrame frame) {
        boolean start = frame instanceof BinaryWebSocketFrame;
        if (!start && !(frame instanceof ContinuationWebSocketFrame && inMessage)) {
            // Text: the protocol has no text from publishers (a Jakarta container closes a session with no
            // handler for a message type the same way).
            closeWith(CloseCodes.UNSUPPORTED_DATA, "publishers send binary media only");
            return;
        }
        ByteBuf content = frame.content();
        int n = content.readableBytes();
        int total = (inMessage ? partialLength : 0) + n;
        if (total > maxMessageBytes || total < 0) {
            partial = null;
            closeWith(CloseCodes.MESSAGE_TOO_BIG, tooBigReason());
            return;
        }
        if (start && frame.isFinalFragment()) {
            deliver(bytes(content, n), n);
            return;
        }
        if (start) {
            partial = new byte[Math.max(n * 2, 64 * 1024)];
            partialLength = 0;
            inMessage = true;
        } else if (partial.length < total) {
            byte[] grown = new byte[(int) Math.min(maxMessageBytes, Math.max(total, 2L * partial.length))];
            System.arraycopy(partial, 0, grown, 0, partialLength);
            partial = grown;
        }
        content.getBytes(content.readerIndex(), partial, partialLength, n);
        partialLength = total;
        if (frame.isFinalFragment()) {
            byte[] whole = partial;
            partial = null;
            inMessage = false;
            deliver(whole, partialLength);
        }
    }

    /** The hub keeps the bytes for every viewer, so it gets its own copy: one per chunk, never per viewer. */
    private static byte[] bytes(ByteBuf content, int n) {
        byte[] b = new byte[n];
        content.getBytes(content.readerIndex(), b);
        return b;
    }

    private void deliver(byte[] bytes, int length) {
        Publisher p = publisher;
        if (p != null) {
            p.onData(ByteBuffer.wrap(bytes, 0, length).slice());
        }
    }

    @Override
    void gone() {
        partial = null;
        Publisher p = publisher;
        publisher = null;
        if (p == null) {
            return;
        }
        if (closing) {
            p.close(); // a close frame went one way or the other: a deliberate end
        } else {
            // No close frame: the network dropped. The stream waits for its publisher to come back and continue.
            p.connectionLost();
        }
    }

    @Override
    String tooBigReason() {
        return AccessGuard.tooBig(maxMessageBytes);
    }
}
