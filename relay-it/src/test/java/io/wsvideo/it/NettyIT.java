package io.wsvideo.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.wsvideo.demo.NettyDemoServer;
import io.wsvideo.it.Webapps.App;
import io.wsvideo.relay.RelayHub;
import io.wsvideo.relay.jakarta.JakartaRelayConfig;
import io.wsvideo.relay.netty.NettyRelayServer;
import io.wsvideo.relay.netty.NettyTransport;
import io.wsvideo.relay.server.RelayServerConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The contract against relay-netty: {@link NettyRelayServer} (the module's own server, as an application would
 * start it) for the host and limited apps, and the demo on {@code --engine netty} for the demo app, configured
 * from the same {@code wsvideo.*} keys as the webapps' context parameters. Like the standalone Tyrus server it
 * has no servlet webapps, so the tests about them are skipped.
 */
class NettyIT extends ContainerContract {

    private static final Map<App, Integer> ports = new EnumMap<>(App.class);
    private static final List<AutoCloseable> running = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        for (App app : new App[] {App.HOST, App.LIMITED}) {
            RelayServerConfig config = RelayServerConfig.fromProperties(Webapps.params(app));
            RelayHub hub = RelayHub.create(config.relay());
            NettyRelayServer server = NettyRelayServer.builder(hub, config).start();
            running.add(hub);
            running.add(server);
            ports.put(app, server.port());
        }
        NettyDemoServer demo = NettyDemoServer.start("127.0.0.1", 0,
                JakartaRelayConfig.fromProperties(Webapps.params(App.DEMO)));
        running.add(demo);
        ports.put(App.DEMO, demo.port());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
        running.clear();
        ports.clear();
    }

    @Override
    String base(App app) {
        Integer p = ports.get(app);
        return p == null ? null : "http://127.0.0.1:" + p;
    }

    @Override
    boolean hasHostServletAndEndpoint() {
        return false;
    }

    /** NettyRelayServer alone starts no recorder (the Netty demo does: demo-app's RecordingsEndpointNettyTest). */
    @Override
    boolean servesRecordings() {
        return false;
    }

    @Override
    String startupFailure(App app) {
        assumeThat(false).as("relay-netty has no webapps to fail").isTrue();
        return null;
    }

    /** The contract's figures are worth something only on the transport the module picks on Linux. */
    @Test
    void linuxServersRunOnTheNativeEpollTransport() {
        String os = System.getProperty("os.name", "").toLowerCase();
        String arch = System.getProperty("os.arch", "");
        assumeThat(os).startsWith("linux");
        assumeThat(arch).isIn("amd64", "x86_64", "aarch64");
        assertThat(NettyTransport.auto()).as("epoll: %s", NettyTransport.EPOLL.unavailabilityCause())
                .isEqualTo(NettyTransport.EPOLL);
    }
}
