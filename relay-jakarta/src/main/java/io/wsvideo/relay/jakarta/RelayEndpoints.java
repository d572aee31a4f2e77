package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.RelayHub;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.function.Supplier;

/**
 * Registers the relay's two endpoints on any {@code jakarta.websocket} server container:
 *
 * <pre>{@code
 * RelayHub hub = RelayHub.create(RelayConfig.defaults());
 * RelayEndpoints.register(serverContainer, hub, JakartaRelayConfig.defaults());
 * }</pre>
 */
public final class RelayEndpoints {

    private RelayEndpoints() {
    }

    public static void register(ServerContainer container, RelayHub hub, JakartaRelayConfig config)
            throws DeploymentException {
        container.addEndpoint(endpointConfig(PublishEndpoint.class, config.publishPath(),
                () -> new PublishEndpoint(hub, config)));
        container.addEndpoint(endpointConfig(ViewEndpoint.class, config.viewPath(),
                () -> new ViewEndpoint(hub, config)));
    }

    private static <T extends Endpoint> ServerEndpointConfig endpointConfig(Class<T> type, String path,
                                                                           Supplier<T> factory) {
        return ServerEndpointConfig.Builder.create(type, path)
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <E> E getEndpointInstance(Class<E> endpointClass) {
                        return endpointClass.cast(factory.get());
                    }
                })
                .build();
    }
}
