package io.wsvideo.relay.jakarta;

import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Session;
import java.lang.reflect.Method;
import java.net.InetSocketAddress;

/**
 * The client's IP address of a WebSocket session. The {@code jakarta.websocket} API has no portable way to
 * ask, so this tries, in order: Jetty's session property {@code jakarta.websocket.endpoint.remoteAddress};
 * Tyrus's public {@code TyrusSession.getRemoteAddr()}; and the address that {@link RemoteAddressListener}
 * saw for the upgrade request, which the handshake stored as {@link #PROPERTY} (Tomcat and any other servlet
 * container). Null when none of them knows.
 */
final class RemoteAddresses {

    /** Session (and per-handshake config) property under which the handshake stores the address. */
    static final String PROPERTY = "io.wsvideo.remoteAddress";

    /**
     * The address of the servlet request this thread is handling, set by {@link RemoteAddressListener}. Kept
     * here, not in the listener, so that containers without the Servlet API (standalone Tyrus) never load it.
     */
    static final ThreadLocal<String> CURRENT_REQUEST = new ThreadLocal<>();

    private static final String JETTY_PROPERTY = "jakarta.websocket.endpoint.remoteAddress";

    private static final ClassValue<Method> GET_REMOTE_ADDR = new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
            try {
                Method m = type.getMethod("getRemoteAddr");
                return m.getReturnType() == String.class ? m : null;
            } catch (NoSuchMethodException | SecurityException e) {
                return null;
            }
        }
    };

    private RemoteAddresses() {
    }

    static String of(Session session, EndpointConfig config) {
        Object jetty = session.getUserProperties().get(JETTY_PROPERTY);
        if (jetty instanceof InetSocketAddress) {
            InetSocketAddress a = (InetSocketAddress) jetty;
            return a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        }
        Method m = GET_REMOTE_ADDR.get(session.getClass());
        if (m != null) {
            try {
                Object v = m.invoke(session);
                if (v instanceof String && !((String) v).isEmpty()) {
                    return (String) v;
                }
            } catch (ReflectiveOperationException | RuntimeException e) {
                // Not the method we hoped for; try the next source.
            }
        }
        Object ours = session.getUserProperties().get(PROPERTY);
        if (ours == null && config != null) {
            ours = config.getUserProperties().get(PROPERTY);
        }
        return ours instanceof String ? (String) ours : null;
    }
}
