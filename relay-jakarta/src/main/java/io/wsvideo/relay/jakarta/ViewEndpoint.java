package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.ViewFormat;
import io.wsvideo.relay.Viewer;
import io.wsvideo.relay.ViewerPlays;
import io.wsvideo.relay.ViewerSink;
import io.wsvideo.relay.server.AccessGuard;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /relay/view/{channel}[?format=bytes|frames]}: the relay sends JSON control messages as text and media
 * as binary (container bytes, or with {@code format=frames} one message of frames per published chunk).
 * Viewers only listen; a viewer that sends media is closed with 1003; an unknown format with 1008.
 */
public final class ViewEndpoint extends Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(ViewEndpoint.class);

    /** Largest text message a viewer may send (control messages are small JSON); larger closes with 1009. */
    static final int MAX_VIEWER_TEXT_CHARS = AccessGuard.MAX_VIEWER_TEXT_CHARS;

    private final RelayHub hub;
    private final JakartaRelayConfig config;
    private final Guard guard;
    private volatile Viewer viewer;
    // The address this session was counted under by the guard (null: not counted).
    private volatile String admittedAs;

    ViewEndpoint(RelayHub hub, JakartaRelayConfig config) {
        this(hub, config, new Guard(config));
    }

    ViewEndpoint(RelayHub hub, JakartaRelayConfig config, Guard guard) {
        this.hub = hub;
        this.config = config;
        this.guard = guard;
    }

    @Override
    public void onOpen(Session session, EndpointConfig endpointConfig) {
        String channel = session.getPathParameters().get("channel");
        session.setMaxIdleTimeout(config.viewerIdleTimeoutMillis());
        session.setMaxTextMessageBufferSize(MAX_VIEWER_TEXT_CHARS);
        session.setMaxBinaryMessageBufferSize(1024);
        admittedAs = guard.admit(session, endpointConfig);
        if (admittedAs == null) {
            return;
        }
        if (!guard.mayView(session)) {
            LOG.info("viewer refused on {}: {}", channel, Guard.INVALID_TOKEN);
            SessionSink.closeSession(session, CloseCodes.POLICY_VIOLATION, Guard.INVALID_TOKEN);
            return;
        }
        ViewerSink sink = ViewerSinks.forSession(session);
        try {
            // ?format=frames: the frame view (WebCodecs players); absent or bytes: the container bytes.
            ViewFormat format = ViewFormat.parse(PublishEndpoint.first(session.getRequestParameterMap().get("format")));
            // ?plays=webm.vp8.opus,...: what the viewer's browser plays, counted in the channel's stats.
            ViewerPlays plays = ViewerPlays.parse(PublishEndpoint.first(session.getRequestParameterMap().get("plays")));
            // ?keys=1: told where the video key frames are (MSE players jump to them).
            boolean keys = ViewFormat.parseKeys(PublishEndpoint.first(session.getRequestParameterMap().get("keys")));
            viewer = hub.openViewer(channel, sink, format, plays, keys);
        } catch (RelayRefusal r) {
            LOG.info("viewer refused on {}: {}", channel, r.getMessage());
            SessionSink.closeSession(session, r.closeCode(), r.getMessage());
            return;
        }
        // Partial handlers: the container hands over each part as it arrives instead of collecting a whole
        // message first, so a refusal comes at the first part past the limit, with the relay's own reason, and
        // nothing past the limit is held (whole-message handlers get each container's own 1009 wording, or none).
        session.addMessageHandler(ByteBuffer.class, new MessageHandler.Partial<ByteBuffer>() {
            @Override
            public void onMessage(ByteBuffer part, boolean last) {
                refuse(sink, CloseCodes.UNSUPPORTED_DATA, AccessGuard.VIEWERS_MAY_NOT_SEND_MEDIA);
            }
        });
        session.addMessageHandler(String.class, new MessageHandler.Partial<String>() {
            // Characters of the text message being received so far; the container calls this handler for one
            // session at a time.
            private long chars;

            @Override
            public void onMessage(String part, boolean last) {
                // Control messages from viewers are reserved and ignored (that keeps old pages working), but
                // bounded.
                chars += part.length();
                if (chars > MAX_VIEWER_TEXT_CHARS) {
                    chars = Long.MIN_VALUE; // refused once; the close is on its way
                    refuse(sink, CloseCodes.MESSAGE_TOO_BIG, "control message larger than "
                            + MAX_VIEWER_TEXT_CHARS + " characters");
                } else if (last) {
                    chars = 0;
                }
            }
        });
    }

    /** Closes a viewer for what it sent, after the relay's send in flight to it (see SessionSink#closeAfterSend). */
    private static void refuse(ViewerSink sink, int code, String reason) {
        if (sink instanceof SessionSink s) {
            s.closeAfterSend(code, reason);
        } else {
            sink.close(code, reason); // TyrusFrameSink: the close frame queues after the frames already written
        }
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        guard.release(admittedAs);
        admittedAs = null;
        Viewer v = viewer;
        viewer = null;
        if (v != null) {
            v.close();
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.debug("viewer session error", thr);
    }
}
