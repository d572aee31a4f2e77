package io.wsvideo.it;

import io.wsvideo.it.Webapps.App;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.ee10.websocket.jakarta.server.config.JakartaWebSocketConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract in embedded Jetty 12 (ee10): every {@link App} as a {@link WebAppContext} with annotation
 * scanning and Jakarta WebSocket enabled, as in a Jetty distribution with the {@code ee10-annotations} and
 * {@code ee10-websocket-jakarta} modules.
 */
class Jetty12IT extends ContainerContract {

    private static Server server;
    private static final Map<App, WebAppContext> webapps = new EnumMap<>(App.class);

    @BeforeAll
    static void start() throws Exception {
        Path work = Webapps.workDir("jetty12");
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ContextHandlerCollection contexts = new ContextHandlerCollection();
        for (App app : App.values()) {
            WebAppContext w = new WebAppContext();
            w.setContextPath(app.contextPath.isEmpty() ? "/" : app.contextPath);
            w.setWar(app == App.DEMO ? Webapps.demoWar().toAbsolutePath().toString()
                    : Webapps.build(work.resolve("webapps"), app).toAbsolutePath().toString());
            w.setTempDirectory(Files.createDirectories(work.resolve("tmp").resolve(app.name())).toFile());
            w.addConfiguration(new AnnotationConfiguration(), new JakartaWebSocketConfiguration());
            // A webapp that fails to start answers 503 instead of stopping the server.
            w.setThrowUnavailableOnStartupException(false);
            contexts.addHandler(w);
            webapps.put(app, w);
        }
        server.setHandler(contexts);
        server.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
        webapps.clear();
    }

    private static int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    String base(App app) {
        return "http://127.0.0.1:" + port() + app.contextPath;
    }

    @Override
    String startupFailure(App app) {
        Throwable t = webapps.get(app).getUnavailableException();
        if (t == null) {
            return "started";
        }
        StringBuilder sb = new StringBuilder();
        for (; t != null; t = t.getCause()) {
            sb.append(t).append('\n');
        }
        return sb.toString();
    }
}
