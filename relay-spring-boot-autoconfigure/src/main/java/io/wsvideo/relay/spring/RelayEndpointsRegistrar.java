package io.wsvideo.relay.spring;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.jakarta.RelayEndpoints;
import jakarta.servlet.ServletContext;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.web.context.ServletContextAware;

/**
 * Registers the relay's endpoints on the servlet container's {@code ServerContainer}, and closes the hub
 * (everyone gets 1001) when the application context stops.
 *
 * <p>Registration happens once every singleton exists, like Spring's {@code ServerEndpointExporter}: an
 * embedded Tomcat or Jetty has initialized its servlet context by then (so the {@code ServerContainer} is
 * there) but does not accept connections yet, and the spec allows adding endpoints only until then.
 *
 * <p>Stopping happens in a phase before the web server's graceful shutdown: the relay's WebSockets are
 * long-lived, so a graceful shutdown would otherwise wait for them in vain, and closing them while the
 * server still runs lets the close frames (1001, "relay shutting down") reach the clients.
 */
final class RelayEndpointsRegistrar implements ServletContextAware, SmartInitializingSingleton, SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(RelayEndpointsRegistrar.class);

    /** Stops before the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and its stop. */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

    private final RelayHub hub;
    private final JakartaRelayConfig config;
    private final ApplicationContext context;
    // Set once by the container before afterSingletonsInstantiated; lifecycle calls come on one thread.
    private ServletContext servletContext;
    private volatile boolean registered;
    private volatile boolean running;

    RelayEndpointsRegistrar(RelayHub hub, JakartaRelayConfig config, ApplicationContext context) {
        this.hub = hub;
        this.config = config;
        this.context = context;
    }

    @Override
    public void setServletContext(ServletContext servletContext) {
        this.servletContext = servletContext;
    }

    @Override
    public void afterSingletonsInstantiated() {
        Object attr = servletContext == null ? null : servletContext.getAttribute(ServerContainer.class.getName());
        if (!(attr instanceof ServerContainer)) {
            if (context instanceof WebServerApplicationContext) {
                throw new RelayStartupException("no jakarta.websocket ServerContainer in the servlet context: the "
                        + "web server has no WebSocket support", "Add the container's WebSocket module (Tomcat: "
                        + "tomcat-embed-websocket, Jetty: jetty-ee11-websocket-jakarta-server), or set "
                        + "wsvideo.enabled=false to run without the relay.", null);
            }
            // A mock servlet environment (@SpringBootTest without a port, @WebMvcTest): nothing to serve.
            LOG.info("wsvideo relay: no WebSocket server container (no running web server); endpoints not registered");
            return;
        }
        try {
            RelayEndpoints.register((ServerContainer) attr, hub, config);
            registered = true;
        } catch (DeploymentException e) {
            throw new RelayStartupException("could not register the relay endpoints at " + config.publishPath()
                    + " and " + config.viewPath() + ": " + e.getMessage(), "Make sure no other WebSocket endpoint "
                    + "uses these paths, or change wsvideo.publish-path and wsvideo.view-path.", e);
        }
    }

    /** Whether the endpoints were registered and the relay has not been stopped. */
    boolean serving() {
        return registered && running;
    }

    @Override
    public void start() {
        running = true;
    }

    /** Closes every publisher and viewer with 1001 while the server can still send the close frames. */
    @Override
    public void stop() {
        running = false;
        hub.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
