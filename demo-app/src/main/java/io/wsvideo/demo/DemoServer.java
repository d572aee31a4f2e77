package io.wsvideo.demo;

import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.jakarta.RelayEndpoints;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.net.SocketException;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.glassfish.grizzly.Connection;
import org.glassfish.grizzly.ConnectionProbe;
import org.glassfish.grizzly.nio.NIOConnection;
import org.glassfish.grizzly.ssl.SSLEngineConfigurator;
import org.glassfish.grizzly.http.server.HttpHandler;
import org.glassfish.grizzly.http.server.HttpHandlerRegistration;
import org.glassfish.grizzly.http.server.HttpServer;
import org.glassfish.grizzly.http.server.NetworkListener;
import org.glassfish.grizzly.http.server.Request;
import org.glassfish.grizzly.http.server.Response;
import org.glassfish.grizzly.strategies.WorkerThreadIOStrategy;
import org.glassfish.tyrus.container.grizzly.server.WebSocketAddOn;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.WebSocketEngine;

/**
 * The standalone demo: one Grizzly listener serving the browser pages from the classpath, the relay's
 * WebSocket endpoints (Tyrus), {@code /relay/stats} and {@code /metrics} (Prometheus), all on one port.
 *
 * <p>Tyrus's own standalone {@code Server} serves static files only from a folder and always binds every
 * interface, so the demo builds the Grizzly server itself and plugs Tyrus in as an add-on.
 */
public final class DemoServer implements RelayServer {

    private final RelayHub hub;
    private final JakartaRelayConfig config;
    private final HttpServer http;
    private final Container container;
    private final MetricsHandler metrics;
    private final DemoRecording recording;
    /** Handshake deadlines and lingering closes (HandshakeGuard, FrameGuard): one daemon thread, started lazily. */
    private final ScheduledThreadPoolExecutor timers;

