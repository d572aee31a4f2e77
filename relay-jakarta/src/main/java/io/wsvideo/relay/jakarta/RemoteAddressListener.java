package io.wsvideo.relay.jakarta;

import jakarta.servlet.ServletRequestEvent;
import jakarta.servlet.ServletRequestListener;

/**
 * Remembers, for the thread handling a request, the client's address ({@code ServletRequest.getRemoteAddr()},
 * so after any proxy valve or filter the container runs), so that the relay's handshake can learn it in
 * containers whose WebSocket sessions do not tell (Tomcat). Declared in the jar's {@code web-fragment.xml};
 * when the fragment is not scanned (embedded containers, {@code metadata-complete}), add it yourself with
 * {@code servletContext.addListener(RemoteAddressListener.class)} if you use
 * {@code maxSessionsPerRemoteAddress} or a {@code PublishAuthorizer} that looks at addresses.
 */
public final class RemoteAddressListener implements ServletRequestListener {

    @Override
    public void requestInitialized(ServletRequestEvent sre) {
        RemoteAddresses.CURRENT_REQUEST.set(sre.getServletRequest().getRemoteAddr());
    }

    @Override
    public void requestDestroyed(ServletRequestEvent sre) {
        RemoteAddresses.CURRENT_REQUEST.remove();
    }
}
