package io.wsvideo.relay.jakarta;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.Map;
import java.util.Set;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

/** Tyrus on a Grizzly listener of its own: loopback and a free port (Tyrus's {@code Server} binds every interface). */
final class TyrusTestServer implements AutoCloseable {

    private final HttpServer http;
    private final int port;

    private TyrusTestServer(HttpServer http, int port) {
        this.http = http;
        this.port = port;
    }

    static TyrusTestServer start(Class<?>... endpoints) throws Exception {
        TyrusServerContainer container = new TyrusServerContainer((Set<Class<?>>) null) {
            private final TyrusWebSocketEngine engine = TyrusWebSocketEngine.builder(this).build();

            @Override
            public void register(Class<?> endpointClass) throws DeploymentException {
                engine.register(endpointClass, "/");
            }

            @Override
            public void register(ServerEndpointConfig config) throws DeploymentException {
                engine.register(config, "/");
            }

            @Override
            public WebSocketEngine getWebSocketEngine() {
                return engine;
            }

            @Override
            public Map<String, Object> getProperties() {
                return Map.of();
            }
        };
        HttpServer server = new HttpServer();
        NetworkListener listener = new NetworkListener("test", "127.0.0.1", 0);
        listener.registerAddOn(new WebSocketAddOn(container, "/"));
        server.addListener(listener);
        for (Class<?> e : endpoints) {
            container.addEndpoint(e);
        }
        server.start();
        container.start("/", listener.getPort());
        return new TyrusTestServer(server, listener.getPort());
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        http.shutdownNow();
    }
}
