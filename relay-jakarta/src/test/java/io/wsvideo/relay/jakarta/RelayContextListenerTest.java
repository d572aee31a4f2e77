package io.wsvideo.relay.jakarta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.RelayRefusal;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.websocket.server.ServerContainer;
import jakarta.websocket.server.ServerEndpointConfig;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The drop-in listener against a fake servlet context and WebSocket container (the real ones are in relay-it). */
class RelayContextListenerTest {

    /** A servlet context with init parameters and attributes; a container that records what is added. */
    private static final class Fakes {
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, Object> attributes = new HashMap<>();
        final List<ServerEndpointConfig> endpoints = new ArrayList<>();
        final ServletContext context = (ServletContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getInitParameterNames" -> Collections.enumeration(params.keySet());
                    case "getInitParameter" -> params.get((String) args[0]);
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "removeAttribute" -> attributes.remove((String) args[0]);
                    case "getContextPath" -> "/shop";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        final ServerContainer container = (ServerContainer) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ServerContainer.class}, (proxy, method, args) -> {
                    if (method.getName().equals("addEndpoint") && args[0] instanceof ServerEndpointConfig) {
                        endpoints.add((ServerEndpointConfig) args[0]);
                        return null;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        ServletContextEvent event() {
            return new ServletContextEvent(context);
        }
    }

    @Test
    void registersBothEndpointsFromContextParametersAndClosesTheHubOnDestroy() throws Exception {
        Fakes f = new Fakes();
        f.attributes.put(ServerContainer.class.getName(), f.container);
        f.params.put("wsvideo.publishPath", "/live/{channel}/in");
        f.params.put("wsvideo.maxChannels", "7");
        f.params.put("other.param", "left alone");
        RelayContextListener listener = new RelayContextListener();

        listener.contextInitialized(f.event());

        assertThat(f.endpoints).extracting(ServerEndpointConfig::getPath)
                .containsExactly("/live/{channel}/in", "/relay/view/{channel}");
        assertThat(f.endpoints).extracting(ServerEndpointConfig::getEndpointClass)
                .containsExactly(PublishEndpoint.class, ViewEndpoint.class);
        assertThat(f.endpoints.get(0).getConfigurator().getEndpointInstance(PublishEndpoint.class))
                .isInstanceOf(PublishEndpoint.class);
        RelayHub hub = (RelayHub) f.attributes.get(RelayContextListener.HUB_ATTRIBUTE);
        assertThat(hub.config().maxChannels()).isEqualTo(7);

        listener.contextDestroyed(f.event());

        assertThat(f.attributes).doesNotContainKey(RelayContextListener.HUB_ATTRIBUTE);
        assertThatThrownBy(() -> hub.openViewer("c", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> hub.openPublisher("c", null, (code, reason) -> { }))
                .isInstanceOf(RelayRefusal.class).hasMessageContaining("shutting down");
    }

    @Test
    void enabledFalseRegistersNothingEvenWithOtherwiseBadParameters() {
        Fakes f = new Fakes();
        f.attributes.put(ServerContainer.class.getName(), f.container);
        f.params.put("wsvideo.enabled", "false");
        f.params.put("wsvideo.maxQueueBytes", "lots");
        new RelayContextListener().contextInitialized(f.event());
        assertThat(f.endpoints).isEmpty();
        assertThat(f.attributes).doesNotContainKey(RelayContextListener.HUB_ATTRIBUTE);
    }

    @Test
    void aBadParameterFailsTheStartNamingTheKey() {
        Fakes f = new Fakes();
        f.attributes.put(ServerContainer.class.getName(), f.container);
        f.params.put("wsvideo.maxQueueBytes", "lots");
        assertThatThrownBy(() -> new RelayContextListener().contextInitialized(f.event()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("wsvideo.maxQueueBytes").hasMessageContaining("'lots'");
        assertThat(f.endpoints).isEmpty();
    }

    @Test
    void aContainerWithoutWebSocketSupportFailsTheStartWithAHint() {
        Fakes f = new Fakes();
        assertThatThrownBy(() -> new RelayContextListener().contextInitialized(f.event()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("jakarta.websocket.server.ServerContainer")
                .hasMessageContaining("wsvideo.enabled=false");
    }
}
