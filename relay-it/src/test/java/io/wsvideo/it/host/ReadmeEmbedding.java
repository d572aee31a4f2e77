package io.wsvideo.it.host;

import io.wsvideo.relay.RelayConfig;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.jakarta.RelayEndpoints;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;

/**
 * The README's "programmatic" example, compiled and run: a host application's own listener registers the
 * relay (the webapp sets {@code wsvideo.enabled=false} so the drop-in stays out of the way).
 */
public final class ReadmeEmbedding implements ServletContextListener {

    private RelayHub hub;

    @Override
    public void contextInitialized(ServletContextEvent sce) {
        try {
            hub = embed(sce.getServletContext());
        } catch (DeploymentException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        hub.close();
    }

    static RelayHub embed(ServletContext servletContext) throws DeploymentException {
        // --- README: programmatic (keep in sync) ---
        RelayHub hub = RelayHub.create(RelayConfig.builder()
                .maxQueueBytes(4 << 20)            // per viewer; past it the viewer skips to the next keyframe
                .lateJoinCacheMillis(10_000)
                .build());
        ServerContainer container = (ServerContainer) servletContext
                .getAttribute("jakarta.websocket.server.ServerContainer");
        RelayEndpoints.register(container, hub, JakartaRelayConfig.builder()
                .relay(hub.config())
                .publishTokens("change-me")        // publishers send ?token=change-me
                .allowedOrigins("https://example.com")
                .build());
        // --- end README ---
        return hub;
    }
}
