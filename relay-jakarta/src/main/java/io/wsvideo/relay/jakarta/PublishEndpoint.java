package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.record.Recorder;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /relay/publish/{channel}?mime=...}: binary messages are container bytes in any chunking.
 * An {@link Endpoint} subclass (not an annotated class) so that every container, GlassFish's Tyrus
 * included, deploys it from a programmatic {@code ServerEndpointConfig}.
 */
public final class PublishEndpoint extends Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(PublishEndpoint.class);

    private final RelayHub hub;
    private final JakartaRelayConfig config;
    private final Guard guard;
    // Set in onOpen, read by the container's callbacks for this session (which it serializes).
    private volatile Publisher publisher;
    // The address this session was counted under by the guard (null: not counted).
    private volatile String admittedAs;

    PublishEndpoint(RelayHub hub, JakartaRelayConfig config) {
        this(hub, config, new Guard(config));
    }

    PublishEndpoint(RelayHub hub, JakartaRelayConfig config, Guard guard) {
        this.hub = hub;
        this.config = config;
        this.guard = guard;
    }

    @Override
    public void onOpen(Session session, EndpointConfig endpointConfig) {
        String channel = session.getPathParameters().get("channel");
        String mime = first(session.getRequestParameterMap().get("mime"));
        session.setMaxBinaryMessageBufferSize(config.maxMessageBytes());
        session.setMaxTextMessageBufferSize(4096);
        session.setMaxIdleTimeout(config.publisherIdleTimeoutMillis());
        admittedAs = guard.admit(session, endpointConfig);
        if (admittedAs == null) {
            return;
        }
        if (!guard.mayPublish(channel, session, endpointConfig)) {
            LOG.info("publisher refused on {}: {}", channel, Guard.INVALID_TOKEN);
            SessionSink.closeSession(session, CloseCodes.POLICY_VIOLATION, Guard.INVALID_TOKEN);
            return;
        }
        try {
            publisher = hub.openPublisher(channel, mime, (code, reason) -> SessionSink.closeSession(session, code,
                    reason));
        } catch (RelayRefusal r) {
            LOG.info("publisher refused on {}: {}", channel, r.getMessage());
            SessionSink.closeSession(session, r.closeCode(), r.getMessage());
            return;
        }
        Recorder.requested(hub, publisher, first(session.getRequestParameterMap().get(Recorder.REQUEST_PARAMETER)),
                Guard.token(session), RemoteAddresses.of(session, endpointConfig));
        session.addMessageHandler(ByteBuffer.class, new MessageHandler.Whole<ByteBuffer>() {
            @Override
            public void onMessage(ByteBuffer message) {
                Publisher p = publisher;
                if (message.remaining() > config.maxMessageBytes()) {
                    // Not every container enforces setMaxBinaryMessageBufferSize for whole messages.
                    SessionSink.closeSession(session, CloseCodes.MESSAGE_TOO_BIG, "message larger than "
                            + config.maxMessageBytes() + " bytes");
                    return;
                }
                if (p != null) {
                    // Containers may reuse the buffer they hand us; the hub keeps the bytes for every
                    // viewer, so copy once per chunk (never per viewer).
                    ByteBuffer copy = ByteBuffer.allocate(message.remaining());
                    copy.put(message).flip();
                    p.onData(copy);
                }
            }
        });
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        guard.release(admittedAs);
        admittedAs = null;
        Publisher p = publisher;
        publisher = null;
        if (p != null) {
            p.close();
        }
    }

    @Override
    public void onError(Session session, Throwable thr) {
        LOG.debug("publisher session error", thr);
    }

    static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