    private DemoServer(String host, int port, JakartaRelayConfig config, SSLContext tls, int socketSendBufferBytes)
            throws IOException {
        this.config = config;
        this.hub = RelayHub.create(config.relay());
        try {
            this.recording = DemoRecording.start(hub, config);
        } catch (IOException | RuntimeException e) {
            hub.close();
            throw e;
        }
        this.timers = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wsvideo-demo-timers");
            t.setDaemon(true);
            return t;
        });
        timers.setRemoveOnCancelPolicy(true);
        this.container = new Container(config, timers);
        // Tyrus 2.2 bug: a new session arms its idle timer with the container default, 0, i.e. a task that runs
        // at once and closes the session if its timeout is positive by then. The publish endpoint sets 30 s in
        // onOpen, so under load a fresh publisher was sometimes closed "because of the idle timeout" within
        // milliseconds (PublisherIdleRaceTest: 11 of 800). With a positive default the first task lies a day
        // ahead and onOpen's own timeout (or 0) replaces it before it can run.
        container.setDefaultMaxSessionIdleTimeout(TimeUnit.DAYS.toMillis(1));
        this.http = new HttpServer();
        NetworkListener listener = new NetworkListener("wsvideo", host, port);
        // Long-lived WebSocket connections: no keep-alive idle cut, and never block the selector threads.
        listener.getKeepAlive().setIdleTimeoutInSeconds(-1);
        listener.getTransport().setIOStrategy(WorkerThreadIOStrategy.getInstance());
        listener.registerAddOn(new WebSocketAddOn(container, "/"));
        // Slow and silent clients: a deadline for every unfinished request, and a cap on them per address.
        listener.registerAddOn(new HandshakeGuard(config.handshakeTimeoutMillis(),
                config.maxSessionsPerRemoteAddress(), timers));
        // A path Grizzly cannot decode (an encoded ../, a NUL) is the client's error: 400, not Grizzly's own 500.
        listener.registerAddOn(new UndecodablePathFilter());
        if (socketSendBufferBytes > 0) {
            // The kernel's send buffer grows to megabytes per connection by default: seconds of stale
            // video a slow viewer must drain before the relay's own queue (and its skip to the next
            // keyframe) even notices. A fixed, smaller buffer hands that decision back to the relay.
            listener.getTransport().getConnectionMonitoringConfig().addProbes(new ConnectionProbe.Adapter() {
                @Override
                public void onAcceptEvent(Connection server, Connection client) {
                    if (client instanceof NIOConnection nio && nio.getChannel() instanceof SocketChannel ch) {
                        try {
                            ch.socket().setSendBufferSize(socketSendBufferBytes);
                        } catch (SocketException e) {
                            // Keep the default: the relay's own queue policy still applies, later.
                        }
                    }
                }
            });
        }
        if (tls != null) {
            listener.setSecure(true);
            listener.setSSLEngineConfig(new SSLEngineConfigurator(tls, false, false, false));
        }
        http.addListener(listener);

        http.getServerConfiguration().addHttpHandler(new PagesHandler(), "/");
        http.getServerConfiguration().addHttpHandler(new StatsHandler(hub, recording), "/relay/stats");
        if (recording != null) {
            http.getServerConfiguration().addHttpHandler(new RecordingsHandler(recording),
                    HttpHandlerRegistration.builder().contextPath(DemoRecording.PATH).urlPattern("/*").build());
        }
        this.metrics = new MetricsHandler(hub, recording);
        http.getServerConfiguration().addHttpHandler(metrics, "/metrics");
    }

    /** Starts a demo server; port 0 picks a free port (see {@link #port()}). */
    public static DemoServer start(String host, int port, JakartaRelayConfig config)
            throws IOException, DeploymentException {
        return start(host, port, config, null, 0);
    }

    /**
     * Starts a demo server serving https/wss with {@code tls}, or plain http/ws when it is null.
     *
     * @param socketSendBufferBytes SO_SNDBUF for every connection, or 0 for the operating system's
     *                              (auto-tuned) default
     */
    public static DemoServer start(String host, int port, JakartaRelayConfig config, SSLContext tls,
                                   int socketSendBufferBytes) throws IOException, DeploymentException {
        DemoServer s = new DemoServer(host, port, config, tls, socketSendBufferBytes);
        try {
            RelayEndpoints.register(s.container, s.hub, config);
            s.http.start();
            s.container.start("/", s.port());
            return s;
        } catch (IOException | DeploymentException | RuntimeException | Error e) {
            // A taken port, say: stop what the constructor and the start began (the hub's sweeper, the metrics
            // thread, Grizzly's pools), so that a caller that goes on is not left with a half-started server.
            s.close();
            throw e;
        }
    }

    @Override
    public int port() {
        return http.getListener("wsvideo").getPort();
    }

    @Override
    public RelayHub hub() {
        return hub;
    }

    @Override
    public JakartaRelayConfig config() {
        return config;
    }

    @Override
    public void close() {
        hub.close();
        if (recording != null) {
            recording.close(); // the publishers just ended: their files are completed before the server stops
        }
        container.stop();
        http.shutdownNow();
        timers.shutdownNow();
        metrics.close();
    }

    /** Tyrus's server container without Tyrus's own HTTP server: Grizzly above hosts it. */
    private static final class Container extends TyrusServerContainer {
        private final TyrusWebSocketEngine engine;
        private final WebSocketEngine guarded;

        Container(JakartaRelayConfig config, ScheduledExecutorService timers) {
            super((java.util.Set<Class<?>>) null);
            int maxMessageBytes = config.maxMessageBytes();
            // Tyrus's own frame buffer must hold the largest message the relay accepts, plus its frame header;
            // FrameGuard refuses larger messages and hands Tyrus one frame at a time.
            this.engine = TyrusWebSocketEngine.builder(this).incomingBufferSize(maxMessageBytes + 64).build();
            String publishPath = config.publishPath();
            String publishPrefix = publishPath.substring(0, publishPath.indexOf('{'));
            this.guarded = FrameGuard.guard(engine, publishPrefix, maxMessageBytes, timers);
        }

        @Override
        public void register(Class<?> endpointClass) throws DeploymentException {
            engine.register(endpointClass, "/");
        }

        @Override
        public void register(ServerEndpointConfig serverEndpointConfig) throws DeploymentException {
            engine.register(serverEndpointConfig, "/");
        }

        @Override
        public WebSocketEngine getWebSocketEngine() {
            return guarded;
        }

        @Override
        public java.util.Map<String, Object> getProperties() {
            return java.util.Map.of();
        }
    }

    private static final class StatsHandler extends HttpHandler {
        private final RelayHub hub;
        private final DemoRecording recording;

        StatsHandler(RelayHub hub, DemoRecording recording) {
            this.hub = hub;
            this.recording = recording;
        }

        @Override
        public void service(Request request, Response response) throws Exception {
            // Grizzly hands this handler every path under /relay/ that no WebSocket upgrade took.
            if (!"/relay/stats".equals(request.getDecodedRequestURI())) {
                response.sendError(404);
                return;
            }
            boolean viewers = "true".equals(request.getParameter("viewers"));
            byte[] body = DemoRecording.stats(hub.stats(viewers).toJson(viewers), recording)
                    .getBytes(StandardCharsets.UTF_8);
            response.setContentType("application/json");
            response.setHeader("Cache-Control", "no-store");
            response.setContentLength(body.length);
            response.getOutputStream().write(body);
        }
    }
}
