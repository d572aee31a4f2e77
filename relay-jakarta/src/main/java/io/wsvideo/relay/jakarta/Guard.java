package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.server.AccessGuard;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control and per-address limits shared by the publish and view endpoints of one registration.
 * Each endpoint instance serves one session; it calls {@link #admit} first in {@code onOpen} and
 * {@link #release} in {@code onClose} if it was admitted.
 */
final class Guard {

    private static final Logger LOG = LoggerFactory.getLogger(Guard.class);

    static final String INVALID_TOKEN = AccessGuard.INVALID_TOKEN;
    static final String TOO_MANY_SESSIONS = AccessGuard.TOO_MANY_SESSIONS;

    // The transport-neutral checks, the same as relay-netty's.
    private final AccessGuard access;
    private final AtomicBoolean warnedNoAddress = new AtomicBoolean();

    Guard(JakartaRelayConfig config) {
        this.access = new AccessGuard(config.server());
    }

    /**
     * Counts the session against its address's limit.
     *
     * @return the address it was counted under (to pass to {@link #release}), {@code ""} if not counted, or
     *     null if refused (the session is then being closed with 1013)
     */
    String admit(Session session, EndpointConfig endpointConfig) {
        if (!access.limitsAddresses()) {
            return "";
        }
        String address = RemoteAddresses.of(session, endpointConfig);
        if (address == null) {
            if (warnedNoAddress.compareAndSet(false, true)) {
                LOG.warn("maxSessionsPerRemoteAddress={} is NOT enforced: this container does not tell the "
                        + "relay the client's address (add io.wsvideo.relay.jakarta.RemoteAddressListener as a "
                        + "servlet listener)", access.config().maxSessionsPerRemoteAddress());
            }
            return "";
        }
        if (!access.admit(address)) {
            SessionSink.closeSession(session, CloseCodes.TRY_AGAIN_LATER, TOO_MANY_SESSIONS);
            return null;
        }
        return address;
    }

    void release(String address) {
        access.release(address);
    }

    boolean mayPublish(String channel, Session session, EndpointConfig endpointConfig) {
        if (access.config().publishAuthorizer() == null) {
            return true;
        }
        return access.mayPublish(channel, token(session), RemoteAddresses.of(session, endpointConfig));
    }

    boolean mayView(Session session) {
        return access.mayView(token(session));
    }

    /** The query parameter {@code token}, else the subprotocol the client offered (and we echoed). */
    static String token(Session session) {
        List<String> q = session.getRequestParameterMap().get("token");
        return AccessGuard.token(q == null || q.isEmpty() ? null : q.get(0), session.getNegotiatedSubprotocol());
    }

    /** For tests: open sessions counted for an address. */
    int openSessions(String address) {
        return access.openSessions(address);
    }
}
