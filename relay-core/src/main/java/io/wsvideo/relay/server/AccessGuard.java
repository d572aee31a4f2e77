package io.wsvideo.relay.server;

import io.wsvideo.relay.PublishAuthorizer;
import io.wsvideo.relay.SharedTokens;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access control and per-address limits of one pair of relay endpoints, whatever serves them: tokens (query
 * parameter or subprotocol), the publish authorizer and open sessions per remote address. A transport calls
 * {@link #admit} when a session opens and {@link #release} when an admitted one closes, then
 * {@link #mayPublish} or {@link #mayView}; the close codes and reasons for each refusal are here too, so that
 * every transport answers the same.
 */
public final class AccessGuard {

    private static final Logger LOG = LoggerFactory.getLogger(AccessGuard.class);

    /** Reason of the 1008 close for a missing or wrong token. */
    public static final String INVALID_TOKEN = "invalid token";
    /** Reason of the 1013 close past {@link RelayServerConfig#maxSessionsPerRemoteAddress()}. */
    public static final String TOO_MANY_SESSIONS = "too many connections from your address";
    /** Reason of the 1003 close of a viewer that sent a binary message. */
    public static final String VIEWERS_MAY_NOT_SEND_MEDIA = "viewers may not send media";
    /** Largest text message a viewer may send (control messages are small JSON); larger closes with 1009. */
    public static final int MAX_VIEWER_TEXT_CHARS = 4096;
    /**
     * Largest frame or message, in bytes, an engine that reads whole frames (Tyrus, Netty) takes from a viewer:
     * {@link #MAX_VIEWER_TEXT_CHARS} characters of up to 4 UTF-8 bytes each. Past it: 1009 and
     * {@link #tooBig(int)} of it.
     */
    public static final int MAX_VIEWER_MESSAGE_BYTES = MAX_VIEWER_TEXT_CHARS * 4;

    /** The reason of the 1009 close for a message (or frame) over {@code maxBytes}: it names the limit. */
    public static String tooBig(int maxBytes) {
        return "message larger than " + maxBytes + " bytes";
    }

    private final RelayServerConfig config;
    // Open sessions per remote address; entries go when their count drops to 0.
    private final ConcurrentHashMap<String, Integer> sessionsByAddress = new ConcurrentHashMap<>();

    public AccessGuard(RelayServerConfig config) {
        this.config = config;
    }

    public RelayServerConfig config() {
        return config;
    }

    /** Whether sessions are counted per address at all (a limit is set). */
    public boolean limitsAddresses() {
        return config.maxSessionsPerRemoteAddress() > 0;
    }

    /**
     * Counts a new session against its address's limit.
     *
     * @param address the client's IP address; null when the transport cannot tell (then nothing is counted)
     * @return false when the address has its maximum open already: close the session with 1013 and
     *     {@link #TOO_MANY_SESSIONS}, and do not {@link #release} it
     */
    public boolean admit(String address) {
        int limit = config.maxSessionsPerRemoteAddress();
        if (limit == 0 || address == null) {
            return true;
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
        }
        return admitted[0];
    }

    /** The end of a session {@link #admit} counted under {@code address} (null or "": not counted). */
    public void release(String address) {
        if (address == null || address.isEmpty() || !limitsAddresses()) {
            return;
        }
        sessionsByAddress.computeIfPresent(address, (a, n) -> n <= 1 ? null : n - 1);
    }

    /** Whether this client may publish on {@code channel}; an authorizer that throws means no. */
    public boolean mayPublish(String channel, String token, String address) {
        PublishAuthorizer a = config.publishAuthorizer();
        if (a == null) {
            return true;
        }
        try {
            return a.authorize(channel, token, address);
        } catch (RuntimeException e) {
            LOG.warn("publishAuthorizer threw; refusing the publisher", e);
            return false;
        }
    }

    public boolean mayView(String token) {
        SharedTokens t = config.viewTokens();
        return t == null || t.matches(token);
    }

    /**
     * The client's token: the query parameter {@code token}, else the subprotocol it offered (which the
     * handshake echoes: browsers fail the connection unless one offered subprotocol comes back, and a token
     * there stays out of URLs and access logs).
     */
    public static String token(String queryToken, String subprotocol) {
        if (queryToken != null && !queryToken.isEmpty()) {
            return queryToken;
        }
        return subprotocol == null || subprotocol.isEmpty() ? null : subprotocol;
    }

    /** For tests: open sessions counted for an address. */
    public int openSessions(String address) {
        return sessionsByAddress.getOrDefault(address, 0);
    }

    /** A close reason cut to fit in 123 UTF-8 bytes (RFC 6455 5.5: a control frame's payload is 125 at most). */
    public static String fitReason(String reason) {
        if (reason == null) {
            return "";
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length <= 123) {
            return reason;
        }
        String s = reason;
        while (s.getBytes(StandardCharsets.UTF_8).length > 120) {
            s = s.substring(0, s.length() - 1);
        }
        return s + "...";
    }
}
