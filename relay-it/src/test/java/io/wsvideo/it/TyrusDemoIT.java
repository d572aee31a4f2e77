package io.wsvideo.it;

import static org.assertj.core.api.Assumptions.assumeThat;

import io.wsvideo.demo.DemoServer;
import io.wsvideo.it.Webapps.App;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The contract against the standalone demo server (Tyrus on Grizzly), configured from the same
 * {@code wsvideo.*} keys as the webapps' context parameters. It has no servlet webapps, so the tests about
 * the host application, the drop-in's on/off switch and start-up failures do not apply (skipped).
 */
class TyrusDemoIT extends ContainerContract {

    private static final Map<App, DemoServer> servers = new EnumMap<>(App.class);

    @BeforeAll
    static void start() throws Exception {
        for (App app : new App[] {App.HOST, App.LIMITED, App.DEMO}) {
            servers.put(app, DemoServer.start("127.0.0.1", 0, JakartaRelayConfig.fromProperties(Webapps.params(app))));
        }
    }

    @AfterAll
    static void stop() {
        servers.values().forEach(DemoServer::close);
        servers.clear();
    }

    @Override
    String base(App app) {
        DemoServer s = servers.get(app);
        return s == null ? null : "http://127.0.0.1:" + s.port();
    }

    @Override
    boolean hasHostServletAndEndpoint() {
        return false;
    }

    /**
     * Not under {@code /relay/}: the demo server's Grizzly mapping hands every {@code /relay/*} path that no
     * endpoint takes to its {@code /relay/stats} handler (200 with the stats JSON).
     */
    @Override
    String unknownPath() {
        return "/nothing-here/c";
    }

    @Override
    String startupFailure(App app) {
        assumeThat(false).as("the standalone server has no webapps to fail").isTrue();
        return null;
    }
}
