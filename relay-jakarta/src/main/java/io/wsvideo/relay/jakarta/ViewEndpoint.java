package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.Viewer;
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
 * {@code /relay/view/{channel}}: the relay sends JSON control messages as text and media as binary.
 * Viewers only listen; a viewer that sends media is closed with 1003.
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
        try {
            viewer = hub.openViewer(channel, ViewerSinks.forSession(session));
        } catch (RelayRefusal r) {
            LOG.info("viewer refused on {}: {}", channel, r.getMessage());
            SessionSink.closeSession(session, r.closeCode(), r.getMessage());
            return;
        }
        session.addMessageHandler(ByteBuffer.class, new MessageHandler.Whole<ByteBuffer>() {
            @Override
            public void onMessage(ByteBuffer message) {
                SessionSink.closeSession(session, CloseCodes.UNSUPPORTED_DATA, AccessGuard.VIEWERS_MAY_NOT_SEND_MEDIA);
            }
        });
        session.addMessageHandler(String.class, new MessageHandler.Whole<String>() {
            @Override
            public void onMessage(String message) {
                // Control messages from viewers are reserved; ignoring them keeps old pages working. Not every
                // container enforces setMaxTextMessageBufferSize for whole messages (Tyrus takes anything up to
                // its incoming buffer), so the limit is checked here too.
                if (message.length() > MAX_VIEWER_TEXT_CHARS) {
                    SessionSink.closeSession(session, CloseCodes.MESSAGE_TOO_BIG, "control message larger than "
                            + MAX_VIEWER_TEXT_CHARS + " characters");
                }
            }
        });
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
