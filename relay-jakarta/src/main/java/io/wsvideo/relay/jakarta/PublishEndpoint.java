package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.Publisher;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.server.AccessGuard;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /relay/publish/{channel}?mime=...}: binary messages are container bytes in any chunking.
 * An {@link Endpoint} subclass (not an annotated class) so that every container, GlassFish's Tyrus
 * included, deploys it from a programmatic {@code ServerEndpointConfig}.
 */
public final class PublishEndpoint extends Endpoint {

    private static final Logger LOG = LoggerFactory.getLogger(PublishEndpoint.class);

    /** The query parameter a reconnecting publisher shows its resume token in ({@code ?resume=...}). */
    static final String RESUME_PARAMETER = "resume";
    /** With {@code continue=1}, a resuming publisher carries on the same byte stream (README, protocol). */
    static final String CONTINUE_PARAMETER = "continue";

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
            Map<String, List<String>> params = session.getRequestParameterMap();
            publisher = hub.openPublisher(channel, mime, (code, reason) -> SessionSink.closeSession(session, code,
                    reason), first(params.get(RESUME_PARAMETER)), "1".equals(first(params.get(CONTINUE_PARAMETER))));
        } catch (RelayRefusal r) {
            LOG.info("publisher refused on {}: {}", channel, r.getMessage());
            SessionSink.closeSession(session, r.closeCode(), r.getMessage());
            return;
        }
        try {
            // Blocking, and done before any message of this session is handled: nothing else is sent to a
            // publisher but a close, and a container must not have a send in flight when it closes.
            session.getBasicRemote().sendText(publisher.acceptedMessage());
        } catch (IOException | RuntimeException e) {
            LOG.debug("publisher on {}: the accepted message could not be sent", channel, e);
        }
        Recorder.requested(hub, publisher, first(session.getRequestParameterMap().get(Recorder.REQUEST_PARAMETER)),
                Guard.token(session), RemoteAddresses.of(session, endpointConfig));
        session.addMessageHandler(ByteBuffer.class, new Messages(session));
    }

    /**
     * Binary messages in parts, as the container reads them (a partial handler, so that the container collects
     * nothing itself): each message is copied once into a buffer of its own, which the hub then keeps for every
     * viewer, and a message that passes {@code maxMessageBytes} is refused with 1009 at the first part past it,
     * in every container with the same reason. The container calls it for one session at a time.
     */
    private final class Messages implements MessageHandler.Partial<ByteBuffer> {
        private final Session session;
        private final int max = config.maxMessageBytes();
        // The message received so far (null between messages), and whether this session was refused.
        private ByteBuffer pending;
        private boolean refused;

        Messages(Session session) {
            this.session = session;
        }

        @Override
        public void onMessage(ByteBuffer part, boolean last) {
            int have = pending == null ? 0 : pending.position();
            if (refused || (long) have + part.remaining() > max) {
                if (!refused) {
                    refused = true;
                    pending = null;
                    SessionSink.closeSession(session, CloseCodes.MESSAGE_TOO_BIG, AccessGuard.tooBig(max));
                }
                return;
            }
            if (pending == null && last) {
                // The whole message in one part (one frame, mostly): one exact copy. Containers may reuse the
                // buffer they hand us.
                deliver(ByteBuffer.allocate(part.remaining()).put(part).flip());
                return;
            }
            if (pending == null) {
                pending = ByteBuffer.allocate(Math.min(max, Math.max(64 * 1024, 2 * part.remaining())));
            } else if (pending.remaining() < part.remaining()) {
                int size = (int) Math.min(max, Math.max(2L * pending.capacity(), (long) have + part.remaining()));
                pending = ByteBuffer.allocate(size).put(pending.flip());
            }
            pending.put(part);
            if (last) {
                ByteBuffer message = pending.flip();
                pending = null;
                // The hub keeps the buffer as long as the late-join cache does: no more than a quarter unused.
                deliver(message.remaining() >= message.capacity() * 3 / 4 ? message
                        : ByteBuffer.allocate(message.remaining()).put(message).flip());
            }
        }

        private void deliver(ByteBuffer message) {
            Publisher p = publisher;
            if (p != null) {
                p.onData(message);
            }
        }
    }

    @Override
    public void onClose(Session session, CloseReason closeReason) {
        guard.release(admittedAs);
        admittedAs = null;
        Publisher p = publisher;
        publisher = null;
        if (p == null) {
            return;
        }
        if (closeReason.getCloseCode().getCode() == CloseReason.CloseCodes.CLOSED_ABNORMALLY.getCode()) {
            // No close frame: the network dropped. The stream waits for its publisher to come back and continue.
            p.connectionLost();
        } else {
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
