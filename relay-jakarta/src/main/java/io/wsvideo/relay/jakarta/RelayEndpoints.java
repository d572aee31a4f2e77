package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.RelayHub;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the relay's two endpoints on any {@code jakarta.websocket} server container:
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * RelayEndpoints.register(serverContainer, hub, JakartaRelayConfig.defaults());
 * }</pre>
 *
 * In a WAR, the jar's {@code web-fragment.xml} does this by itself ({@link RelayContextListener}).
 */
public final class RelayEndpoints {

    private static final Logger LOG = LoggerFactory.getLogger(RelayEndpoints.class);

    private RelayEndpoints() {
    }

    /**
     * Adds {@code config.publishPath()} and {@code config.viewPath()} to {@code container}, both served by
     * {@code hub}. The hub outlives nothing here: close it when the application stops.
     */
    public static void register(ServerContainer container, RelayHub hub, JakartaRelayConfig config)
            throws DeploymentException {
        Guard guard = new Guard(config);
        container.addEndpoint(endpointConfig(PublishEndpoint.class, config.publishPath(), config,
                () -> new PublishEndpoint(hub, config, guard)));
        container.addEndpoint(endpointConfig(ViewEndpoint.class, config.viewPath(), config,
                () -> new ViewEndpoint(hub, config, guard)));
        if (config.publishAuthorizer() == null) {
            LOG.warn("PUBLISHING IS OPEN: anyone who can reach {} can publish on any channel. Set publish "
                    + "tokens (wsvideo.publishTokens) or a PublishAuthorizer to restrict it.", config.publishPath());
        }
        LOG.info("relay endpoints registered at {} and {} ({})", config.publishPath(), config.viewPath(), config);
    }

    private static <T extends Endpoint> ServerEndpointConfig endpointConfig(Class<T> type, String path,
            JakartaRelayConfig config, Supplier<T> factory) {
        return ServerEndpointConfig.Builder.create(type, path)
                .configurator(new Handshake(config, factory))
                .build();
    }

    /** The handshake checks, the same for both endpoints. Shared by every handshake: keeps no state. */
    private static final class Handshake extends ServerEndpointConfig.Configurator {
        private final JakartaRelayConfig config;
        private final Supplier<? extends Endpoint> factory;

        Handshake(JakartaRelayConfig config, Supplier<? extends Endpoint> factory) {
            this.config = config;
            this.factory = factory;
        }

        @Override
        public <E> E getEndpointInstance(Class<E> endpointClass) {
            return endpointClass.cast(factory.get());
        }

        /** Every container answers {@code false} here with HTTP 403. */
        @Override
        public boolean checkOrigin(String originHeaderValue) {
            return config.originAllowed(originHeaderValue);
        }

        /**
         * A client may carry its token as the WebSocket subprotocol ({@code new WebSocket(url, [token])}),
         * which keeps it out of URLs and access logs. Browsers fail the connection unless the server echoes
         * one of the offered subprotocols, so echo the first; the endpoint then checks it as the token and
         * closes with 1008 if it is wrong, which the page can see (a refused handshake shows only 1006).
         */
        @Override
        public String getNegotiatedSubprotocol(List<String> supported, List<String> requested) {
            return requested == null || requested.isEmpty() ? "" : requested.get(0);
        }

        @Override
        public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request, HandshakeResponse response) {
            super.modifyHandshake(sec, request, response);
            String address = RemoteAddresses.CURRENT_REQUEST.get();
            if (address != null) {
                // Tomcat and Jetty hand each handshake its own copy of the config, which becomes the session's.
                sec.getUserProperties().put(RemoteAddresses.PROPERTY, address);
            }
        }
    }
}
