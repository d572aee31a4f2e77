package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.CloseCodes;
import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.SharedTokens;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
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

    static final String INVALID_TOKEN = "invalid token";
    static final String TOO_MANY_SESSIONS = "too many connections from your address";

    private final JakartaRelayConfig config;
    // Open sessions per remote address; entries go when their count drops to 0.
    private final ConcurrentHashMap<String, Integer> sessionsByAddress = new ConcurrentHashMap<>();
    private final AtomicBoolean warnedNoAddress = new AtomicBoolean();

    Guard(JakartaRelayConfig config) {
        this.config = config;
    }

    /**
     * Counts the session against its address's limit.
     *
     * @return the address it was counted under (to pass to {@link #release}), {@code ""} if not counted, or
     *     null if refused (the session is then being closed with 1013)
     */
    String admit(Session session, EndpointConfig endpointConfig) {
        int limit = config.maxSessionsPerRemoteAddress();
        if (limit == 0) {
            return "";
        }
        String address = RemoteAddresses.of(session, endpointConfig);
        if (address == null) {
            if (warnedNoAddress.compareAndSet(false, true)) {
                LOG.warn("maxSessionsPerRemoteAddress={} is NOT enforced: this container does not tell the "
                        + "relay the client's address (add io.wsvideo.relay.jakarta.RemoteAddressListener as a "
                        + "servlet listener)", limit);
            }
            return "";
        }
        boolean[] admitted = {false};
        sessionsByAddress.compute(address, (a, n) -> {
            int count = n == null ? 0 : n;
            if (count >= limit) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        if (!admitted[0]) {
            LOG.info("refused a session from {}: {} open already", address, limit);
            SessionSink.closeSession(session, CloseCodes.TRY_AGAIN_LATER, TOO_MANY_SESSIONS);
            return null;
        }
        return address;
    }

    void release(String address) {
        if (address == null || address.isEmpty()) {
            return;
        }
        sessionsByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    boolean mayPublish(String channel, Session session, EndpointConfig endpointConfig) {
        PublishAuthorizer a = config.publishAuthorizer();
        if (a == null) {
            return true;
        }
        try {
            return a.authorize(channel, token(session), RemoteAddresses.of(session, endpointConfig));
        } catch (RuntimeException e) {
            LOG.warn("publishAuthorizer threw; refusing the publisher", e);
            return false;
        }
    }

    boolean mayView(Session session) {
        SharedTokens t = config.viewTokens();
        return t == null || t.matches(token(session));
    }

    /** The query parameter {@code token}, else the subprotocol the client offered (and we echoed). */
    static String token(Session session) {
        List<String> q = session.getRequestParameterMap().get("token");
        if (q != null && !q.isEmpty() && q.get(0) != null && !q.get(0).isEmpty()) {
            return q.get(0);
        }
        String p = session.getNegotiatedSubprotocol();
        return p == null || p.isEmpty() ? null : p;
    }

    /** For tests: open sessions counted for an address. */
    int openSessions(String address) {
        return sessionsByAddress.getOrDefault(address, 0);
    }
}
