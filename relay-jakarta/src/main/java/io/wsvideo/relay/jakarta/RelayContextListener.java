package io.wsvideo.relay.jakarta;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.SharedTokens;
import io.wsvideo.relay.record.Recorder;
import io.wsvideo.relay.record.RecordingConfig;
import io.wsvideo.relay.record.RecordingFiles;
import io.wsvideo.relay.record.RecordingsHttp;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerContainer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drop-in: declared in this jar's {@code META-INF/web-fragment.xml}, so a WAR with the jar in
 * {@code WEB-INF/lib} gets the relay with no code. Reads the {@code wsvideo.*} context parameters (see
 * {@link JakartaRelayConfig#fromProperties}), creates a {@link RelayHub}, registers the endpoints on the
 * container's {@code jakarta.websocket.server.ServerContainer}, and closes the hub when the application
 * stops. {@code wsvideo.enabled=false} turns it off (to register the endpoints yourself, for example).
 *
 * <p>With {@code wsvideo.recordDir} set it also records (the {@code record*} parameters) and maps
 * {@link RecordingsServlet} at {@code /recordings}, behind the view tokens.
 *
 * <p>A bad parameter fails the application's start with a message naming it. The hub is published as the
 * context attribute {@value #HUB_ATTRIBUTE} (for stats), the recorder as {@value #RECORDER_ATTRIBUTE}.
 */
public final class RelayContextListener implements ServletContextListener {

    /** Context attribute holding the running {@link RelayHub}. */
    public static final String HUB_ATTRIBUTE = "io.wsvideo.relay.RelayHub";
    /** Context attribute holding the {@link Recorder} when {@code wsvideo.recordDir} is set (for its stats). */
    public static final String RECORDER_ATTRIBUTE = "io.wsvideo.relay.record.Recorder";

    private static final Logger LOG = LoggerFactory.getLogger(RelayContextListener.class);

    @Override
    public void contextInitialized(ServletContextEvent sce) {
        ServletContext ctx = sce.getServletContext();
        Map<String, String> params = new LinkedHashMap<>();
        for (String name : Collections.list(ctx.getInitParameterNames())) {
            if (name.startsWith(JakartaRelayConfig.PREFIX)) {
                params.put(name, ctx.getInitParameter(name));
            }
        }
        String enabled = params.get(JakartaRelayConfig.PREFIX + "enabled");
        if (enabled != null && enabled.trim().equalsIgnoreCase("false")) {
            LOG.info("wsvideo relay disabled in {} (wsvideo.enabled=false)", describe(ctx));
            return;
        }
        JakartaRelayConfig config;
        try {
            config = JakartaRelayConfig.fromProperties(params);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("wsvideo relay: bad context parameter: " + e.getMessage(), e);
        }
        Object attr = ctx.getAttribute(ServerContainer.class.getName());
        if (!(attr instanceof ServerContainer)) {
            throw new IllegalStateException("wsvideo relay: no jakarta.websocket.server.ServerContainer in "
                    + describe(ctx) + " (is WebSocket support enabled in this container?); set the context "
                    + "parameter wsvideo.enabled=false to run without the relay");
        }
        RelayHub hub = RelayHub.create(config.relay());
        try {
            RelayEndpoints.register((ServerContainer) attr, hub, config);
        } catch (DeploymentException | RuntimeException e) {
            hub.close();
            throw new IllegalStateException("wsvideo relay: could not register the endpoints: " + e.getMessage(), e);
        }
        ctx.setAttribute(HUB_ATTRIBUTE, hub);
        RecordingConfig rc = config.server().recording();
        if (rc != null) {
            startRecording(ctx, hub, config, rc);
        }
        LOG.info("wsvideo relay running in {}", describe(ctx));
    }

    /** {@code wsvideo.recordDir} is set: record, and serve the recordings at {@code /recordings} (view tokens apply). */
    private static void startRecording(ServletContext ctx, RelayHub hub, JakartaRelayConfig config,
                                       RecordingConfig rc) {
        try {
            RecordingFiles files = RecordingFiles.create(rc);
            Recorder recorder = Recorder.start(hub, rc, files);
            ctx.setAttribute(RECORDER_ATTRIBUTE, recorder);
            SharedTokens tokens = config.viewTokens();
            ServletRegistration.Dynamic servlet = ctx.addServlet("wsvideo-recordings",
                    new RecordingsServlet(new RecordingsHttp(files, t -> tokens == null || tokens.matches(t))));
            servlet.addMapping("/recordings", "/recordings/*");
        } catch (java.io.IOException | RuntimeException e) {
            hub.close();
            throw new IllegalStateException("wsvideo relay: cannot record into " + rc.dir() + ": " + e, e);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent sce) {
        ServletContext ctx = sce.getServletContext();
        Object hub = ctx.getAttribute(HUB_ATTRIBUTE);
        if (hub instanceof RelayHub) {
            ctx.removeAttribute(HUB_ATTRIBUTE);
            ((RelayHub) hub).close();
            LOG.info("wsvideo relay stopped in {}", describe(ctx));
        }
        // After the hub: its publishers have ended, so every recording completes its file here.
        if (ctx.getAttribute(RECORDER_ATTRIBUTE) instanceof Recorder recorder) {
            ctx.removeAttribute(RECORDER_ATTRIBUTE);
            recorder.close();
        }
    }

    private static String describe(ServletContext ctx) {
        String path = ctx.getContextPath();
        return "context '" + (path == null || path.isEmpty() ? "/" : path) + "'";
    }
}
